//! The `--stats` table and the `--stats-json` document: what the collectors
//! did, per isolate and in total, and what the run's memory held.
//!
//! Invariant: figures are printed as measured, with their units; nothing is
//! estimated. Pause quantiles come from [`gc::PauseHistogram`] (an
//! HdrHistogram with two significant digits), so p50 and p99 read at most
//! 1% high, and never above the pause maximum beside them.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write;
use std::time::Duration;

use gc::PauseHistogram;
use gc::options::OptionValue;
use isolate::{IsolateFigures, IsolateRecord, MAX_RECORDS, RunReport, SchedulerConfig};
use serde::{Serialize, Serializer};

fn mib(bytes: u64) -> String {
    format!("{:.2} MiB", bytes as f64 / (1024.0 * 1024.0))
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1e3)
}

/// `1 isolate`, `2 isolates`: a count and its noun.
fn counted(count: u64, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
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
        "gc stats: policy {:?}; {} ({} failed); {} ({})",
        config.memory.policy,
        counted(stats.isolates_spawned, "isolate"),
        stats.isolates_failed,
        counted(config.threads as u64, "worker thread"),
        counted(stats.worker_wakeups, "wake-up")
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
    let global_rows: [(&str, String); 12] = [
        ("collections", g.collections.to_string()),
        ("on the thread pool", g.parallel_collections.to_string()),
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
        ("  in pages", stats.dead_isolate_pages.to_string()),
        ("  of which objects", mib(stats.dead_isolate_live_bytes)),
        (
            "dead isolates held peak",
            mib(stats.dead_isolate_peak_bytes),
        ),
    ];
    for (name, value) in global_rows {
        let _ = writeln!(out, "  {name:<24} {value:>14}");
    }
    let (resident, cold) = heap::pooled_pages();
    let _ = writeln!(
        out,
        "  {:<24} {:>14}",
        "empty pages pooled",
        format!("{resident} (+{cold} given back)")
    );
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

/// The `--stats-json` document. Written field by field as it is
/// serialized (no JSON tree in memory: a run of a million isolates would
/// build one of hundreds of megabytes), in this order.
#[derive(Serialize)]
struct StatsDoc<'a> {
    policy: PolicyDoc,
    threads: usize,
    budget: u32,
    gc_stress: bool,
    ok: bool,
    isolates: IsolateCounts,
    /// Read before the document is written, so it is the run's own peak.
    peak_rss_bytes: Option<u64>,
    main: FiguresDoc,
    total: FiguresDoc,
    global: GlobalDoc,
    /// At most this many `per_isolate` records are kept (the first
    /// isolates to end); every isolate counts in `total`.
    per_isolate_limit: usize,
    per_isolate: PerIsolate<'a>,
}

#[derive(Serialize)]
struct PolicyDoc {
    name: &'static str,
    /// Every option of the policy with the value the run used, as its
    /// natural JSON type (see [`option_json`]).
    options: BTreeMap<&'static str, serde_json::Value>,
}

/// An option value as JSON: byte counts and ints as integers, floats as
/// numbers, booleans as booleans, so a reader need not parse strings.
/// (gc has no serde; the conversion lives with the document.)
fn option_json(value: OptionValue) -> serde_json::Value {
    match value {
        OptionValue::Bytes(b) => serde_json::Value::from(b as u64),
        OptionValue::Int(i) => serde_json::Value::from(i),
        // Options are range-checked, so never NaN or infinite; null if so.
        OptionValue::Float(x) => serde_json::Value::from(x),
        OptionValue::Bool(b) => serde_json::Value::Bool(b),
    }
}

#[derive(Serialize)]
struct IsolateCounts {
    spawned: u64,
    failed: u64,
    /// Sleeping workers woken to take a queued isolate.
    worker_wakeups: u64,
}

#[derive(Serialize)]
struct PausesDoc {
    count: u64,
    p50_ns: u64,
    p99_ns: u64,
}

impl PausesDoc {
    fn of(h: &PauseHistogram) -> PausesDoc {
        PausesDoc {
            count: h.count(),
            p50_ns: nanos(h.quantile(0.5)),
            p99_ns: nanos(h.quantile(0.99)),
        }
    }
}

#[derive(Serialize)]
struct FiguresDoc {
    local_collections: u64,
    local_pause_total_ns: u64,
    local_pause_max_ns: u64,
    local_pauses: PausesDoc,
    /// Global collections the isolate stood still for (summed over
    /// isolates in `total`, so not the run's count: that is
    /// `global.collections`), and the time it stood still for them.
    global_pauses_sat_out: u64,
    global_stopped_total_ns: u64,
    bytes_allocated: u64,
    objects_allocated: u64,
    messages_sent: u64,
    messages_received: u64,
    bytes_copied: u64,
    shareable_bytes: u64,
}

impl FiguresDoc {
    fn of(f: &IsolateFigures) -> FiguresDoc {
        FiguresDoc {
            local_collections: f.local_collections,
            local_pause_total_ns: nanos(f.local_pause),
            local_pause_max_ns: nanos(f.local_max_pause),
            local_pauses: PausesDoc::of(&f.local_pauses),
            global_pauses_sat_out: f.global_collections,
            global_stopped_total_ns: nanos(f.global_pause),
            bytes_allocated: f.bytes_allocated,
            objects_allocated: f.objects_allocated,
            messages_sent: f.messages_sent,
            messages_received: f.messages_received,
            bytes_copied: f.bytes_copied,
            shareable_bytes: f.shareable_bytes,
        }
    }
}

#[derive(Serialize)]
struct GlobalDoc {
    collections: u64,
    /// Those that marked and swept on the collector's thread pool.
    parallel_collections: u64,
    pause_total_ns: u64,
    pause_max_ns: u64,
    pauses: PausesDoc,
    work_total_ns: u64,
    dead_shareable_bytes_freed: u64,
    shareable_live_bytes_after_last: u64,
    /// Memory the pages dead isolates handed over held at the end: whole
    /// pages, whatever share of them live objects fill.
    dead_isolate_bytes_at_end: u64,
    dead_isolate_pages_at_end: u64,
    /// Bytes of the objects in those pages.
    dead_isolate_live_bytes_at_end: u64,
    /// The most memory those pages held at any time.
    dead_isolate_peak_bytes: u64,
}

#[derive(Serialize)]
struct RecordDoc {
    id: u64,
    failed: bool,
    #[serde(flatten)]
    figures: FiguresDoc,
}

/// The per-isolate records, each converted as it is written.
struct PerIsolate<'a>(&'a [IsolateRecord]);

impl Serialize for PerIsolate<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(|r| RecordDoc {
            id: r.id,
            failed: r.failed,
            figures: FiguresDoc::of(&r.figures),
        }))
    }
}

/// Writes the report as the `--stats-json` document to `out`.
pub fn write_json(
    report: &RunReport,
    config: &SchedulerConfig,
    out: impl Write,
) -> serde_json::Result<()> {
    let stats = &report.stats;
    let g = &stats.global;
    let doc = StatsDoc {
        policy: PolicyDoc {
            name: config.memory.policy.name(),
            options: config
                .memory
                .policy
                .values()
                .iter()
                .map(|(name, value)| (name, option_json(value)))
                .collect(),
        },
        threads: config.threads,
        budget: config.budget,
        gc_stress: config.memory.stress,
        ok: report.result.is_ok(),
        isolates: IsolateCounts {
            spawned: stats.isolates_spawned,
            failed: stats.isolates_failed,
            worker_wakeups: stats.worker_wakeups,
        },
        peak_rss_bytes: peak_rss_kib().map(|kib| kib * 1024),
        main: FiguresDoc::of(&stats.main),
        total: FiguresDoc::of(&stats.total),
        global: GlobalDoc {
            collections: g.collections,
            parallel_collections: g.parallel_collections,
            pause_total_ns: nanos(g.total_pause),
            pause_max_ns: nanos(g.max_pause),
            pauses: PausesDoc::of(&g.pauses),
            work_total_ns: nanos(g.total_work),
            dead_shareable_bytes_freed: g.freed_shareable_bytes,
            shareable_live_bytes_after_last: g.last.shareable_live_bytes as u64,
            dead_isolate_bytes_at_end: stats.dead_isolate_bytes,
            dead_isolate_pages_at_end: stats.dead_isolate_pages,
            dead_isolate_live_bytes_at_end: stats.dead_isolate_live_bytes,
            dead_isolate_peak_bytes: stats.dead_isolate_peak_bytes,
        },
        per_isolate_limit: MAX_RECORDS,
        per_isolate: PerIsolate(&stats.isolates),
    };
    serde_json::to_writer_pretty(out, &doc)
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
