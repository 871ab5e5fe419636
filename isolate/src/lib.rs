//! Isolates: each owns a private heap and runs on whatever worker thread the
//! scheduler gives it.
//!
//! - [`Memory`]: the isolate's heap and collector, collected only at the
//!   executor's safepoints.
//! - [`Task`]: the trait the interpreter implements (run for a reduction
//!   budget, report roots), so the scheduler never knows instructions.
//! - [`Isolate`] and [`run_to_completion`]: one isolate run on the calling
//!   thread, slice after slice. The M:N scheduler, mailboxes and monitors
//!   build on these.

#![forbid(unsafe_code)]

mod executor;
mod memory;

pub use executor::{Failure, Outcome, Task};
pub use memory::{HeapLimitExceeded, Memory, MemoryConfig};

use heap::Value;

/// Default reduction budget of one slice (BEAM preempts every 4000).
pub const DEFAULT_BUDGET: u32 = 4000;

/// An isolate: its memory and its execution state.
pub struct Isolate<T: Task> {
    pub memory: Memory,
    pub task: T,
}

impl<T: Task> Isolate<T> {
    pub fn new(config: &MemoryConfig, task: T) -> Isolate<T> {
        Isolate {
            memory: Memory::new(config),
            task,
        }
    }

    /// Runs one slice.
    pub fn run_slice(&mut self, budget: u32) -> Outcome {
        self.task.run(&mut self.memory, budget)
    }
}

/// Runs a lone isolate until it finishes or fails. A lone isolate blocked
/// in `receive` can never be woken: that is a deadlock.
pub fn run_to_completion<T: Task>(isolate: &mut Isolate<T>, budget: u32) -> Result<Value, Failure> {
    loop {
        match isolate.run_slice(budget) {
            Outcome::Yielded => continue,
            Outcome::Finished(v) => return Ok(v),
            Outcome::Failed(f) => return Err(f),
            Outcome::Blocked => {
                return Err(Failure {
                    message: "deadlock: the only isolate waits for a message".into(),
                    trace: Vec::new(),
                });
            }
        }
    }
}
