//! End to end: the figures `vm run --stats` prints and `--stats-json`
//! writes read right: pause quantiles never above the measured maximum,
//! counts with the right grammatical number.

mod common;

use std::process::Output;

use common::u64_at;
use serde_json::Value as Json;

/// Runs `source` with `--stats` and `--stats-json`; returns the run's
/// output and the JSON document.
fn run_with_stats(name: &str, source: &str, flags: &[&str]) -> (Output, Json) {
    let flags: Vec<&str> = flags.iter().copied().chain(["--stats"]).collect();
    common::run_for_stats(name, source, &flags, &[])
}

/// The milliseconds of each column of the `--stats` row `name`.
fn row_ms(stderr: &str, name: &str) -> Vec<f64> {
    let line = stderr
        .lines()
        .find(|l| l.trim_start().starts_with(name) && l.trim_start()[name.len()..].starts_with(' '))
        .unwrap_or_else(|| panic!("no row '{name}' in\n{stderr}"));
    line[line.find(name).unwrap() + name.len()..]
        .split("ms")
        .filter_map(|s| s.trim().parse().ok())
        .collect()
}

#[test]
fn pause_quantiles_never_exceed_the_maximum() {
    // One pause per isolate, and one global pause: every quantile is that
    // pause. The histogram once reported its bucket's upper bound, above
    // the pause itself (`pause max 0.226 ms`, `p50 0.229 ms`; per isolate
    // `local_pause_max_ns 82132`, `p99_ns 90111`).
    let source = "fn child(n) {\n  let junk = []\n  for i in range(n) { push(junk, [i]) }\n  gc()\n  return n\n}\n\
                  fn main() {\n  let hs = []\n  for i in range(8) { push(hs, spawn(child, 100 * i)) }\n  for h in hs { wait(h) }\n  gc()\n  gc_global()\n}\n";
    let (out, doc) = run_with_stats("one_pause_each", source, &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    for (max_row, quantile_rows) in [
        ("local pause max", ["local pause p50", "local pause p99"]),
        ("pause max", ["pause p50", "pause p99"]),
    ] {
        let max = row_ms(&stderr, max_row);
        for row in quantile_rows {
            let q = row_ms(&stderr, row);
            assert_eq!(q.len(), max.len(), "{row}\n{stderr}");
            for (q, max) in q.iter().zip(&max) {
                assert!(q <= max, "{row} {q} above {max_row} {max}\n{stderr}");
            }
        }
    }
    let check = |figures: &Json, what: &str| {
        let max = u64_at(figures, &["local_pause_max_ns"]);
        let p50 = u64_at(figures, &["local_pauses", "p50_ns"]);
        let p99 = u64_at(figures, &["local_pauses", "p99_ns"]);
        assert!(p50 <= p99 && p99 <= max, "{what}: {p50} {p99} {max}");
    };
    check(&doc["main"], "main");
    check(&doc["total"], "total");
    let records = doc["per_isolate"].as_array().unwrap();
    assert_eq!(records.len(), 9);
    for record in records {
        assert_eq!(u64_at(record, &["local_collections"]), 1, "{record}");
        check(record, &format!("isolate {}", record["id"]));
        // With one pause, the quantiles are that pause, within 1%.
        let max = u64_at(record, &["local_pause_max_ns"]) as f64;
        assert!(u64_at(record, &["local_pauses", "p50_ns"]) as f64 >= max * 0.99);
    }
    let global = &doc["global"];
    assert_eq!(u64_at(global, &["collections"]), 1);
    let max = u64_at(global, &["pause_max_ns"]);
    let p50 = u64_at(global, &["pauses", "p50_ns"]);
    let p99 = u64_at(global, &["pauses", "p99_ns"]);
    assert!(p50 <= p99 && p99 <= max, "global: {p50} {p99} {max}");
}

#[test]
fn counts_in_the_stats_header_agree_with_their_nouns() {
    // "1 isolates" once.
    let (out, _) = run_with_stats("alone", "fn main() {\n  print(1)\n}\n", &["--threads", "1"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let header = stderr.lines().next().unwrap();
    assert!(
        header.ends_with("; 1 isolate (0 failed); 1 worker thread (0 wake-ups)"),
        "{header}"
    );
    let (out, _) = run_with_stats(
        "two",
        "fn child() {\n  return 1\n}\nfn main() {\n  wait(spawn(child))\n}\n",
        &["--threads", "2"],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    let header = stderr.lines().next().unwrap();
    assert!(
        header.contains("; 2 isolates (0 failed); 2 worker threads ("),
        "{header}"
    );
}
