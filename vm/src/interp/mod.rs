//! The interpreter: runs one isolate's bytecode for a reduction budget.
//!
//! Invariants:
//! - Stackless: VM frames live in the task's own `frames` and `stack`, never
//!   in Rust recursion, so a task can stop after any instruction (budget
//!   spent, `receive`) and resume later on any thread.
//! - Every frame owns a window of 256 registers starting at its base, and the
//!   stack always holds at least `base + 256` slots, so a `u8` register index
//!   needs no bounds check. Slots below the highest frame top hold valid
//!   values (windows are cleared on entry); they are the task's roots.
//! - Collections happen only at safepoints: after an instruction that may
//!   have allocated, once its result is in a register, and when `gc()` asks.
//!   Within an instruction the heap never collects.
//! - The verifier has checked every operand: registers below the frame size,
//!   constants, functions, jump targets, direct-call arities and builtin
//!   argument counts. The loop relies on that.
//! - Reductions: each call and each taken backward jump costs one; when the
//!   budget is spent the task yields at that instruction, before it acts.

mod arith;
mod run;

use std::sync::Arc;
use std::time::Instant;

use gc::Roots;
use heap::Value;
use isolate::Failure;
use shareable::Message;

use crate::program::Program;

pub use arith::{ArithOp, float_arith, int_arith};

/// Registers every frame may address.
pub(crate) const WINDOW: usize = 256;

/// Most register slots a task may use (64 MiB of registers).
pub const MAX_STACK_SLOTS: usize = 8 << 20;

/// Most nested calls a task may make.
pub const MAX_FRAMES: usize = 1 << 20;

/// Frames shown at each end of a long error trace.
const TRACE_ENDS: usize = 12;

/// One activation of a function.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Frame {
    pub func: u32,
    /// Next instruction to run (for a caller: the one after its call).
    pub pc: u32,
    pub base: u32,
    /// The caller's register that receives this frame's result.
    pub ret: u8,
}

/// One isolate's execution state.
pub struct Interp {
    pub(crate) program: Arc<Program>,
    pub(crate) stack: Vec<Value>,
    pub(crate) frames: Vec<Frame>,
    /// The arguments of a spawned isolate, decoded into its own heap when it
    /// first runs (on its own worker).
    pub(crate) start: Option<Message>,
    /// Deadline of the `receive(ms)` this isolate is blocked in.
    pub(crate) receive_deadline: Option<Instant>,
}

impl Interp {
    /// A task that will call function `func` with the arguments in `start`
    /// (as many as its arity: the caller checks).
    pub fn spawned(program: Arc<Program>, func: u32, start: Message) -> Interp {
        let arity = program.module.functions[func as usize].arity as usize;
        assert_eq!(start.len(), arity, "spawn arity");
        let mut task = Interp::calling(program, func);
        task.start = Some(start);
        task
    }

    /// A task running the module's entry function.
    pub fn for_entry(program: Arc<Program>) -> Interp {
        let entry = program.module.entry as u32;
        Interp::calling(program, entry)
    }

    fn calling(program: Arc<Program>, func: u32) -> Interp {
        Interp {
            program,
            stack: vec![Value::NIL; WINDOW],
            frames: vec![Frame {
                func,
                pc: 0,
                base: 0,
                ret: 0,
            }],
            start: None,
            receive_deadline: None,
        }
    }

    /// The end of the highest frame window: every slot below is a root.
    fn roots_top(&self) -> usize {
        let functions = &self.program.module.functions;
        self.frames
            .iter()
            .map(|f| f.base as usize + functions[f.func as usize].frame_size as usize)
            .max()
            .unwrap_or(0)
    }

    /// A failure with `message` and a trace of the frames, innermost first.
    pub(crate) fn failure(&self, message: String) -> Failure {
        let module = &self.program.module;
        let describe = |frame: &Frame| {
            let f = &module.functions[frame.func as usize];
            let line = f.line_at((frame.pc as usize).saturating_sub(1));
            match (line, module.source_name.as_str()) {
                (Some(l), "") => format!("at {} (line {l})", f.name),
                (Some(l), file) => format!("at {} ({file}:{l})", f.name),
                (None, _) => format!("at {}", f.name),
            }
        };
        let n = self.frames.len();
        let mut trace = Vec::new();
        if n <= 2 * TRACE_ENDS {
            trace.extend(self.frames.iter().rev().map(describe));
        } else {
            trace.extend(self.frames[n - TRACE_ENDS..].iter().rev().map(describe));
            trace.push(format!("... {} more frames ...", n - 2 * TRACE_ENDS));
            trace.extend(self.frames[..TRACE_ENDS].iter().rev().map(describe));
        }
        Failure { message, trace }
    }
}

impl Roots for Interp {
    /// The registers of every frame, and the shareable objects the pending
    /// spawn arguments reference (a global collection must keep them).
    fn for_each_root(&self, visit: &mut dyn FnMut(Value)) {
        self.stack[..self.roots_top()]
            .iter()
            .for_each(|&v| visit(v));
        if let Some(start) = &self.start {
            start.shared_refs().for_each(visit);
        }
    }
}

/// The register window of the frame at `base`.
#[inline(always)]
pub(crate) fn window(stack: &mut [Value], base: usize) -> &mut [Value; WINDOW] {
    (&mut stack[base..base + WINDOW])
        .try_into()
        .expect("a window is WINDOW slots")
}
