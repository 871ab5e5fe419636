//! What an executor may do from inside a running isolate: reach its memory,
//! spawn isolates, send and receive, monitor and wait.
//!
//! Invariant: a `Context` exists only while its isolate runs on a worker, so
//! every operation here acts for that isolate; operations on other isolates
//! go through their cells and the runtime, never through their cores.

use std::sync::Arc;
use std::time::Instant;

use crossbeam_deque::Worker;
use gc::Roots;
use heap::HandleTarget;
use shareable::Message;

use crate::cell::{Envelope, ExitOutcome, IsolateCell, Status};
use crate::executor::{Failure, Task};
use crate::mailbox::Mailbox;
use crate::memory::{HeapLimitExceeded, Memory};
use crate::runtime::{Runnable, Runtime};

pub struct Context<'a, T: Task> {
    pub memory: &'a mut Memory,
    pub(crate) inbox: &'a mut Mailbox,
    pub(crate) cell: &'a Arc<IsolateCell<T>>,
    pub(crate) runtime: &'a Runtime<T>,
    pub(crate) local: &'a Worker<Runnable<T>>,
}

/// What `wait` found.
pub enum WaitState {
    /// The isolate has ended.
    Done(ExitOutcome),
    /// It runs still; the caller is registered and will be woken.
    Pending,
}

/// Why an operation on a handle was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HandleError {
    /// The handle is not one of this run's isolates.
    Foreign,
    /// `wait` on the calling isolate itself.
    SelfWait,
}

impl<'a, T: Task> Context<'a, T> {
    /// This isolate's id.
    pub fn id(&self) -> u64 {
        self.cell.id
    }

    /// True when a global collection waits for this isolate to stop: it
    /// should call [`Context::safepoint`] (and yield) soon.
    #[inline]
    pub fn stop_requested(&self) -> bool {
        self.runtime.gc_requested()
    }

    /// At a safepoint (every value the executor still uses is in `roots`):
    /// collects this isolate's heap if it is due — alone, or, when the
    /// policy makes every collection global, by requesting a global one.
    /// Returns true when the isolate must yield now, for a pending global
    /// collection.
    pub fn safepoint(&mut self, roots: &dyn Roots) -> Result<bool, HeapLimitExceeded> {
        if self.runtime.gc_requested() {
            return Ok(true);
        }
        if !self.memory.heap.gc_due() {
            return Ok(false);
        }
        self.collect_now(roots)
    }

    /// Collects now (`gc()`): this heap alone, or everything when the policy
    /// makes every collection global. Returns true when the isolate must
    /// yield for the global collection.
    pub fn collect_now(&mut self, roots: &dyn Roots) -> Result<bool, HeapLimitExceeded> {
        if self.memory.local_collection() {
            self.memory.collect(roots)?;
            Ok(false)
        } else {
            self.runtime.request_global();
            Ok(true)
        }
    }

    /// Requests a global collection (`gc_global()`); the isolate must yield.
    pub fn request_global(&mut self) {
        self.runtime.request_global();
    }

    /// Ends the whole run now with `failure`, as if the main isolate had
    /// failed: for a failure of the process rather than of one isolate
    /// (its output is gone). Every worker stops at the end of its slice,
    /// this one's included; the first end of a run is the one reported.
    pub fn end_run(&mut self, failure: Failure) {
        self.runtime.end(Err(failure));
    }

    /// Reports `bytes` just made shareable (by a freeze): the policy may
    /// request a global collection.
    pub fn note_shareable(&mut self, bytes: usize) {
        self.runtime.note_shareable(bytes);
    }

    /// A handle target for this isolate.
    pub fn self_target(&self) -> HandleTarget {
        self.cell.clone()
    }

    fn cell_of(target: &HandleTarget) -> Result<Arc<IsolateCell<T>>, HandleError> {
        Arc::clone(target)
            .downcast::<IsolateCell<T>>()
            .map_err(|_| HandleError::Foreign)
    }

    /// Starts an isolate running `task`; returns its id and handle target.
    pub fn spawn(&mut self, task: T) -> (u64, HandleTarget) {
        let cell = self.runtime.spawn(task, Some(self.local));
        (cell.id, cell)
    }

    /// Delivers `message` to `target` (dropped if it has ended).
    pub fn send(&mut self, target: &HandleTarget, message: Message) -> Result<(), HandleError> {
        let cell = Self::cell_of(target)?;
        self.memory.messages.sent += 1;
        self.memory.messages.bytes_copied += message.bytes() as u64;
        self.runtime
            .deliver(&cell, Envelope::Message(message), Some(self.local));
        Ok(())
    }

    /// The oldest envelope in this isolate's mailbox.
    pub fn try_receive(&mut self) -> Option<Envelope> {
        if self.inbox.is_empty() {
            self.cell.state.lock().mailbox.move_into(self.inbox);
        }
        let envelope = self.inbox.pop_front();
        if let Some(e) = &envelope {
            self.memory.messages.received += 1;
            if self.runtime.config.memory.bounds_mailboxes() {
                self.cell.received(e);
            }
        }
        envelope
    }

    /// Registers a deadline for the `receive` this isolate is about to block
    /// in: a timer wakes it then.
    pub fn wake_at(&mut self, deadline: Instant) {
        self.cell.state.lock().deadline = Some(deadline);
        self.runtime.add_timer(self.cell, deadline);
    }

    /// Makes this isolate receive `Down` when `target` ends (at once if it
    /// has ended already).
    pub fn monitor(&mut self, target: &HandleTarget) -> Result<(), HandleError> {
        let cell = Self::cell_of(target)?;
        let mut state = cell.state.lock();
        state.observed = true;
        let reason = match &state.status {
            Status::Done(Ok(_)) => "normal".to_string(),
            Status::Done(Err(message)) => message.clone(),
            _ => {
                state.monitors.push(Arc::clone(self.cell));
                return Ok(());
            }
        };
        drop(state);
        let down = Envelope::Down {
            id: cell.id,
            target: target.clone(),
            reason,
        };
        self.runtime.deliver(self.cell, down, Some(self.local));
        Ok(())
    }

    /// How `target` ended, or `Pending` after registering this isolate to
    /// be woken when it does.
    pub fn wait(&mut self, target: &HandleTarget) -> Result<WaitState, HandleError> {
        let cell = Self::cell_of(target)?;
        if Arc::ptr_eq(&cell, self.cell) {
            return Err(HandleError::SelfWait);
        }
        let mut state = cell.state.lock();
        state.observed = true;
        if let Status::Done(outcome) = &state.status {
            return Ok(WaitState::Done(outcome.clone()));
        }
        if !state.waiters.iter().any(|w| Arc::ptr_eq(w, self.cell)) {
            state.waiters.push(Arc::clone(self.cell));
        }
        Ok(WaitState::Pending)
    }
}
