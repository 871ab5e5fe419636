//! The shared record of one isolate: its mailbox, its scheduling status,
//! who monitors and who waits for it, and how it ended.
//!
//! Invariants:
//! - Everything here is behind one mutex, so delivering a message and the
//!   decision to park an isolate are serialized: an event (a message, a
//!   monitor notice, the end of an isolate it waits for, a timer) either
//!   finds the isolate parked and schedules it, or marks it `notified`, and
//!   the worker that would park it sees the mark and runs it again instead.
//!   No wake-up is ever lost.
//! - A parked isolate's core (heap and execution state) is stored here and
//!   costs no CPU; a runnable or running one's core is in a run queue or on
//!   a worker, and `Status::Scheduled` says so.
//! - Once `Done`, the status never changes, and the core has been dropped
//!   (its heap freed at once, docs/design.md invariant 6).
//! - When mailboxes are bounded (`MemoryConfig::bounds_mailboxes`),
//!   `queued` and `queued_bytes` count the envelopes delivered and not yet
//!   received (in the mailbox or the inbox) and their bytes: deliveries add
//!   under the state's mutex, the owner subtracts as it receives. A
//!   delivery past a bound sets `kill` and `killed` instead of queueing, and
//!   the isolate fails at the start of its next slice.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Instant;

use crate::lock_order::{Ordered, Rank};
use shareable::Message;

use crate::executor::Task;
use crate::mailbox::{Mailbox, envelope_bytes};
use crate::memory::{Memory, MemoryConfig};

/// The owned part of an isolate: what a worker needs to run it.
pub(crate) struct Core<T: Task> {
    pub memory: Memory,
    pub task: T,
    /// Envelopes taken from the cell's mailbox and not yet received.
    pub inbox: Mailbox,
}

/// What arrives in a mailbox.
pub enum Envelope {
    /// A message from another isolate (or from itself).
    Message(Message),
    /// A monitored isolate ended; `reason` is `"normal"` or its error with
    /// the first frames of its trace ([`crate::Failure::summary`]).
    Down {
        id: u64,
        target: heap::HandleTarget,
        reason: String,
    },
}

/// How an isolate ended: the deep copy of its function's result, or its
/// error message with the first frames of its trace
/// ([`crate::Failure::summary`]).
pub type ExitOutcome = Result<Arc<Message>, String>;

/// Why a parked isolate is parked, for deadlock reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockReason {
    Receive,
    Wait(u64),
}

pub(crate) enum Status<T: Task> {
    /// In a run queue or running on a worker.
    Scheduled,
    /// Parked until an event.
    Parked {
        core: Box<Core<T>>,
        reason: BlockReason,
    },
    Done(ExitOutcome),
}

pub(crate) struct State<T: Task> {
    pub mailbox: Mailbox,
    pub status: Status<T>,
    /// An event arrived while the isolate was scheduled.
    pub notified: bool,
    /// Isolates to tell (with a `Down` envelope) when this one ends.
    pub monitors: Vec<Arc<IsolateCell<T>>>,
    /// Isolates blocked in `wait` for this one.
    pub waiters: Vec<Arc<IsolateCell<T>>>,
    /// Deadline of the `receive` the isolate is blocked in, if it has one.
    pub deadline: Option<Instant>,
    /// Some isolate monitors or waits for this one (or did, after its end):
    /// its failure is not lost.
    pub observed: bool,
    /// Why the isolate must fail at its next slice (its mailbox overflowed).
    pub kill: Option<String>,
}

/// One isolate, as every other isolate and the scheduler see it.
pub struct IsolateCell<T: Task> {
    pub(crate) id: u64,
    pub(crate) state: Ordered<State<T>>,
    /// Envelopes delivered and not yet received, when mailboxes are bounded.
    queued: AtomicUsize,
    /// Their bytes (`envelope_bytes`).
    queued_bytes: AtomicUsize,
    /// `state.kill` is set: checked at every slice without the lock.
    killed: AtomicBool,
}

impl<T: Task> IsolateCell<T> {
    pub(crate) fn new(id: u64) -> IsolateCell<T> {
        IsolateCell {
            id,
            state: Ordered::new(
                Rank::CellState,
                State {
                    mailbox: Mailbox::default(),
                    status: Status::Scheduled,
                    notified: false,
                    monitors: Vec::new(),
                    waiters: Vec::new(),
                    deadline: None,
                    observed: false,
                    kill: None,
                },
            ),
            queued: AtomicUsize::new(0),
            queued_bytes: AtomicUsize::new(0),
            killed: AtomicBool::new(false),
        }
    }

    /// Counts `envelope` in, for a delivery under the state's mutex with
    /// bounded mailboxes; returns why it may not be queued, when it would
    /// take the mailbox past a bound of `memory`.
    pub(crate) fn admit(&self, envelope: &Envelope, memory: &MemoryConfig) -> Option<String> {
        let bytes = envelope_bytes(envelope);
        let waiting = self.queued.fetch_add(1, Ordering::Relaxed);
        let total = self.queued_bytes.fetch_add(bytes, Ordering::Relaxed) + bytes;
        if let Some(max) = memory.max_mailbox
            && waiting >= max
        {
            return Some(format!(
                "mailbox limit exceeded: {waiting} messages queued (--max-mailbox {max})"
            ));
        }
        if let Some(max) = memory.max_heap
            && total > max
        {
            return Some(format!(
                "heap limit exceeded: its mailbox would hold {total} bytes of messages (--max-heap {max})"
            ));
        }
        None
    }

    /// Counts `envelope` out, as the owner receives it.
    pub(crate) fn received(&self, envelope: &Envelope) {
        self.queued.fetch_sub(1, Ordering::Relaxed);
        self.queued_bytes
            .fetch_sub(envelope_bytes(envelope), Ordering::Relaxed);
    }

    /// Marks the isolate to fail at its next slice with `reason` (the state
    /// is locked by the caller).
    pub(crate) fn set_kill(&self, state: &mut State<T>, reason: String) {
        state.kill.get_or_insert(reason);
        self.killed.store(true, Ordering::Release);
    }

    /// Whether the isolate must fail (its mailbox overflowed).
    #[inline]
    pub(crate) fn killed(&self) -> bool {
        self.killed.load(Ordering::Acquire)
    }

    /// Why the isolate must fail, taken once.
    pub(crate) fn take_kill(&self) -> Option<String> {
        self.state.lock().kill.take()
    }

    pub fn id(&self) -> u64 {
        self.id
    }

    /// How the isolate ended, if it has.
    pub fn outcome(&self) -> Option<ExitOutcome> {
        match &self.state.lock().status {
            Status::Done(outcome) => Some(outcome.clone()),
            _ => None,
        }
    }
}
