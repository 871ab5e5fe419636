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

/// Frames of a failed isolate's trace that its waiters and monitors see.
pub const REPORTED_FRAMES: usize = 3;

impl Failure {
    /// The failure as another isolate sees it, on one line: the message,
    /// then the first [`REPORTED_FRAMES`] lines of the trace (innermost
    /// first) in parentheses, with `...` when more were left out:
    /// `division by zero (at divide (prog.iv:3), at main (prog.iv:9))`.
    /// A `wait` raises it in the waiter, and a `down` notice carries it as
    /// its reason, so the failure is found where it happened, not only
    /// where it was seen.
    pub fn summary(&self) -> String {
        if self.trace.is_empty() {
            return self.message.clone();
        }
        let mut shown: Vec<&str> = self
            .trace
            .iter()
            .take(REPORTED_FRAMES)
            .map(String::as_str)
            .collect();
        if self.trace.len() > REPORTED_FRAMES {
            shown.push("...");
        }
        format!("{} ({})", self.message, shown.join(", "))
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(frames: usize) -> Failure {
        Failure {
            message: "division by zero".into(),
            trace: (0..frames).map(|i| format!("at f{i} (p.iv:{i})")).collect(),
        }
    }

    #[test]
    fn a_summary_shows_the_first_frames_on_one_line() {
        assert_eq!(failure(0).summary(), "division by zero");
        assert_eq!(failure(1).summary(), "division by zero (at f0 (p.iv:0))");
        assert_eq!(
            failure(3).summary(),
            "division by zero (at f0 (p.iv:0), at f1 (p.iv:1), at f2 (p.iv:2))"
        );
        assert_eq!(
            failure(4).summary(),
            "division by zero (at f0 (p.iv:0), at f1 (p.iv:1), at f2 (p.iv:2), ...)"
        );
    }
}
