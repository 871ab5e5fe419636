//! A scripted task, shared by the scheduler tests and the handshake bench:
//! every slice is one call of its closure, so a test can make an isolate
//! panic, block, yield or finish at will. It holds no heap values (no roots).

use gc::Roots;
use heap::Value;
use isolate::{Context, Outcome, Task};

type Step = dyn FnMut(&mut Context<'_, Scripted>) -> Outcome + Send;

/// A task whose every slice is one call of its closure.
pub struct Scripted(Box<Step>);

impl Roots for Scripted {
    fn for_each_root(&self, _: &mut dyn FnMut(Value)) {}
}

impl Task for Scripted {
    fn run(&mut self, ctx: &mut Context<'_, Self>, _budget: u32) -> Outcome {
        (self.0)(ctx)
    }
}

/// The task that runs `f` at each slice.
pub fn task(f: impl FnMut(&mut Context<'_, Scripted>) -> Outcome + Send + 'static) -> Scripted {
    Scripted(Box::new(f))
}
