//! The `--stats` report: what the collector did and what the heap holds.
//!
//! Invariant: figures are printed as measured, with their units; nothing is
//! estimated.

use std::fmt::Write as _;
use std::time::Duration;

use isolate::RunReport;

fn mib(bytes: u64) -> String {
    format!("{:.2} MiB", bytes as f64 / (1024.0 * 1024.0))
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1e3)
}

/// The report as text, one figure a line: the main isolate, then every
/// isolate of the run together.
pub fn render(report: &RunReport) -> String {
    let stats = &report.stats;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "gc stats ({} isolates, {} failed)",
        stats.isolates_spawned, stats.isolates_failed
    );
    let _ = writeln!(out, "  {:<20} {:>14} {:>14}", "", "main", "all isolates");
    let (m, t) = (&stats.main, &stats.total);
    let rows: [(&str, String, String); 7] = [
        (
            "collections",
            m.collections.to_string(),
            t.collections.to_string(),
        ),
        ("total pause", ms(m.total_pause), ms(t.total_pause)),
        ("max pause", ms(m.max_pause), ms(t.max_pause)),
        (
            "bytes allocated",
            mib(m.bytes_allocated),
            mib(t.bytes_allocated),
        ),
        (
            "objects allocated",
            m.objects_allocated.to_string(),
            t.objects_allocated.to_string(),
        ),
        (
            "messages sent",
            m.messages_sent.to_string(),
            t.messages_sent.to_string(),
        ),
        ("bytes copied", mib(m.bytes_copied), mib(t.bytes_copied)),
    ];
    for (name, main, all) in rows {
        let _ = writeln!(out, "  {name:<20} {main:>14} {all:>14}");
    }
    if let Some(kib) = peak_rss_kib() {
        let _ = writeln!(
            out,
            "  {:<20} {:>14}",
            "peak rss (process)",
            mib(kib * 1024)
        );
    }
    out
}

/// The process's peak resident set size (`VmHWM`), where Linux reports it.
pub fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
