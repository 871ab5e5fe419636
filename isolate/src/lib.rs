//! Isolates and their M:N scheduler.
//!
//! - [`Memory`]: an isolate's private heap and collector, collected only at
//!   the executor's safepoints, on the isolate's own worker: a collection
//!   stops no other isolate.
//! - [`Task`]: the trait an interpreter implements (run for a reduction
//!   budget, report roots), so the scheduler never knows instructions.
//! - [`Context`]: what a running isolate may do: spawn, send, receive,
//!   monitor, wait.
//! - [`run`]: runs a main task on `threads` workers until it ends; the
//!   program ends with it.
//!
//! Scheduling follows BEAM and work-stealing async runtimes: per-worker run
//! queues with stealing (`crossbeam-deque`, whose lock-free deques are what a
//! hand-written stealing queue would have to re-derive), a reduction budget
//! per slice, isolates blocked in `receive` or `wait` parked off every queue
//! (they cost no CPU), idle workers asleep on a condition variable
//! (`parking_lot`, for its compact mutexes and timed waits). A run in which
//! every live isolate is blocked with nothing to wake it ends with a
//! `deadlock:` failure naming them. The runtime's mutexes are ranked
//! (`lock_order`), and debug builds check that every thread takes them in
//! order (docs/design.md, lock order).

#![forbid(unsafe_code)]

mod cell;
mod context;
mod executor;
mod global;
mod lock_order;
mod mailbox;
mod memory;
mod runtime;
mod stats;
mod worker;

pub use cell::{BlockReason, Envelope, ExitOutcome, IsolateCell};
pub use context::{Context, HandleError, WaitState};
pub use executor::{Failure, Outcome, Task};
pub use memory::{HeapLimitExceeded, Memory, MemoryConfig, MessageStats};
pub use runtime::{MAIN_ID, SchedulerConfig};
pub use stats::{IsolateFigures, IsolateRecord, MAX_RECORDS, RunStats};

use crossbeam_deque::Worker;
use runtime::Runtime;

/// Default reduction budget of one slice (BEAM preempts every 4000).
pub const DEFAULT_BUDGET: u32 = 4000;

/// How a run ended.
#[derive(Debug)]
pub struct RunReport {
    /// `Ok` when the main isolate returned; its failure, a deadlock, or the
    /// slice limit otherwise.
    pub result: Result<(), Failure>,
    pub stats: RunStats,
    /// Isolates that failed while nobody monitored or waited for them (not
    /// even later), by id: their failures would be lost otherwise. At most
    /// 100 are kept; `stats.isolates_failed` counts them all.
    pub unobserved_failures: Vec<(u64, Failure)>,
}

/// Runs `main` as isolate 1 on `config.threads` worker threads until it
/// ends. Other isolates still alive then are stopped.
pub fn run<T: Task>(config: SchedulerConfig, main: T) -> RunReport {
    let threads = config.threads.max(1);
    let queues: Vec<Worker<_>> = (0..threads).map(|_| Worker::new_fifo()).collect();
    let stealers = queues.iter().map(Worker::stealer).collect();
    let runtime = Runtime::new(config, stealers);
    runtime.spawn(main, None);
    std::thread::scope(|scope| {
        for (me, local) in queues.into_iter().enumerate() {
            let runtime = &runtime;
            std::thread::Builder::new()
                .name(format!("vm-worker-{me}"))
                .spawn_scoped(scope, move || worker::run_worker(runtime, local, me))
                .expect("spawning a worker thread");
        }
    });
    runtime.clear();
    let result = runtime.take_end().unwrap_or(Ok(()));
    let mut stats = runtime.stats.lock().clone();
    stats.isolates_spawned = runtime.spawned.load(std::sync::atomic::Ordering::Relaxed);
    stats.worker_wakeups = runtime.wakeups.load(std::sync::atomic::Ordering::Relaxed);
    {
        let global = runtime.global.lock();
        stats.global = global.collector.stats().clone();
        let dead = global.dead.stats();
        stats.dead_isolate_bytes = dead.heap_size as u64;
        stats.dead_isolate_pages = dead.pages as u64;
        stats.dead_isolate_live_bytes = dead.footprint as u64;
        stats.dead_isolate_peak_bytes = global.dead_peak as u64;
    }
    let unobserved_failures = runtime.unobserved_failures();
    RunReport {
        result,
        stats,
        unobserved_failures,
    }
}
