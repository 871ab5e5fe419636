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
//!   (its heap freed at once, DESIGN.md invariant 6).

use std::sync::Arc;
use std::time::Instant;

use parking_lot::Mutex;
use shareable::Message;

use crate::executor::Task;
use crate::mailbox::Mailbox;
use crate::memory::Memory;

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
    /// A monitored isolate ended; `reason` is `"normal"` or its error.
    Down {
        id: u64,
        target: heap::HandleTarget,
        reason: String,
    },
}

/// How an isolate ended: the deep copy of its function's result, or its
/// error message.
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
}

/// One isolate, as every other isolate and the scheduler see it.
pub struct IsolateCell<T: Task> {
    pub(crate) id: u64,
    pub(crate) state: Mutex<State<T>>,
}

impl<T: Task> IsolateCell<T> {
    pub(crate) fn new(id: u64) -> IsolateCell<T> {
        IsolateCell {
            id,
            state: Mutex::new(State {
                mailbox: Mailbox::default(),
                status: Status::Scheduled,
                notified: false,
                monitors: Vec::new(),
                waiters: Vec::new(),
                deadline: None,
                observed: false,
            }),
        }
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
