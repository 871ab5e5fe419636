//! `vm bench` end to end, on the small suites under `vm/tests/bench/`:
//!
//! - `mini_suite.json`: `bench-scripts/alloc_tasks.iv` at a tiny size on one
//!   and two isolates, both policies and the forked baseline, plus a missing
//!   workload and a peer whose runtime is not installed (both skipped with a
//!   note);
//! - `broken_suite.json`: a workload that fails at run time and one whose
//!   result line changes between repeats (exit code 1, both recorded);
//! - a suite in a throw-away git repository, to check that a modified
//!   checkout is recorded as such wherever `--out` points.
//!
//! Each test runs `vm` from the repository root, as a researcher would, and
//! writes into its own directory under the system's temporary directory.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

const VM: &str = env!("CARGO_BIN_EXE_vm");
const MINI: &str = "vm/tests/bench/mini_suite.json";
const BROKEN: &str = "vm/tests/bench/broken_suite.json";

/// A fresh, empty output directory for one test.
fn out_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("vm-bench-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn bench(args: &[&str]) -> Output {
    Command::new(VM)
        .current_dir(root())
        .arg("bench")
        .args(args)
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Splits one CSV line (RFC 4180 quoting) into its fields.
fn csv_fields(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                fields.last_mut().unwrap().push('"');
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(String::new()),
            _ => fields.last_mut().unwrap().push(c),
        }
    }
    fields
}

/// `results.csv` as rows of column name to value.
fn csv_rows(path: &Path) -> Vec<std::collections::HashMap<String, String>> {
    let content = std::fs::read_to_string(path).unwrap();
    let mut lines = content.lines();
    let header = csv_fields(lines.next().unwrap());
    lines
        .map(|l| {
            let fields = csv_fields(l);
            assert_eq!(fields.len(), header.len(), "row {l}");
            header.iter().cloned().zip(fields).collect()
        })
        .collect()
}

#[test]
fn print_commands_lists_every_configuration_and_runs_nothing() {
    let out = out_dir("print");
    let out_s = out.display().to_string();
    let o = bench(&[
        "--suite",
        MINI,
        "--quick",
        "--print-commands",
        "--out",
        &out_s,
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let stdout = text(&o.stdout);
    let commands: Vec<&str> = stdout.lines().filter(|l| !l.starts_with('#')).collect();
    let raw = format!("{out_s}/raw");
    let script = "bench-scripts/alloc_tasks.iv";
    let vm_run = |policy: &str, threads: u32, id: &str, size: u32, n: u32| {
        format!(
            "{VM} run --gc {policy} --threads {threads} --stats-json {raw}/{id}.stats.json \
             {script} {size} {n}"
        )
    };
    let expected = vec![
        format!("mkdir -p {raw}"),
        vm_run("local", 2, "alloc_tasks.vm-local.i1", 2000, 1),
        vm_run("local", 2, "alloc_tasks.vm-local.i2", 2000, 2),
        vm_run("global-only", 2, "alloc_tasks.vm-global-only.i1", 2000, 1),
        vm_run("global-only", 2, "alloc_tasks.vm-global-only.i2", 2000, 2),
        vm_run("local", 1, "alloc_tasks.forked.i1.p1", 2000, 1),
        format!(
            "for p in 1 2; do {VM} run --gc local --threads 1 --stats-json \
             {raw}/alloc_tasks.forked.i2.p\"$p\".stats.json {script} 1000 1 & done; wait"
        ),
    ];
    assert_eq!(commands, expected);
    assert!(stdout.contains(
        "# note: alloc_tasks: peer nowhere: `no-such-runtime-for-vm-bench` is not installed"
    ));
    assert!(
        stdout
            .contains("# note: absent: vm/tests/bench/no_such_workload.iv does not exist: skipped")
    );
    assert!(!out.exists(), "--print-commands must not create {out_s}");

    // The full profile of the same suite: other sizes, same shape.
    let o = bench(&[
        "--suite",
        MINI,
        "--print-commands",
        "--out",
        &out_s,
        "--only",
        "alloc_tasks",
    ]);
    let stdout = text(&o.stdout);
    assert!(stdout.contains(&vm_run(
        "global-only",
        2,
        "alloc_tasks.vm-global-only.i2",
        4000,
        2
    )));
    assert!(stdout.contains("2 time(s) after 1 warm-up(s)"));
}

#[test]
fn a_mini_sweep_writes_tables_json_summary_and_figures() {
    let out = out_dir("sweep");
    let o = bench(&[
        "--suite",
        MINI,
        "--quick",
        "--out",
        &out.display().to_string(),
    ]);
    let stderr = text(&o.stderr);
    assert!(o.status.success(), "vm bench failed:\n{stderr}");
    // Each configuration's command is printed as it starts.
    assert_eq!(
        stderr.lines().filter(|l| l.starts_with("$ ")).count(),
        6,
        "{stderr}"
    );
    assert!(stderr.contains("6 ok, 0 failed, 0 mismatched"), "{stderr}");

    let rows = csv_rows(&out.join("results.csv"));
    let keys: Vec<(String, String, String)> = rows
        .iter()
        .map(|r| {
            (
                r["runner"].clone(),
                r["policy"].clone(),
                r["isolates"].clone(),
            )
        })
        .collect();
    let key = |a: &str, b: &str, c: &str| (a.to_string(), b.to_string(), c.to_string());
    assert_eq!(
        keys,
        [
            key("vm", "local", "1"),
            key("vm", "local", "2"),
            key("vm", "global-only", "1"),
            key("vm", "global-only", "2"),
            key("forked", "local", "1"),
            key("forked", "local", "2"),
        ]
    );
    let first_line = &rows[0]["first_line"];
    assert!(first_line.starts_with("tasks: 2000"), "{first_line}");
    for r in &rows {
        assert_eq!(r["workload"], "alloc_tasks");
        assert_eq!(r["status"], "ok");
        assert_eq!(r["repeats"], "1");
        let median: f64 = r["median_s"].parse().unwrap();
        let min: f64 = r["min_s"].parse().unwrap();
        let max: f64 = r["max_s"].parse().unwrap();
        assert!(median > 0.0 && min <= median && median <= max, "{r:?}");
        let speedup: f64 = r["speedup"].parse().unwrap();
        assert!(speedup > 0.0, "{r:?}");
        assert_eq!(r["speedup_base_isolates"], "1");
        if r["isolates"] == "1" {
            assert_eq!(speedup, 1.0);
        }
        let allocated: u64 = r["bytes_allocated"].parse().unwrap();
        assert!(allocated > 0, "{r:?}");
        if r["runner"] == "forked" && r["isolates"] == "2" {
            // The processes each print their own share's line.
            assert!(r["first_line"].starts_with("tasks: 1000"), "{r:?}");
        } else {
            assert_eq!(&r["first_line"], first_line, "same work, same result line");
        }
    }
    let local_gcs = |i: usize| rows[i]["local_collections"].parse::<u64>().unwrap();
    let global_gcs = |i: usize| rows[i]["global_collections"].parse::<u64>().unwrap();
    assert_eq!(
        local_gcs(2) + local_gcs(3),
        0,
        "global-only never collects locally"
    );
    assert_eq!(
        global_gcs(0) + global_gcs(1),
        0,
        "local collects globally only when asked"
    );

    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("results.json")).unwrap()).unwrap();
    assert_eq!(json["settings"]["profile"], "quick");
    assert_eq!(json["settings"]["isolates"], serde_json::json!([1, 2]));
    assert!(json["machine"]["cores"].as_u64().unwrap() >= 1);
    assert!(json["machine"]["date"].as_str().unwrap().ends_with('Z'));
    assert_eq!(json["passed"], true);
    let configs = json["configurations"].as_array().unwrap();
    assert_eq!(configs.len(), 6);
    assert_eq!(configs[5]["processes"].as_array().unwrap().len(), 2);
    assert!(
        configs[0]["command"]
            .as_str()
            .unwrap()
            .contains("--stats-json")
    );
    assert_eq!(configs[0]["times_s"].as_array().unwrap().len(), 1);
    assert!(
        configs[0]["gc_median_run"]["bytes_allocated"]
            .as_u64()
            .unwrap()
            > 0
    );
    let notes = json["notes"].to_string();
    assert!(
        notes.contains("no_such_workload.iv does not exist"),
        "{notes}"
    );
    assert!(notes.contains("not installed"), "{notes}");

    let summary = std::fs::read_to_string(out.join("summary.md")).unwrap();
    assert!(summary.contains("## alloc_tasks"), "{summary}");
    assert!(
        summary.contains("| runner | policy | 1 isolate | 2 isolates |"),
        "{summary}"
    );
    assert!(summary.contains("| vm | global-only | "), "{summary}");
    assert!(summary.contains("| forked | local | "), "{summary}");
    assert!(
        summary.contains("no_such_workload.iv does not exist"),
        "{summary}"
    );

    for (figure, label) in [
        ("alloc_tasks-time.svg", "wall time (s)"),
        ("alloc_tasks-speedup.svg", "speedup"),
        ("alloc_tasks-pauses.svg", "pause (ms"),
    ] {
        let svg = std::fs::read_to_string(out.join("figures").join(figure)).unwrap();
        assert!(
            svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"),
            "{figure}"
        );
        assert!(svg.contains(label) && svg.contains("vm --gc local") || figure.contains("pauses"));
        assert!(svg.contains(label), "{figure} has no `{label}` axis");
    }
    assert!(
        out.join("raw/alloc_tasks.forked.i2.p2.stats.json")
            .is_file()
    );
    std::fs::remove_dir_all(&out).unwrap();
}

#[test]
fn failures_and_mismatches_are_recorded_and_fail_the_sweep() {
    let out = out_dir("broken");
    let o = bench(&[
        "--suite",
        BROKEN,
        "--quick",
        "--out",
        &out.display().to_string(),
    ]);
    let stderr = text(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("FAILED fails.vm-local.i1"), "{stderr}");
    assert!(stderr.contains("division by zero"), "{stderr}");
    assert!(stderr.contains("MISMATCH unstable.vm-local.i1"), "{stderr}");

    let rows = csv_rows(&out.join("results.csv"));
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["status"], "failed");
    assert_eq!(
        rows[0]["median_s"], "",
        "a failed configuration has no time"
    );
    assert_eq!(rows[1]["status"], "mismatch");
    assert_eq!(rows[1]["repeats"], "2");

    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("results.json")).unwrap()).unwrap();
    assert_eq!(json["passed"], false);
    let failure = json["configurations"][0]["failure"].as_str().unwrap();
    assert!(failure.contains("exited with status 1") && failure.contains("division by zero"));
    let mismatch = json["configurations"][1]["mismatches"][0].as_str().unwrap();
    assert!(mismatch.contains("differs between runs"), "{mismatch}");
    let summary = std::fs::read_to_string(out.join("summary.md")).unwrap();
    assert!(
        summary.contains("**failed**") && summary.contains("**mismatch**"),
        "{summary}"
    );
    std::fs::remove_dir_all(&out).unwrap();
}

#[test]
fn a_broken_suite_or_option_is_a_usage_error() {
    let dir = out_dir("usage");
    std::fs::create_dir_all(&dir).unwrap();
    let suite = dir.join("typo.json");
    let good = std::fs::read_to_string(root().join(MINI)).unwrap();
    std::fs::write(&suite, good.replace("\"repeats\"", "\"repeat\"")).unwrap();
    let o = bench(&["--suite", &suite.display().to_string(), "--print-commands"]);
    assert_eq!(o.status.code(), Some(2));
    let stderr = text(&o.stderr);
    assert!(
        stderr.starts_with("error: suite") && stderr.contains("repeat"),
        "{stderr}"
    );

    let o = bench(&["--suite", MINI, "--only", "nope", "--print-commands"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("no workload `nope`"));

    let o = bench(&["--suite", "no/such/suite.json"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("cannot read suite"));

    let o = bench(&["--repeats", "0"]);
    assert_eq!(o.status.code(), Some(2));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn help_explains_every_flag() {
    let o = bench(&["--help"]);
    assert!(o.status.success());
    let help = text(&o.stdout);
    for flag in [
        "--quick",
        "--suite",
        "--out",
        "--only",
        "--repeats",
        "--warmups",
        "--isolates",
        "--threads",
        "--no-peers",
        "--print-commands",
        "results.csv",
        "Exit codes",
    ] {
        assert!(
            help.contains(flag),
            "`vm bench --help` does not mention {flag}:\n{help}"
        );
    }
}

#[test]
fn a_sweep_with_nothing_to_run_is_an_error() {
    // Every selected workload's script is missing: the sweep once ran
    // nothing, wrote empty tables and exited 0.
    let out = out_dir("nothing");
    for extra in [&[][..], &["--print-commands"]] {
        let o = bench(
            &[
                &["--suite", MINI, "--quick", "--only", "absent", "--out"][..],
                &[&out.display().to_string()],
                extra,
            ]
            .concat(),
        );
        let stderr = text(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{extra:?}: {stderr}");
        assert_eq!(
            stderr,
            "error: nothing to run: the selected workloads give no configuration \
             (absent: vm/tests/bench/no_such_workload.iv does not exist: skipped)\n",
            "{extra:?}"
        );
        assert!(o.stdout.is_empty(), "{extra:?}");
        assert!(!out.exists(), "{extra:?}: nothing may be written");
    }
}

/// Runs `git` in `dir`, which must succeed.
fn git(dir: &Path, args: &[&str]) {
    let o = Command::new("git")
        .current_dir(dir)
        .args([
            "-c",
            "user.name=vm tests",
            "-c",
            "user.email=vm-tests@example.invalid",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .output()
        .expect("git is installed");
    assert!(o.status.success(), "git {args:?}: {}", text(&o.stderr));
}

#[test]
fn a_modified_checkout_is_dirty_whatever_the_output_directory() {
    // With --out outside the repository, git refused the pathspec that
    // leaves the output out, and the refusal read as a clean checkout.
    let repo = out_dir("dirty-repo");
    std::fs::create_dir_all(&repo).unwrap();
    std::fs::copy(
        root().join("bench-scripts/alloc_tasks.iv"),
        repo.join("alloc_tasks.iv"),
    )
    .unwrap();
    std::fs::write(
        repo.join("suite.json"),
        r#"{
  "policies": ["local"],
  "threads": 1,
  "profiles": {
    "quick": { "isolates": [1], "repeats": 1, "warmups": 0, "timeout_s": 60 },
    "full": { "isolates": [1], "repeats": 1, "warmups": 0, "timeout_s": 60 }
  },
  "workloads": [
    { "name": "alloc_tasks", "script": "alloc_tasks.iv", "size": { "quick": 100, "full": 100 } }
  ]
}
"#,
    )
    .unwrap();
    std::fs::write(repo.join("notes.txt"), "first\n").unwrap();
    git(&repo, &["init", "-q"]);
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-q", "--no-verify", "-m", "suite"]);
    let suite = repo.join("suite.json").display().to_string();
    let sweep = |name: &str, out: &Path| -> (serde_json::Value, String) {
        let o = bench(&[
            "--suite",
            &suite,
            "--quick",
            "--out",
            &out.display().to_string(),
        ]);
        assert!(o.status.success(), "{name}: {}", text(&o.stderr));
        let json =
            serde_json::from_str(&std::fs::read_to_string(out.join("results.json")).unwrap())
                .unwrap();
        let summary = std::fs::read_to_string(out.join("summary.md")).unwrap();
        (json, summary)
    };
    let outside = out_dir("dirty-out");
    let inside = repo.join("results");

    let (json, summary) = sweep("clean, outside", &outside);
    assert_eq!(json["machine"]["git_dirty"], false, "{}", json["machine"]);
    assert!(!summary.contains("uncommitted"), "{summary}");

    std::fs::write(repo.join("notes.txt"), "changed\n").unwrap();
    let (json, summary) = sweep("dirty, outside", &outside);
    assert_eq!(json["machine"]["git_dirty"], true, "{}", json["machine"]);
    assert!(summary.contains("(with uncommitted changes)"), "{summary}");
    let (json, _) = sweep("dirty, inside", &inside);
    assert_eq!(json["machine"]["git_dirty"], true, "{}", json["machine"]);

    // Committed results inside the checkout, rewritten by a re-run, do not
    // make it dirty.
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-q", "--no-verify", "-m", "results"]);
    let (json, _) = sweep("clean, results rewritten", &inside);
    assert_eq!(json["machine"]["git_dirty"], false, "{}", json["machine"]);

    std::fs::remove_dir_all(&repo).unwrap();
    std::fs::remove_dir_all(&outside).unwrap();
}
