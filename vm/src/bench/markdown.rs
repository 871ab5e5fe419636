//! `summary.md`: the sweep as Markdown tables, ready to paste into
//! `papers/report.md`.
//!
//! Invariant: every number in the tables is one `results.csv` holds for
//! the same configuration (rounded for reading, with its unit); a
//! configuration that failed or mismatched says so in its cell instead of
//! showing a number that could be mistaken for a result, and every failure,
//! mismatch and skipped configuration is listed under the tables.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::matrix::Runner;
use super::results::{Record, Speedup, Status, Sweep};
use super::units;

/// `summary.md`.
pub fn summary(sweep: &Sweep) -> String {
    let mut out = String::new();
    let s = &sweep.settings;
    let m = &sweep.machine;
    let _ = writeln!(out, "# vm bench: {} sweep\n", s.profile.as_str());
    let commit = match (&m.git_commit, m.git_dirty) {
        (Some(c), Some(true)) => format!("commit {} (with uncommitted changes)", short(c)),
        (Some(c), Some(false)) => format!("commit {}", short(c)),
        (Some(c), None) => format!("commit {} (uncommitted changes unknown)", short(c)),
        (None, _) => "no git commit".into(),
    };
    let _ = writeln!(
        out,
        "Machine: {}. {}, {}. Suite `{}`; `vm` runs on {} worker thread(s), forked \
         processes on one each. Each cell is the median wall time of {} run(s) after {} \
         warm-up(s), start-up included; in parentheses the speedup over the fewest \
         isolates of the same row. Sweep time {}.\n",
        m.one_line(),
        m.date,
        commit,
        sweep.suite.display(),
        s.threads,
        s.repeats,
        s.warmups,
        units::secs(sweep.elapsed.as_secs_f64()),
    );
    let mut workloads: Vec<&str> = Vec::new();
    for r in &sweep.records {
        if !workloads.contains(&r.config.workload.as_str()) {
            workloads.push(&r.config.workload);
        }
    }
    for workload in workloads {
        let rows: Vec<(&Record, Option<Speedup>)> = sweep
            .records
            .iter()
            .zip(&sweep.speedups)
            .filter(|(r, _)| r.config.workload == workload)
            .map(|(r, s)| (r, *s))
            .collect();
        workload_tables(&mut out, workload, &rows);
    }
    notes(&mut out, sweep);
    out
}

fn short(commit: &str) -> &str {
    &commit[..commit.len().min(12)]
}

fn workload_tables(out: &mut String, workload: &str, rows: &[(&Record, Option<Speedup>)]) {
    let size = rows.first().map_or(0, |(r, _)| r.config.size);
    let _ = writeln!(out, "## {workload}\n");
    let _ = writeln!(out, "SIZE {size}.\n");
    let mut counts: Vec<u32> = rows.iter().map(|(r, _)| r.config.isolates).collect();
    counts.sort_unstable();
    counts.dedup();
    let mut series: Vec<&Runner> = Vec::new();
    for (r, _) in rows {
        if !series.contains(&&r.config.runner) {
            series.push(&r.config.runner);
        }
    }
    let header: Vec<String> = counts
        .iter()
        .map(|&n| format!("{n} isolate{}", if n == 1 { "" } else { "s" }))
        .collect();
    let _ = writeln!(out, "| runner | policy | {} |", header.join(" | "));
    let _ = writeln!(out, "|---|---|{}", "---|".repeat(counts.len()));
    for runner in &series {
        let cells: Vec<String> = counts
            .iter()
            .map(|&n| {
                rows.iter()
                    .find(|(r, _)| r.config.runner == **runner && r.config.isolates == n)
                    .map_or_else(|| "—".to_string(), |(r, s)| time_cell(r, *s))
            })
            .collect();
        let _ = writeln!(
            out,
            "| {} | {} | {} |",
            runner.name(),
            runner.policy(),
            cells.join(" | ")
        );
    }
    let _ = writeln!(out);
    gc_table(out, rows, &counts);
    metrics_table(out, rows);
}

fn time_cell(r: &Record, speedup: Option<Speedup>) -> String {
    match (r.status(), r.wall()) {
        (Status::Failed, _) | (_, None) => "**failed**".into(),
        (status, Some(w)) => {
            let mut cell = units::secs(w.median);
            if let Some(s) = speedup.filter(|s| s.base_isolates != r.config.isolates) {
                let _ = write!(cell, " ({})", units::times(s.value));
            }
            if status == Status::Mismatch {
                cell.push_str(" **mismatch**");
            }
            cell
        }
    }
}

/// The collectors' figures of the median runs at the largest isolate count.
fn gc_table(out: &mut String, rows: &[(&Record, Option<Speedup>)], counts: &[u32]) {
    let Some(&top) = counts.iter().rev().find(|&&n| {
        rows.iter()
            .any(|(r, _)| r.config.isolates == n && r.gc().is_some())
    }) else {
        return;
    };
    let _ = writeln!(
        out,
        "Collectors at {top} isolate(s), median run (forked: all processes together):\n"
    );
    let _ = writeln!(
        out,
        "| runner | policy | global GCs | global pause p50 / p99 / max | local GCs | \
         local pause p50 / p99 / max | dead shareables freed | dead isolates hold at end | \
         allocated | peak RSS |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|---|---|---|");
    for (r, _) in rows.iter().filter(|(r, _)| r.config.isolates == top) {
        let Some(g) = r.gc() else { continue };
        let pauses = |count: u64, p50: u64, p99: u64, max: u64| {
            if count == 0 {
                "—".to_string()
            } else {
                format!(
                    "{} / {} / {}",
                    units::pause(p50),
                    units::pause(p99),
                    units::pause(max)
                )
            }
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            r.config.runner.name(),
            r.config.runner.policy(),
            g.global_collections,
            pauses(
                g.global_collections,
                g.global_pause_p50_ns,
                g.global_pause_p99_ns,
                g.global_pause_max_ns
            ),
            g.local_collections,
            pauses(
                g.local_collections,
                g.local_pause_p50_ns,
                g.local_pause_p99_ns,
                g.local_pause_max_ns
            ),
            units::bytes(g.dead_shareable_bytes_freed),
            units::bytes(g.dead_isolate_bytes_at_end),
            units::bytes(g.bytes_allocated),
            g.peak_rss_bytes.map_or_else(|| "—".into(), units::bytes),
        );
    }
    let _ = writeln!(out);
}

/// The workload's own `metric` lines, median with min and max.
fn metrics_table(out: &mut String, rows: &[(&Record, Option<Speedup>)]) {
    let mut lines: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    let mut any = false;
    for (r, _) in rows {
        for (name, s) in r.metrics() {
            any = true;
            lines
                .entry((name, r.config.runner.label().to_string()))
                .or_default()
                .push(format!(
                    "{}: {} ({}–{})",
                    r.config.isolates, s.median, s.min, s.max
                ));
        }
    }
    if !any {
        return;
    }
    let _ = writeln!(
        out,
        "Metrics the workload printed (isolates: median (min–max)):\n"
    );
    let _ = writeln!(out, "| metric | runner | values |");
    let _ = writeln!(out, "|---|---|---|");
    for ((name, runner), values) in lines {
        let _ = writeln!(out, "| {name} | {runner} | {} |", values.join("; "));
    }
    let _ = writeln!(out);
}

fn notes(out: &mut String, sweep: &Sweep) {
    let problems: Vec<&Record> = sweep
        .records
        .iter()
        .filter(|r| r.status() != Status::Ok || !r.warnings.is_empty())
        .collect();
    if problems.is_empty() && sweep.notes.is_empty() {
        return;
    }
    let _ = writeln!(out, "## Notes\n");
    for r in problems {
        let what = r
            .failure
            .iter()
            .map(|f| format!("failed: {}", f.lines().next().unwrap_or_default()))
            .chain(r.mismatches.iter().map(|m| format!("mismatch: {m}")))
            .chain(r.warnings.iter().cloned())
            .collect::<Vec<_>>()
            .join("; ");
        let _ = writeln!(out, "- `{}`: {what}", r.config.id);
    }
    for n in &sweep.notes {
        match &n.workload {
            Some(w) => {
                let _ = writeln!(out, "- {w}: {}", n.text);
            }
            None => {
                let _ = writeln!(out, "- {}", n.text);
            }
        }
    }
}
