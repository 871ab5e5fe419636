//! Figures of a whole run: per isolate, summed over isolates, and of the
//! global collector.
//!
//! Invariant: every isolate is counted once, when it ends or when the run
//! stops it; the main isolate's own figures are also kept apart.

use std::time::Duration;

use gc::{GlobalStats, PauseHistogram};

use crate::memory::Memory;

/// Collector, heap and message figures of one isolate or a group of them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IsolateFigures {
    pub local_collections: u64,
    pub local_pause: Duration,
    pub local_max_pause: Duration,
    /// Local pauses, for p50 and p99.
    pub local_pauses: PauseHistogram,
    /// Global collections taken part in, and the time stood still for them.
    pub global_collections: u64,
    pub global_pause: Duration,
    pub bytes_allocated: u64,
    pub objects_allocated: u64,
    pub messages_sent: u64,
    pub messages_received: u64,
    pub bytes_copied: u64,
    /// Shareable bytes the isolate's heap held when it ended.
    pub shareable_bytes: u64,
}

impl IsolateFigures {
    pub fn of(memory: &Memory) -> IsolateFigures {
        let gc = memory.gc_stats();
        let heap = memory.heap_stats();
        IsolateFigures {
            local_collections: gc.collections,
            local_pause: gc.total_pause,
            local_max_pause: gc.max_pause,
            local_pauses: gc.pauses.clone(),
            global_collections: gc.global_collections,
            global_pause: gc.global_pause,
            bytes_allocated: heap.allocated_bytes,
            objects_allocated: heap.allocated_objects,
            messages_sent: memory.messages.sent,
            messages_received: memory.messages.received,
            bytes_copied: memory.messages.bytes_copied,
            shareable_bytes: heap.shareable_bytes as u64,
        }
    }

    pub fn add(&mut self, other: &IsolateFigures) {
        self.local_collections += other.local_collections;
        self.local_pause += other.local_pause;
        self.local_max_pause = self.local_max_pause.max(other.local_max_pause);
        self.local_pauses.merge(&other.local_pauses);
        self.global_collections += other.global_collections;
        self.global_pause += other.global_pause;
        self.bytes_allocated += other.bytes_allocated;
        self.objects_allocated += other.objects_allocated;
        self.messages_sent += other.messages_sent;
        self.messages_received += other.messages_received;
        self.bytes_copied += other.bytes_copied;
        self.shareable_bytes += other.shareable_bytes;
    }
}

/// One isolate's figures, as it ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IsolateRecord {
    pub id: u64,
    pub failed: bool,
    pub figures: IsolateFigures,
}

/// What a run did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunStats {
    pub isolates_spawned: u64,
    pub isolates_failed: u64,
    /// Times an isolate was queued and a sleeping worker woken to take it:
    /// the scheduler's cross-thread hand-offs.
    pub worker_wakeups: u64,
    /// Every isolate, main included.
    pub total: IsolateFigures,
    /// The main isolate alone.
    pub main: IsolateFigures,
    /// Each isolate, in the order they ended (at most `MAX_RECORDS`).
    pub isolates: Vec<IsolateRecord>,
    /// The global collector's figures.
    pub global: GlobalStats,
    /// Memory dead isolates' pages still held when the run ended: whole
    /// pages (and large objects), whatever share live objects fill.
    pub dead_isolate_bytes: u64,
    /// Small pages among them.
    pub dead_isolate_pages: u64,
    /// Bytes of the objects in them (their footprint).
    pub dead_isolate_live_bytes: u64,
    /// The most memory dead isolates' pages held at any time in the run.
    pub dead_isolate_peak_bytes: u64,
}

/// Per-isolate records kept: the first isolates to end (a run of millions
/// of isolates keeps only the sums for the rest).
pub const MAX_RECORDS: usize = 10_000;

impl RunStats {
    /// Adds isolate `id`, which ended (or was stopped) with `memory`.
    pub(crate) fn add_isolate(&mut self, id: u64, memory: &Memory, failed: bool) {
        let figures = IsolateFigures::of(memory);
        self.total.add(&figures);
        if memory.is_main {
            self.main = figures.clone();
        }
        self.isolates_failed += failed as u64;
        if self.isolates.len() < MAX_RECORDS {
            self.isolates.push(IsolateRecord {
                id,
                failed,
                figures,
            });
        }
    }
}
