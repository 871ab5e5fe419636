//! The `--stats` report: what the collector did and what the heap holds.
//!
//! Invariant: figures are printed as measured, with their units; nothing is
//! estimated.

use std::fmt::Write as _;
use std::time::Duration;

use crate::runner::RunReport;

fn mib(bytes: u64) -> String {
    format!("{:.2} MiB", bytes as f64 / (1024.0 * 1024.0))
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1e3)
}

/// The report as text, one figure a line.
pub fn render(report: &RunReport) -> String {
    let (gc, heap) = (&report.gc, &report.heap);
    let mut out = String::new();
    let _ = writeln!(out, "gc stats (main isolate)");
    let rows: [(&str, String); 10] = [
        ("collections", gc.collections.to_string()),
        ("total pause", ms(gc.total_pause)),
        ("max pause", ms(gc.max_pause)),
        ("bytes allocated", mib(heap.allocated_bytes)),
        ("objects allocated", heap.allocated_objects.to_string()),
        ("live after last gc", mib(gc.last_live_bytes as u64)),
        (
            "freed",
            format!("{} ({} objects)", mib(gc.freed_bytes), gc.freed_objects),
        ),
        ("footprint now", mib(heap.footprint as u64)),
        ("heap size now", mib(heap.heap_size as u64)),
        (
            "pages now",
            format!("{} small, {} large", heap.pages, heap.large_objects),
        ),
    ];
    for (name, value) in rows {
        let _ = writeln!(out, "  {name:<20} {value}");
    }
    out
}
