//! Global collections: the stop-the-world handshake, the roots of the whole
//! run, and the run-wide policy decisions.
//!
//! Invariants (docs/design.md invariants 5 and 6):
//! - A global collection runs only when every worker has stopped between
//!   slices (a slice ends at its budget, or at the first safepoint after the
//!   request) and every parked isolate is held by its locked cell: no
//!   isolate runs, so every heap is lent to the collector.
//! - Its roots are everything any isolate may still use: each isolate's
//!   registers and pending spawn arguments, every message in a mailbox or
//!   an inbox, and the results that ended isolates left for `wait`.
//! - Requests made before a collection ends are served by it: back-to-back
//!   requests collapse into one.
//! - The pages of dead isolates' shareable objects belong to `dead`, the
//!   global owner, until a global collection frees what is dead in them.

use std::sync::{Arc, Weak};
use std::time::Instant;

use crate::lock_order::OrderedGuard;
use gc::{GlobalCollector, GlobalFigures, HeapRoots, Policy};
use heap::{Heap, Value};
use shareable::Message;

use crate::cell::{Core, State, Status};
use crate::executor::Task;
use crate::runtime::{Runnable, Runtime};

/// The run-wide state of global collection.
pub(crate) struct GlobalState {
    /// Pages dead isolates handed over, holding their shareable objects.
    pub dead: Heap,
    pub collector: GlobalCollector,
    /// The run's own policy instance, for the run-wide decisions.
    pub policy: Box<dyn Policy>,
    pub shareable_since: usize,
    pub shareable_survivors: usize,
    /// Bytes `dead` held after the last global collection.
    pub dead_survivors: usize,
    /// The most bytes `dead` held at any time.
    pub dead_peak: usize,
    /// Results of ended isolates that reference shareable objects.
    pub results: Vec<Weak<Message>>,
}

impl GlobalState {
    pub fn new(policy: Box<dyn Policy>, threads: usize) -> GlobalState {
        let mark_threads = match policy.global_threads() {
            0 => threads,
            n => n,
        };
        GlobalState {
            dead: Heap::new_global(),
            collector: GlobalCollector::new(mark_threads),
            policy,
            shareable_since: 0,
            shareable_survivors: 0,
            dead_survivors: 0,
            dead_peak: 0,
            results: Vec::new(),
        }
    }

    pub fn figures(&self) -> GlobalFigures {
        GlobalFigures {
            shareable_since_global: self.shareable_since,
            shareable_survivors: self.shareable_survivors,
            dead_isolate_bytes: self.dead.held_bytes(),
            dead_isolate_survivors: self.dead_survivors,
        }
    }

    /// Asks the policy whether the figures call for a global collection.
    pub fn wants_collection(&mut self) -> bool {
        let figures = self.figures();
        self.policy.wants_global(&figures)
    }
}

/// The stop-the-world barrier.
pub(crate) struct Stop<T: Task> {
    /// Workers that have stopped.
    pub arrived: usize,
    /// Workers asleep (they run no isolate, so they count as stopped).
    pub asleep: usize,
    /// Bumped when a collection ends: stopped workers wait for it to change.
    pub generation: u64,
    /// The runnable isolates the stopped workers handed in.
    pub runnables: Vec<Runnable<T>>,
}

impl<T: Task> Default for Stop<T> {
    fn default() -> Self {
        Stop {
            arrived: 0,
            asleep: 0,
            generation: 0,
            runnables: Vec::new(),
        }
    }
}

impl<T: Task> Runtime<T> {
    /// Runs a global collection. Called by the last worker to stop, with
    /// every other worker waiting and `runnables` the isolates that were
    /// queued or running.
    pub(crate) fn collect_globally(&self, runnables: &mut [Runnable<T>], requested_at: Instant) {
        let cells: Vec<Arc<crate::cell::IsolateCell<T>>> = self.live_cells();
        let mut states: Vec<OrderedGuard<'_, State<T>>> =
            cells.iter().map(|c| c.state.lock()).collect();
        let mut global = self.global.lock();

        let mut extra: Vec<Value> = Vec::new();
        for state in &states {
            state.mailbox.shared_refs(&mut extra);
        }
        global.results.retain(|weak| match weak.upgrade() {
            Some(result) => {
                extra.extend(result.shared_refs());
                true
            }
            None => false,
        });

        let reports = {
            let mut parts: Vec<HeapRoots<'_>> = Vec::new();
            for r in runnables.iter_mut() {
                parts.push(roots_of(&mut r.core));
            }
            for state in states.iter_mut() {
                if let Status::Parked { core, .. } = &mut state.status {
                    parts.push(roots_of(core));
                }
            }
            let GlobalState {
                dead, collector, ..
            } = &mut *global;
            let (outcome, reports) = collector.collect(&mut parts, dead, &extra);
            global.policy.after_global(&outcome);
            global.shareable_since = 0;
            global.shareable_survivors = outcome.shareable_live_bytes;
            global.dead_survivors = global.dead.held_bytes();
            reports
        };

        let pause = requested_at.elapsed();
        let mut reports = reports.into_iter();
        for r in runnables.iter_mut() {
            let report = reports.next().expect("one report per heap");
            r.core.memory.after_global(&report, pause);
        }
        for state in states.iter_mut() {
            if let Status::Parked { core, .. } = &mut state.status {
                let report = reports.next().expect("one report per heap");
                core.memory.after_global(&report, pause);
            }
        }
        global.collector.record_pause(pause);
    }
}

/// An isolate's heap and its roots, for the global collector: what its
/// task holds and the shareable objects its inbox's messages reference.
fn roots_of<T: Task>(core: &mut Core<T>) -> HeapRoots<'_> {
    let Core {
        memory,
        task,
        inbox,
    } = core;
    let mut roots = Vec::new();
    task.for_each_root(&mut |v| roots.push(v));
    inbox.shared_refs(&mut roots);
    HeapRoots {
        heap: &mut memory.heap,
        roots,
    }
}
