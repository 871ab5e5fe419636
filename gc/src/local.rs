//! The local mark-sweep collector: collects one isolate's heap, stopping no
//! one else.
//!
//! Invariant (docs/design.md invariant 4): marking starts from the executor's roots
//! and follows references within this heap only; foreign objects (literals,
//! other isolates' shareable objects) and this heap's own shareable objects
//! are neither traced nor freed, and no bit of a page another heap owns is
//! written. Marking uses an explicit stack, never Rust recursion, so a
//! structure of any depth collects in bounded Rust stack.

use std::time::{Duration, Instant};

use heap::{Heap, SweepMode, Value};

use crate::policy::{LocalOutcome, Policy};
use crate::roots::Roots;
use crate::stats::GcStats;

/// Mark stacks bigger than this are not kept between collections, so a
/// burst of deep marking does not pin memory in an idle isolate.
const KEPT_MARK_STACK: usize = 1024;

/// One isolate's collector: its policy instance, statistics and mark stack.
#[derive(Debug)]
pub struct LocalCollector {
    policy: Box<dyn Policy>,
    stress: bool,
    stats: GcStats,
    mark_stack: Vec<Value>,
}

impl LocalCollector {
    /// A collector deciding with `policy`; with `stress`, the heap it is
    /// attached to collects at every safepoint after an allocation.
    pub fn new(policy: Box<dyn Policy>, stress: bool) -> LocalCollector {
        LocalCollector {
            policy,
            stress,
            stats: GcStats::default(),
            mark_stack: Vec::new(),
        }
    }

    /// Sets a fresh heap's first trigger.
    pub fn attach(&self, heap: &Heap) {
        heap.set_trigger(if self.stress {
            0
        } else {
            self.policy.initial_trigger()
        });
    }

    pub fn stats(&self) -> &GcStats {
        &self.stats
    }

    pub fn is_stress(&self) -> bool {
        self.stress
    }

    /// Whether the policy lets this heap be collected alone.
    pub fn local_collection(&self) -> bool {
        self.policy.local_collection()
    }

    /// Takes note of a global collection this heap was part of (its sweep
    /// `report`, and `pause` the time the isolate stood still), and sets the
    /// heap's next trigger.
    pub fn after_global(&mut self, heap: &Heap, report: &heap::SweepReport, pause: Duration) {
        self.stats.global_collections += 1;
        self.stats.global_pause += pause;
        self.stats.last_live_bytes = report.live_bytes;
        self.stats.freed_objects += report.freed_objects as u64;
        self.stats.freed_bytes += report.freed_bytes as u64;
        self.retrigger(heap, report);
    }

    /// Collects `heap`: marks from `roots`, sweeps, and sets the next trigger.
    pub fn collect(&mut self, heap: &mut Heap, roots: &dyn Roots) -> LocalOutcome {
        let start = Instant::now();
        let marked = self.mark(heap, roots);
        let report = heap.sweep(SweepMode::Local);
        self.stats.record(start.elapsed(), marked, &report);
        self.retrigger(heap, &report)
    }

    /// Sets the heap's next trigger after a sweep that left `report`: the
    /// policy's choice, or the next allocation under stress.
    fn retrigger(&mut self, heap: &Heap, report: &heap::SweepReport) -> LocalOutcome {
        let outcome = LocalOutcome {
            live_bytes: report.live_bytes,
            freed_bytes: report.freed_bytes,
            collections: self.stats.collections,
        };
        let next = self.policy.next_trigger(&outcome);
        heap.set_trigger(if self.stress { 0 } else { next });
        outcome
    }

    /// Marks everything reachable from `roots`; returns how many objects.
    fn mark(&mut self, heap: &Heap, roots: &dyn Roots) -> usize {
        let stack = &mut self.mark_stack;
        let mut marked = 0;
        roots.for_each_root(&mut |v| {
            if heap.mark_local(v) {
                stack.push(v);
            }
        });
        while let Some(v) = stack.pop() {
            marked += 1;
            heap.for_each_child(v, |child| {
                if heap.mark_local(child) {
                    stack.push(child);
                }
            });
        }
        if stack.capacity() > KEPT_MARK_STACK {
            *stack = Vec::new();
        }
        marked
    }
}
