//! `results.csv` and `results.json`: the sweep's machine-readable results.
//!
//! Invariant: both files describe the same configurations in plan order
//! with the same numbers; `results.csv` has exactly one row per
//! configuration that ran (skipped ones are in `notes` of the JSON and in
//! `summary.md`), always the same columns ([`CSV_COLUMNS`]), empty cells
//! where a figure does not exist, and RFC 4180 quoting. `results.json` adds
//! what a table cannot hold: every repeat's time, first line, metrics and
//! collector figures, the exact commands, the machine and the settings.

use serde_json::{Value as Json, json};

use super::matrix::Runner;
use super::results::{Record, Speedup, Sweep};
use super::vmstats::GcFigures;

/// The columns of `results.csv`, in order.
pub const CSV_COLUMNS: [&str; 27] = [
    "workload",
    "runner",
    "policy",
    "isolates",
    "size",
    "threads",
    "repeats",
    "status",
    "median_s",
    "min_s",
    "max_s",
    "speedup",
    "speedup_base_isolates",
    "global_collections",
    "global_pause_p50_ns",
    "global_pause_p99_ns",
    "global_pause_max_ns",
    "local_collections",
    "local_pause_p50_ns",
    "local_pause_p99_ns",
    "local_pause_max_ns",
    "dead_shareable_bytes_freed",
    "dead_isolate_bytes_at_end",
    "bytes_allocated",
    "peak_rss_bytes",
    "metrics",
    "first_line",
];

/// One CSV field, quoted when it must be.
fn field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

/// The collector columns of a row, empty when there are no figures.
fn gc_cells(g: Option<&GcFigures>) -> Vec<String> {
    let Some(g) = g else {
        return vec![String::new(); 12];
    };
    vec![
        g.global_collections.to_string(),
        g.global_pause_p50_ns.to_string(),
        g.global_pause_p99_ns.to_string(),
        g.global_pause_max_ns.to_string(),
        g.local_collections.to_string(),
        g.local_pause_p50_ns.to_string(),
        g.local_pause_p99_ns.to_string(),
        g.local_pause_max_ns.to_string(),
        g.dead_shareable_bytes_freed.to_string(),
        g.dead_isolate_bytes_at_end.to_string(),
        g.bytes_allocated.to_string(),
        opt(g.peak_rss_bytes),
    ]
}

/// `results.csv`.
pub fn csv(sweep: &Sweep) -> String {
    let mut out = CSV_COLUMNS.join(",");
    out.push('\n');
    for (r, speedup) in sweep.records.iter().zip(&sweep.speedups) {
        let wall = r.wall();
        let c = &r.config;
        let metrics: Vec<String> = r
            .metrics()
            .iter()
            .map(|(name, s)| format!("{name}={}", s.median))
            .collect();
        let mut cells = vec![
            c.workload.clone(),
            c.runner.name().to_string(),
            c.runner.policy().to_string(),
            c.isolates.to_string(),
            c.size.to_string(),
            opt(c.threads),
            r.repeats.len().to_string(),
            r.status().as_str().to_string(),
            opt(wall.map(|w| format!("{:.6}", w.median))),
            opt(wall.map(|w| format!("{:.6}", w.min))),
            opt(wall.map(|w| format!("{:.6}", w.max))),
            opt(speedup.map(|s| format!("{:.3}", s.value))),
            opt(speedup.map(|s| s.base_isolates)),
        ];
        cells.extend(gc_cells(r.gc()));
        cells.push(metrics.join(";"));
        cells.push(r.first_line().unwrap_or_default().to_string());
        debug_assert_eq!(cells.len(), CSV_COLUMNS.len());
        let row: Vec<String> = cells.iter().map(|c| field(c)).collect();
        out.push_str(&row.join(","));
        out.push('\n');
    }
    out
}

fn record_json(r: &Record, speedup: Option<Speedup>) -> Json {
    let c = &r.config;
    let wall = r.wall();
    let metrics: serde_json::Map<String, Json> = r
        .metrics()
        .into_iter()
        .map(|(name, s)| {
            let values: Vec<f64> = r
                .repeats
                .iter()
                .flat_map(|a| {
                    a.metrics
                        .iter()
                        .filter(|(n, _)| *n == name)
                        .map(|(_, v)| *v)
                })
                .collect();
            (
                name,
                json!({ "median": s.median, "min": s.min, "max": s.max, "values": values }),
            )
        })
        .collect();
    let repeats: Vec<Json> = r
        .repeats
        .iter()
        .map(|a| {
            json!({
                "wall_s": a.wall.as_secs_f64(),
                "first_lines": a.first_lines,
                "metrics": a.metrics.iter().map(|(n, v)| json!([n, v])).collect::<Vec<_>>(),
                "gc": a.gc,
                "failure": a.failure,
            })
        })
        .collect();
    json!({
        "id": c.id,
        "workload": c.workload,
        "runner": c.runner.name(),
        "policy": c.runner.policy(),
        "isolates": c.isolates,
        "size": c.size,
        "threads": c.threads,
        "command": c.command,
        "processes": c.processes.iter().map(|p| &p.argv).collect::<Vec<_>>(),
        "checksum_group": c.checksum_group,
        "status": r.status().as_str(),
        "failure": r.failure,
        "mismatches": r.mismatches,
        "warnings": r.warnings,
        "times_s": r.times(),
        "warmup_times_s": r.warmups.iter().map(|a| a.wall.as_secs_f64()).collect::<Vec<_>>(),
        "wall_s": wall,
        "speedup": speedup.map(|s| s.value),
        "speedup_base_isolates": speedup.map(|s| s.base_isolates),
        "first_line": r.first_line(),
        "metrics": metrics,
        "gc_median_run": r.gc(),
        "repeats": repeats,
    })
}

/// `results.json`.
pub fn json(sweep: &Sweep) -> Json {
    let s = &sweep.settings;
    json!({
        "format": "vm-bench results 1",
        "suite": sweep.suite.display().to_string(),
        "settings": {
            "profile": s.profile.as_str(),
            "policies": s.policies,
            "isolates": s.isolates,
            "repeats": s.repeats,
            "warmups": s.warmups,
            "threads": s.threads,
            "timeout_s": s.timeout.as_secs(),
            "forked_policy": Runner::Forked.policy(),
            "kept_gc_figures": "median run (lower middle for an even count)",
        },
        "machine": sweep.machine,
        "elapsed_s": sweep.elapsed.as_secs_f64(),
        "passed": sweep.passed(),
        "configurations": sweep
            .records
            .iter()
            .zip(&sweep.speedups)
            .map(|(r, s)| record_json(r, *s))
            .collect::<Vec<_>>(),
        "notes": sweep
            .notes
            .iter()
            .map(|n| json!({ "workload": n.workload, "note": n.text }))
            .collect::<Vec<_>>(),
        "figures": sweep.figures.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_only_when_needed() {
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(gc_cells(None).len(), 12);
        assert_eq!(gc_cells(Some(&GcFigures::default())).len(), 12);
    }
}
