//! The contract between the scheduler and an interpreter.
//!
//! Invariant: the scheduler knows nothing of instructions. An executor runs
//! one isolate for at most a budget of reductions and reports why it
//! stopped; its per-isolate state (frames, registers) is a [`Task`], which
//! also reports the isolate's roots. Between slices a task holds no borrow
//! and no Rust stack, so it can resume later, on any thread. A task that
//! blocks is resumed at the same point and re-checks what it waited for:
//! wake-ups may be spurious.

use gc::Roots;
use heap::Value;

use crate::cell::BlockReason;
use crate::context::Context;

/// Why a slice ended.
#[derive(Debug)]
pub enum Outcome {
    /// The budget ran out; the task can run again at once.
    Yielded,
    /// The task waits: for a message, or for another isolate to end.
    Blocked(BlockReason),
    /// The isolate's function returned this value.
    Finished(Value),
    /// The isolate failed; it must not run again.
    Failed(Failure),
}

/// Why an isolate failed, with the executor's description of where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// One line, e.g. `integer overflow`.
    pub message: String,
    /// Innermost first, e.g. `at fib (fib.iv:3)`.
    pub trace: Vec<String>,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "error: {}", self.message)?;
        for line in &self.trace {
            write!(f, "\n  {line}")?;
        }
        Ok(())
    }
}

/// One isolate's execution state, as an executor keeps it.
pub trait Task: Roots + Send + Sized + 'static {
    /// Runs for at most `budget` reductions (calls and backward jumps),
    /// collecting `ctx.memory` at safepoints when it asks to.
    fn run(&mut self, ctx: &mut Context<'_, Self>, budget: u32) -> Outcome;
}
