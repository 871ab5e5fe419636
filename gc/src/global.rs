//! The global collector: with every isolate stopped, marks from all roots
//! across all heaps, then sweeps every heap, in parallel (rayon).
//!
//! Invariants (docs/design.md invariant 5):
//! - It runs only while every isolate is stopped at a safepoint: the caller
//!   (the scheduler's stop-the-world handshake) guarantees it, and lends it
//!   every heap mutably.
//! - Marking reaches every object reachable from any root, whatever heap
//!   owns it, shareable objects included (literals excepted: they are
//!   immortal); mark bits are set atomically, so each object is traced by
//!   exactly one thread.
//! - It is the only collector that frees shareable objects: every heap,
//!   and the pages dead isolates handed to the global owner, are swept in
//!   `SweepMode::Global`.
//!
//! Work distribution: each root set starts as one task; a marking stack that
//! grows past `SPLIT` gives half of itself to a new task, so one isolate's
//! large graph still spreads over the threads. `rayon` provides the
//! work-stealing pool and scoped tasks this needs.
//!
//! A collection runs on the calling thread instead, with plain (not atomic
//! read-modify-write) mark stores, unless the heaps other than the largest
//! hold at least `PARALLEL_BYTES`: waking the pool costs more than a small
//! collection saves, and the locked instruction of a parallel mark made
//! marking one dominant heap 1.6x slower (binary-trees with one isolate on
//! two cores: 600 ms of global pauses in parallel, 370 ms serially; with
//! two isolates' heaps, 380 ms in parallel, 540 ms serially).

use std::time::{Duration, Instant};

use heap::{Heap, SweepMode, SweepReport, Value};
use rayon::prelude::*;

use crate::histogram::PauseHistogram;
use crate::policy::GlobalOutcome;

/// Marking stacks longer than this give half their work away.
const SPLIT: usize = 4096;

/// Unless the heaps other than the largest hold this many bytes, a
/// collection runs on the calling thread (module doc).
const PARALLEL_BYTES: usize = 4 << 20;

/// What the global collector has done so far.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GlobalStats {
    pub collections: u64,
    /// Collections that marked and swept on the pool's threads (the others
    /// ran on the calling thread alone).
    pub parallel_collections: u64,
    /// Time the collector itself ran (marking and sweeping).
    pub total_work: Duration,
    /// Stop-the-world pauses, from the request to the resumption: waiting
    /// for every worker to reach a safepoint, then the collection.
    pub pauses: PauseHistogram,
    pub total_pause: Duration,
    pub max_pause: Duration,
    /// Shareable bytes freed over all global collections: memory that was
    /// dead but held until a global collection.
    pub freed_shareable_bytes: u64,
    pub last: GlobalOutcome,
}

/// One isolate's part of a global collection: its heap and its roots.
pub struct HeapRoots<'a> {
    pub heap: &'a mut Heap,
    pub roots: Vec<Value>,
}

pub struct GlobalCollector {
    pool: rayon::ThreadPool,
    stats: GlobalStats,
}

impl std::fmt::Debug for GlobalCollector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GlobalCollector")
            .field("threads", &self.pool.current_num_threads())
            .field("stats", &self.stats)
            .finish()
    }
}

impl GlobalCollector {
    /// A collector marking and sweeping on `threads` threads.
    pub fn new(threads: usize) -> GlobalCollector {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads.max(1))
            .thread_name(|i| format!("vm-global-gc-{i}"))
            .build()
            .expect("building the global collector's threads");
        GlobalCollector {
            pool,
            stats: GlobalStats::default(),
        }
    }

    pub fn stats(&self) -> &GlobalStats {
        &self.stats
    }

    /// Records the whole stop-the-world pause of the last collection.
    pub fn record_pause(&mut self, pause: Duration) {
        self.stats.pauses.record(pause);
        self.stats.total_pause += pause;
        self.stats.max_pause = self.stats.max_pause.max(pause);
    }

    /// Collects every heap: marks from every isolate's roots and from
    /// `extra_roots` (values the runtime holds, such as shareable objects
    /// referenced by messages in flight), then sweeps the isolates' heaps and
    /// `global` (dead isolates' pages). Returns the outcome and each
    /// isolate's sweep report, in order.
    pub fn collect(
        &mut self,
        isolates: &mut [HeapRoots<'_>],
        global: &mut Heap,
        extra_roots: &[Value],
    ) -> (GlobalOutcome, Vec<SweepReport>) {
        let start = Instant::now();
        let footprints = || isolates.iter().map(|i| i.heap.footprint());
        let work: usize = footprints().sum::<usize>() + global.footprint();
        let beyond_largest = work - footprints().max().unwrap_or(0).max(global.footprint());
        let root_sets: Vec<&[Value]> = isolates
            .iter()
            .map(|i| &i.roots[..])
            .chain([extra_roots])
            .collect();
        let parallel = beyond_largest >= PARALLEL_BYTES && self.pool.current_num_threads() > 1;
        let reports: Vec<SweepReport> = if !parallel {
            // Small, or one heap's: the calling thread alone is faster.
            let mut stack: Vec<Value> = Vec::new();
            for set in root_sets {
                stack.extend(set.iter().copied().filter(|&r| heap::mark_global_alone(r)));
                mark_serially(&mut stack);
            }
            let mut reports: Vec<SweepReport> = isolates
                .iter_mut()
                .map(|i| i.heap.sweep(SweepMode::Global))
                .collect();
            reports.push(global.sweep(SweepMode::Global));
            reports
        } else {
            self.pool.install(|| {
                rayon::scope(|scope| {
                    for set in root_sets {
                        scope.spawn(move |scope| {
                            let stack = set
                                .iter()
                                .copied()
                                .filter(|&r| heap::mark_global(r))
                                .collect();
                            mark(scope, stack);
                        });
                    }
                })
            });
            self.pool.install(|| {
                let mut reports: Vec<SweepReport> = isolates
                    .par_iter_mut()
                    .map(|i| i.heap.sweep(SweepMode::Global))
                    .collect();
                reports.push(global.sweep(SweepMode::Global));
                reports
            })
        };
        let mut reports = reports;
        let global_report = reports.pop().expect("the global owner's report");
        let mut outcome = GlobalOutcome::default();
        for r in reports.iter().chain([&global_report]) {
            outcome.freed_bytes += r.freed_bytes;
            outcome.freed_shareable_bytes += r.freed_shareable_bytes;
            outcome.live_bytes += r.live_bytes;
        }
        outcome.shareable_live_bytes = isolates
            .iter()
            .map(|i| i.heap.stats().shareable_bytes)
            .chain([global.stats().shareable_bytes])
            .sum();
        self.stats.collections += 1;
        self.stats.parallel_collections += u64::from(parallel);
        self.stats.total_work += start.elapsed();
        self.stats.freed_shareable_bytes += outcome.freed_shareable_bytes as u64;
        self.stats.last = outcome;
        (outcome, reports)
    }
}

/// Traces everything reachable from the (already marked) values of `stack`
/// on the calling thread, the only one marking.
fn mark_serially(stack: &mut Vec<Value>) {
    while let Some(v) = stack.pop() {
        heap::trace(v, |child| {
            if heap::mark_global_alone(child) {
                stack.push(child);
            }
        });
    }
}

/// Traces everything reachable from the (already marked) values of `stack`,
/// giving half of the stack to a new task whenever it grows long.
fn mark<'s>(scope: &rayon::Scope<'s>, mut stack: Vec<Value>) {
    while let Some(v) = stack.pop() {
        heap::trace(v, |child| {
            if heap::mark_global(child) {
                stack.push(child);
            }
        });
        if stack.len() > SPLIT {
            let half = stack.split_off(stack.len() / 2);
            scope.spawn(move |scope| mark(scope, half));
        }
    }
}
