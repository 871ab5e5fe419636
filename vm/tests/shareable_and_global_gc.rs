//! Shareable objects and global collections, checked through the figures a
//! run reports (`--stats-json`): what travels by reference, what dead
//! isolates leave behind, and when each policy collects globally.

mod common;

use common::u64_at;
use serde_json::Value as Json;

/// Runs `source` with `flags`, returns its stdout and its statistics.
fn run(name: &str, source: &str, flags: &[&str]) -> (String, Json) {
    run_with_args(name, source, flags, &[])
}

/// [`run`], passing `args` to the program.
fn run_with_args(name: &str, source: &str, flags: &[&str], args: &[&str]) -> (String, Json) {
    let (out, json) = common::run_for_stats(name, source, flags, args);
    (String::from_utf8(out.stdout).unwrap(), json)
}

#[test]
fn a_10_mb_frozen_array_sent_to_100_isolates_copies_nothing() {
    let source = r#"
fn reader(parent) {
  let big = receive()
  send(parent, len(big))
}

fn main() {
  let big = range(1250000)
  freeze(big)
  let hs = []
  for i in range(100) { push(hs, spawn(reader, self())) }
  for h in hs { send(h, big) }
  let total = 0
  for h in hs { total = total + receive() }
  print(total)
}
"#;
    let (out, stats) = run("big_frozen", source, &[]);
    assert_eq!(out, "125000000\n");
    assert_eq!(u64_at(&stats, &["total", "messages_sent"]), 200);
    // 100 spawn arguments (a handle each), 100 references to the array and
    // 100 integer replies: tens of bytes each, against the gigabyte that
    // copying the array would take.
    let copied = u64_at(&stats, &["total", "bytes_copied"]);
    assert!(
        copied < 300 * 64,
        "copied {copied} bytes for 10 MB sent 100 times"
    );
    assert!(u64_at(&stats, &["main", "shareable_bytes"]) >= 10_000_000);
}

#[test]
fn a_dead_isolates_shareables_live_until_a_global_collection_frees_them() {
    let source = r#"
fn build(parent) {
  let kept = freeze(range(100000))
  send(parent, freeze(range(50000)))
  send(parent, kept)
  freeze(range(70000))
}

# Receives a message and drops it (with this frame's registers).
fn drop_one() {
  receive()
  return 0
}

fn main() {
  let h = spawn(build, self())
  drop_one()
  let kept = receive()
  wait(h)
  gc_global()
  print(len(kept), kept[99999])
}
"#;
    let (out, stats) = run("dead_owner", source, &[]);
    assert_eq!(out, "100000 99999\n");
    // The 50,000-element array, sent and dropped, was dead but held until
    // the global collection; the reachable one survived it; the 70,000-
    // element one never left its isolate and died with it.
    let freed = u64_at(&stats, &["global", "dead_shareable_bytes_freed"]);
    assert!(freed >= 50_000 * 8, "freed {freed}");
    assert!(freed < 100_000 * 8, "freed the live array too: {freed}");
    assert!(u64_at(&stats, &["global", "shareable_live_bytes_after_last"]) >= 100_000 * 8);
    assert_eq!(u64_at(&stats, &["global", "collections"]), 1);
}

#[test]
fn the_local_policy_collects_globally_when_shareables_grow_past_its_threshold() {
    let source = r#"
fn main() {
  for i in range(40) { freeze(range(10000)) }
  print("done")
}
"#;
    // 40 arrays of 80 KB made shareable: past global_min=1M several times.
    let (_, stats) = run("shareable_growth", source, &["--gc-opt", "global_min=1M"]);
    let globals = u64_at(&stats, &["global", "collections"]);
    assert!((2..=4).contains(&globals), "{globals} global collections");
    assert!(u64_at(&stats, &["global", "dead_shareable_bytes_freed"]) > 1 << 20);
    let (_, quiet) = run("shareable_quiet", source, &["--gc-opt", "global_min=64M"]);
    assert_eq!(u64_at(&quiet, &["global", "collections"]), 0);
}

#[test]
fn the_local_policy_collects_globally_when_dead_isolates_hold_too_much() {
    let source = r#"
fn leave_garbage() {
  return freeze(range(20000))
}

fn main() {
  for i in range(30) { wait(spawn(leave_garbage)) }
  print("done")
}
"#;
    // Each dead isolate hands over 160 KB of shareable garbage: its result,
    // which the parent drops.
    let flags = ["--gc-opt", "dead_limit=1M", "--gc-opt", "global_min=1G"];
    let (_, stats) = run("dead_limit", source, &flags);
    let globals = u64_at(&stats, &["global", "collections"]);
    assert!(globals >= 3, "{globals} global collections");
    assert!(u64_at(&stats, &["global", "dead_isolate_bytes_at_end"]) <= 2 << 20);
}

#[test]
fn global_only_never_collects_locally() {
    let source = r#"
fn churn(n) {
  let keep = 0
  for i in range(n) { keep = keep + len([i, str(i)]) }
  return keep
}

fn main() {
  let hs = [spawn(churn, 50000), spawn(churn, 50000)]
  print(churn(50000) + wait(hs[0]) + wait(hs[1]))
}
"#;
    let (out, global) = run(
        "global_only",
        source,
        &["--gc", "global-only", "--gc-opt", "min_heap=64K"],
    );
    assert_eq!(out, "300000\n");
    assert_eq!(u64_at(&global, &["total", "local_collections"]), 0);
    let collections = u64_at(&global, &["global", "collections"]);
    assert!(collections > 10);
    // Every collection stops the main isolate; the three isolates together
    // sat out more pauses than the run collected (each counts its own).
    assert_eq!(
        u64_at(&global, &["main", "global_pauses_sat_out"]),
        collections
    );
    assert!(u64_at(&global, &["total", "global_pauses_sat_out"]) > collections);
    assert_eq!(global["policy"]["name"], "global-only");
    let (_, local) = run("local_only", source, &["--gc-opt", "min_heap=64K"]);
    assert!(u64_at(&local, &["total", "local_collections"]) > 10);
    assert_eq!(u64_at(&local, &["global", "collections"]), 0);
    assert_eq!(local["policy"]["options"]["min_heap"], 65536);
}

#[test]
fn stats_json_has_a_record_per_isolate() {
    let source = r#"
fn child(n) { return n }
fn main() {
  let total = 0
  for i in range(5) { total = total + wait(spawn(child, i)) }
  print(total)
}
"#;
    let (_, stats) = run("records", source, &["--threads", "2"]);
    assert_eq!(u64_at(&stats, &["isolates", "spawned"]), 6);
    let records = stats["per_isolate"].as_array().unwrap();
    assert_eq!(records.len(), 6);
    let mut ids: Vec<u64> = records.iter().map(|r| r["id"].as_u64().unwrap()).collect();
    ids.sort();
    assert_eq!(ids, [1, 2, 3, 4, 5, 6]);
    assert_eq!(stats["threads"], 2);
}

/// A run of more isolates than the per-isolate records keep: the document
/// keeps the first `per_isolate_limit`, counts every isolate in the sums,
/// and writing it costs no memory in proportion to the run (it once built
/// a JSON tree of 600 MB for two million isolates, which also counted in
/// the peak RSS it reported).
#[test]
fn stats_json_of_many_isolates_keeps_the_sums_and_a_bounded_record() {
    let source = r#"
fn child(n) { return n }
fn main() {
  let total = 0
  for i in range(30000) { total = total + wait(spawn(child, i)) }
  print(total)
}
"#;
    let (out, stats) = run("many_records", source, &["--threads", "2"]);
    assert_eq!(out, "449985000\n");
    assert_eq!(u64_at(&stats, &["isolates", "spawned"]), 30001);
    let limit = u64_at(&stats, &["per_isolate_limit"]);
    assert!(limit < 30001, "the test must exceed the limit ({limit})");
    let records = stats["per_isolate"].as_array().unwrap();
    assert_eq!(records.len() as u64, limit);
    // Main allocated a handle for each isolate it spawned.
    assert!(u64_at(&stats, &["total", "objects_allocated"]) >= 30000);
    let peak = u64_at(&stats, &["peak_rss_bytes"]);
    assert!(
        peak < 64 << 20,
        "peak RSS {peak} bytes for 30,000 short-lived isolates"
    );
}

/// The program of issue 10: isolates that each freeze a little and end.
const FREEZE_AND_END: &str = r#"
fn child(i) { freeze([i]); return i }
fn main() { let n = int(args()[0])
  for i in range(n) { wait(spawn(child, i)) }
  print("done") }
"#;

#[test]
fn shareable_objects_that_never_left_an_ended_isolate_die_with_it() {
    // Before, each ended isolate handed a whole page to the global owner
    // for one dead 48-byte array: 20,000 isolates held 330 MB.
    let (out, stats) = run_with_args("freeze_and_end", FREEZE_AND_END, &[], &["20000"]);
    assert_eq!(out, "done\n");
    assert_eq!(u64_at(&stats, &["global", "dead_isolate_bytes_at_end"]), 0);
    assert_eq!(u64_at(&stats, &["global", "dead_isolate_peak_bytes"]), 0);
    assert_eq!(u64_at(&stats, &["global", "collections"]), 0);
    let rss = u64_at(&stats, &["peak_rss_bytes"]);
    assert!(rss < 100 << 20, "peak RSS {rss} bytes");
}

#[test]
fn dead_isolates_memory_is_counted_in_whole_pages() {
    // Each child's result is published (its parent keeps it), so its page
    // goes to the global owner and stays: the figure is the pages' memory,
    // not the 48 bytes of each array.
    let source = r#"
fn child(i) { return freeze([i, i]) }
fn main() {
  let kept = []
  for i in range(300) { push(kept, wait(spawn(child, i))) }
  let sum = 0
  for k in kept { sum = sum + k[1] }
  print(sum)
}
"#;
    let (out, stats) = run("whole_pages", source, &["--gc-opt", "dead_limit=1G"]);
    assert_eq!(out, "44850\n");
    let pages = u64_at(&stats, &["global", "dead_isolate_pages_at_end"]);
    let bytes = u64_at(&stats, &["global", "dead_isolate_bytes_at_end"]);
    let live = u64_at(&stats, &["global", "dead_isolate_live_bytes_at_end"]);
    assert!(pages >= 300, "one page at least per child: {pages}");
    let page_bytes = pages * heap::PAGE_SIZE as u64;
    assert!(
        bytes.abs_diff(page_bytes) * 10 <= page_bytes,
        "{bytes} bytes reported for {pages} pages"
    );
    assert!(
        live >= 300 * 48 && live < bytes / 10,
        "{live} bytes of objects"
    );
    assert!(u64_at(&stats, &["global", "dead_isolate_peak_bytes"]) >= bytes);
}

#[test]
fn published_results_dropped_by_their_receiver_are_reclaimed() {
    // The same children, results dropped: dead isolates' pages must not pile
    // up past the dead_limit (plus what a collection cannot yet free).
    let source = r#"
fn child(i) { return freeze([i, str(i)]) }
fn main() {
  let sum = 0
  for i in range(3000) { sum = sum + wait(spawn(child, i))[0] }
  print(sum)
}
"#;
    let (out, stats) = run("dropped_results", source, &["--gc-opt", "dead_limit=4M"]);
    assert_eq!(out, "4498500\n");
    assert!(u64_at(&stats, &["global", "collections"]) >= 1);
    let peak = u64_at(&stats, &["global", "dead_isolate_peak_bytes"]);
    assert!(peak <= 16 << 20, "dead isolates held {peak} bytes at most");
}
