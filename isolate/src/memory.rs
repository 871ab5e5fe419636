//! An isolate's memory: its private heap and the collector deciding when and
//! how to collect it.
//!
//! Invariant: a collection runs only at a safepoint the executor chooses,
//! with the executor's roots, on the isolate's own thread; it stops no other
//! isolate. After a collection the footprint is within the heap limit, or
//! the isolate fails with `heap limit exceeded`. The messages waiting in an
//! isolate's mailbox are bounded too (see [`MemoryConfig`]): past a bound
//! the receiving isolate fails, as BEAM kills a process whose message
//! queue takes its heap past `max_heap_size`.

use gc::{GcStats, LocalCollector, PolicySpec, Roots};
use heap::{Heap, HeapStats};

/// The memory settings every isolate of a run shares.
#[derive(Clone, Debug, Default)]
pub struct MemoryConfig {
    pub policy: PolicySpec,
    /// Collect at every safepoint following an allocation.
    pub stress: bool,
    /// Per-isolate footprint limit in bytes. It bounds the messages waiting
    /// in an isolate's mailbox as well, on their own: a delivery that would
    /// make them hold more than this many bytes (each message's copied
    /// bytes, `shareable::Message::bytes`, plus its envelope) fails the
    /// receiving isolate with `heap limit exceeded: ...`.
    pub max_heap: Option<usize>,
    /// Most messages (monitor notices included) that may wait in one
    /// isolate's mailbox, delivered and not yet received: the delivery of
    /// one more fails the receiving isolate with `mailbox limit exceeded:
    /// N messages queued`, and the sender goes on.
    pub max_mailbox: Option<usize>,
}

impl MemoryConfig {
    /// Whether mailboxes are bounded, so that deliveries and receives keep
    /// count of what waits in them (nothing is counted otherwise).
    #[inline]
    pub(crate) fn bounds_mailboxes(&self) -> bool {
        self.max_heap.is_some() || self.max_mailbox.is_some()
    }
}

/// The heap stayed over its limit after a collection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HeapLimitExceeded;

impl std::fmt::Display for HeapLimitExceeded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "heap limit exceeded")
    }
}

/// Message traffic of one isolate.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MessageStats {
    pub sent: u64,
    pub received: u64,
    /// Bytes of deep copies made by this isolate's sends.
    pub bytes_copied: u64,
}

#[derive(Debug)]
pub struct Memory {
    pub heap: Heap,
    collector: LocalCollector,
    pub messages: MessageStats,
    /// True for the main isolate (its figures are reported apart).
    pub(crate) is_main: bool,
}

impl Memory {
    pub fn new(config: &MemoryConfig) -> Memory {
        let heap = Heap::new();
        heap.set_limit(config.max_heap);
        let collector = LocalCollector::new(config.policy.instantiate(), config.stress);
        collector.attach(&heap);
        Memory {
            heap,
            collector,
            messages: MessageStats::default(),
            is_main: false,
        }
    }

    /// Called by the executor at a safepoint: collects when the heap has
    /// asked for it.
    #[inline]
    pub fn safepoint(&mut self, roots: &dyn Roots) -> Result<(), HeapLimitExceeded> {
        if self.heap.gc_due() {
            self.collect(roots)
        } else {
            Ok(())
        }
    }

    /// Collects now (the program asked, or the heap is due).
    pub fn collect(&mut self, roots: &dyn Roots) -> Result<(), HeapLimitExceeded> {
        self.collector.collect(&mut self.heap, roots);
        if self.heap.over_limit() {
            Err(HeapLimitExceeded)
        } else {
            Ok(())
        }
    }

    /// Whether the policy lets this heap be collected alone.
    pub fn local_collection(&self) -> bool {
        self.collector.local_collection()
    }

    /// Takes note of a global collection this heap was swept by.
    pub(crate) fn after_global(&mut self, report: &heap::SweepReport, pause: std::time::Duration) {
        self.collector.after_global(&self.heap, report, pause);
    }

    pub fn gc_stats(&self) -> &GcStats {
        self.collector.stats()
    }

    pub fn heap_stats(&self) -> HeapStats {
        self.heap.stats()
    }
}
