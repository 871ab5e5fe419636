//! Figures of a whole run, summed over isolates as they end.
//!
//! Invariant: every isolate is counted once, when it ends or when the run
//! stops it; the main isolate's own figures are also kept apart.

use std::time::Duration;

use crate::memory::Memory;

/// Collector, heap and message figures of a group of isolates.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IsolateFigures {
    pub collections: u64,
    pub total_pause: Duration,
    pub max_pause: Duration,
    pub bytes_allocated: u64,
    pub objects_allocated: u64,
    pub messages_sent: u64,
    pub bytes_copied: u64,
}

impl IsolateFigures {
    pub fn of(memory: &Memory) -> IsolateFigures {
        let gc = memory.gc_stats();
        let heap = memory.heap_stats();
        IsolateFigures {
            collections: gc.collections,
            total_pause: gc.total_pause,
            max_pause: gc.max_pause,
            bytes_allocated: heap.allocated_bytes,
            objects_allocated: heap.allocated_objects,
            messages_sent: memory.messages.sent,
            bytes_copied: memory.messages.bytes_copied,
        }
    }

    pub fn add(&mut self, other: &IsolateFigures) {
        self.collections += other.collections;
        self.total_pause += other.total_pause;
        self.max_pause = self.max_pause.max(other.max_pause);
        self.bytes_allocated += other.bytes_allocated;
        self.objects_allocated += other.objects_allocated;
        self.messages_sent += other.messages_sent;
        self.bytes_copied += other.bytes_copied;
    }
}

/// What a run did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RunStats {
    pub isolates_spawned: u64,
    pub isolates_failed: u64,
    /// Every isolate, main included.
    pub total: IsolateFigures,
    /// The main isolate alone.
    pub main: IsolateFigures,
}

impl RunStats {
    /// Adds an isolate that ended (or was stopped) with `memory`.
    pub(crate) fn add_isolate(&mut self, memory: &Memory, failed: bool) {
        let figures = IsolateFigures::of(memory);
        self.total.add(&figures);
        if memory.is_main {
            self.main = figures;
        }
        self.isolates_failed += failed as u64;
    }
}
