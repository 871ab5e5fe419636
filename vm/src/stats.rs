//! The `--stats` table and the `--stats-json` document: what the collectors
//! did, per isolate and in total, and what the run's memory held.
//!
//! Invariant: figures are printed as measured, with their units; nothing is
//! estimated. Pause quantiles come from a histogram with eight buckets per
//! power of two, so p50 and p99 read at most 12.5% high.

use std::fmt::Write as _;
use std::time::Duration;

use gc::PauseHistogram;
use isolate::{IsolateFigures, RunReport, SchedulerConfig};
use serde_json::{Value as Json, json};

fn mib(bytes: u64) -> String {
    format!("{:.2} MiB", bytes as f64 / (1024.0 * 1024.0))
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1e3)
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

/// How one row of the table reads its figure.
type Figure = fn(&IsolateFigures) -> String;

/// The report as a table: the main isolate, every isolate together, then the
/// global collector.
pub fn render(report: &RunReport, config: &SchedulerConfig) -> String {
    let stats = &report.stats;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "gc stats: policy {:?}; {} isolates ({} failed); {} worker threads",
        config.memory.policy, stats.isolates_spawned, stats.isolates_failed, config.threads
    );
    let _ = writeln!(out, "  {:<24} {:>14} {:>14}", "", "main", "all isolates");
    let (m, t) = (&stats.main, &stats.total);
    let rows: [(&str, Figure); 13] = [
        ("local collections", |f| f.local_collections.to_string()),
        ("local pause total", |f| ms(f.local_pause)),
        ("local pause max", |f| ms(f.local_max_pause)),
        ("local pause p50", |f| ms(f.local_pauses.quantile(0.5))),
        ("local pause p99", |f| ms(f.local_pauses.quantile(0.99))),
        ("global pauses sat out", |f| {
            f.global_collections.to_string()
        }),
        ("time stopped for them", |f| ms(f.global_pause)),
        ("bytes allocated", |f| mib(f.bytes_allocated)),
        ("objects allocated", |f| f.objects_allocated.to_string()),
        ("messages sent", |f| f.messages_sent.to_string()),
        ("messages received", |f| f.messages_received.to_string()),
        ("bytes copied", |f| mib(f.bytes_copied)),
        ("shareable bytes at end", |f| mib(f.shareable_bytes)),
    ];
    for (name, figure) in rows {
        let _ = writeln!(out, "  {name:<24} {:>14} {:>14}", figure(m), figure(t));
    }
    let g = &stats.global;
    let _ = writeln!(out, "global collector");
    let global_rows: [(&str, String); 8] = [
        ("collections", g.collections.to_string()),
        ("pause total", ms(g.total_pause)),
        ("pause max", ms(g.max_pause)),
        ("pause p50", ms(g.pauses.quantile(0.5))),
        ("pause p99", ms(g.pauses.quantile(0.99))),
        ("dead shareables freed", mib(g.freed_shareable_bytes)),
        (
            "shareable live after last",
            mib(g.last.shareable_live_bytes as u64),
        ),
        ("dead isolates hold at end", mib(stats.dead_isolate_bytes)),
    ];
    for (name, value) in global_rows {
        let _ = writeln!(out, "  {name:<24} {value:>14}");
    }
    if let Some(kib) = peak_rss_kib() {
        let _ = writeln!(
            out,
            "  {:<24} {:>14}",
            "peak rss (process)",
            mib(kib * 1024)
        );
    }
    out
}

fn pauses_json(h: &PauseHistogram) -> Json {
    json!({
        "count": h.count(),
        "p50_ns": nanos(h.quantile(0.5)),
        "p99_ns": nanos(h.quantile(0.99)),
    })
}

fn figures_json(f: &IsolateFigures) -> Json {
    json!({
        "local_collections": f.local_collections,
        "local_pause_total_ns": nanos(f.local_pause),
        "local_pause_max_ns": nanos(f.local_max_pause),
        "local_pauses": pauses_json(&f.local_pauses),
        "global_collections": f.global_collections,
        "global_pause_total_ns": nanos(f.global_pause),
        "bytes_allocated": f.bytes_allocated,
        "objects_allocated": f.objects_allocated,
        "messages_sent": f.messages_sent,
        "messages_received": f.messages_received,
        "bytes_copied": f.bytes_copied,
        "shareable_bytes": f.shareable_bytes,
    })
}

/// The report as a JSON document (for `--stats-json FILE`).
pub fn to_json(report: &RunReport, config: &SchedulerConfig) -> Json {
    let stats = &report.stats;
    let g = &stats.global;
    let options: serde_json::Map<String, Json> = config
        .memory
        .policy
        .values()
        .iter()
        .map(|(name, value)| (name.to_string(), Json::String(value.to_string())))
        .collect();
    json!({
        "policy": { "name": config.memory.policy.name(), "options": options },
        "threads": config.threads,
        "budget": config.budget,
        "gc_stress": config.memory.stress,
        "ok": report.result.is_ok(),
        "isolates": { "spawned": stats.isolates_spawned, "failed": stats.isolates_failed },
        "main": figures_json(&stats.main),
        "total": figures_json(&stats.total),
        "global": {
            "collections": g.collections,
            "pause_total_ns": nanos(g.total_pause),
            "pause_max_ns": nanos(g.max_pause),
            "pauses": pauses_json(&g.pauses),
            "work_total_ns": nanos(g.total_work),
            "dead_shareable_bytes_freed": g.freed_shareable_bytes,
            "shareable_live_bytes_after_last": g.last.shareable_live_bytes,
            "dead_isolate_bytes_at_end": stats.dead_isolate_bytes,
        },
        "per_isolate": stats.isolates.iter().map(|r| {
            let mut entry = figures_json(&r.figures);
            entry["id"] = json!(r.id);
            entry["failed"] = json!(r.failed);
            entry
        }).collect::<Vec<_>>(),
        "peak_rss_bytes": peak_rss_kib().map(|kib| kib * 1024),
    })
}

/// The process's peak resident set size (`VmHWM`), where Linux reports it.
pub fn peak_rss_kib() -> Option<u64> {
    proc_status_kib("VmHWM:")
}

/// The process's resident set size now (`VmRSS`), where Linux reports it.
pub fn rss_kib() -> Option<u64> {
    proc_status_kib("VmRSS:")
}

fn proc_status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
