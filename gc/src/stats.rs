//! Collector statistics of one isolate.
//!
//! Invariant: the figures only grow (but `last_live_bytes`, which is the
//! footprint after the latest collection), `max_pause <= total_pause`, and
//! `pauses` holds exactly `collections` entries.

use std::time::Duration;

use crate::histogram::PauseHistogram;

/// What the collector of one heap has done so far.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GcStats {
    /// Local collections run.
    pub collections: u64,
    /// Time spent in them, marking and sweeping.
    pub total_pause: Duration,
    pub max_pause: Duration,
    /// Their distribution (for p50 and p99).
    pub pauses: PauseHistogram,
    /// Global collections this heap took part in, and the time this
    /// isolate stood still for them.
    pub global_collections: u64,
    pub global_pause: Duration,
    /// The heap's footprint after the latest collection.
    pub last_live_bytes: usize,
    pub freed_objects: u64,
    pub freed_bytes: u64,
    /// Objects traced by the latest collection.
    pub last_marked: usize,
}

impl GcStats {
    /// Records one collection.
    pub(crate) fn record(&mut self, pause: Duration, marked: usize, report: &heap::SweepReport) {
        self.collections += 1;
        self.total_pause += pause;
        self.max_pause = self.max_pause.max(pause);
        self.pauses.record(pause);
        self.last_live_bytes = report.live_bytes;
        self.freed_objects += report.freed_objects as u64;
        self.freed_bytes += report.freed_bytes as u64;
        self.last_marked = marked;
    }
}
