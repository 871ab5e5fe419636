//! Worker threads: each takes runnable isolates (its own queue first, then
//! the global one, then other workers'), runs them for a slice, and files
//! them by outcome.
//!
//! Invariant: an isolate runs on at most one worker at a time (its core is
//! owned by whoever holds its `Runnable`), and a panic in a slice ends that
//! isolate alone, as a failure, never the worker. An isolate whose mailbox
//! overflowed fails instead of running its next slice.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use crossbeam_deque::Worker;
use shareable::Message;

use crate::context::Context;
use crate::executor::{Failure, Outcome, Task};
use crate::runtime::{Queued, Runnable, Runtime};

/// The loop of worker `me`.
pub(crate) fn run_worker<T: Task>(runtime: &Runtime<T>, local: Worker<Runnable<T>>, me: usize) {
    while !runtime.shutdown.load(std::sync::atomic::Ordering::SeqCst) {
        if runtime.gc_requested() {
            runtime.stop_for_collection(&local);
            continue;
        }
        let epoch = runtime.epoch();
        if let Some(r) = runtime.find_work(&local, me) {
            run_slice(runtime, &local, r);
            continue;
        }
        let next_timer = runtime.fire_timers(&local);
        if !local.is_empty() {
            continue;
        }
        runtime.sleep(epoch, next_timer);
    }
    // Isolates still queued here are dropped with the run.
    let mut stats = runtime.stats.lock();
    while let Some(r) = local.pop() {
        stats.add_isolate(r.cell.id, &r.core.memory, false);
    }
}

/// Runs one slice of `r` and files it by outcome.
fn run_slice<T: Task>(runtime: &Runtime<T>, local: &Worker<Runnable<T>>, r: Runnable<T>) {
    let Runnable { cell, mut core } = r;
    if cell.killed()
        && let Some(message) = cell.take_kill()
    {
        let failure = Failure {
            message,
            trace: Vec::new(),
        };
        runtime.finish(&cell, core, Err(failure), Some(local));
        return;
    }
    runtime.count_slice();
    let outcome = {
        let core = &mut *core;
        let mut ctx = Context {
            memory: &mut core.memory,
            inbox: &mut core.inbox,
            cell: &cell,
            runtime,
            local,
        };
        let task = &mut core.task;
        catch_unwind(AssertUnwindSafe(|| {
            task.run(&mut ctx, runtime.config.budget)
        }))
    };
    match outcome {
        Ok(Outcome::Yielded) => {
            runtime.schedule(Runnable { cell, core }, Some(local), Queued::Yielded)
        }
        Ok(Outcome::Blocked(reason)) => runtime.park(Runnable { cell, core }, reason, local),
        Ok(Outcome::Finished(v)) => {
            let result = Message::copy(&core.memory.heap, &[v])
                .map(Arc::new)
                .map_err(|e| Failure {
                    message: format!("cannot copy the result: {e}"),
                    trace: Vec::new(),
                });
            runtime.finish(&cell, core, result, Some(local));
        }
        Ok(Outcome::Failed(failure)) => runtime.finish(&cell, core, Err(failure), Some(local)),
        Err(panic) => {
            let message = panic_message(&panic);
            // `unreachable!` already says "internal error: ...".
            let message = if message.starts_with("internal error") {
                message
            } else {
                format!("internal error: {message}")
            };
            let failure = Failure {
                message,
                trace: Vec::new(),
            };
            runtime.finish(&cell, core, Err(failure), Some(local));
        }
    }
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic".to_string()
    }
}
