//! The GC micro-benchmark suite keeps its contract (`bench-scripts/README.md`).
//!
//! - Every workload named in the README's table has its script
//!   `bench-scripts/NAME.iv` and its expected files `expected/NAME.args` (tiny
//!   arguments, one line `SIZE ISOLATES`) and `expected/NAME.out` (the exact
//!   first output line for them).
//! - Every `expected/NAME.args` (the table's workloads and any other script
//!   given expected files) runs as `vm run bench-scripts/NAME.iv SIZE
//!   ISOLATES` as is, under `--gc-stress`, under `--gc global-only`, and on
//!   one and on two worker threads: each run exits 0, writes nothing on
//!   stderr, prints the expected first line, and after it only
//!   `metric NAME INTEGER` lines.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The `vm run` flags every workload runs under.
const CONFIGS: &[&[&str]] = &[
    &[],
    &["--gc-stress"],
    &["--gc", "global-only"],
    &["--threads", "1"],
    &["--threads", "2"],
];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn scripts() -> PathBuf {
    root().join("bench-scripts")
}

/// The workload names of the README's table: the first cell, written as
/// `` `name` ``, of each row of the table whose header starts with
/// `| workload |`, in the `## Workloads` section (up to the next `## `).
fn readme_workloads() -> Vec<String> {
    let readme = std::fs::read_to_string(scripts().join("README.md")).unwrap();
    let section = readme
        .split("\n## Workloads")
        .nth(1)
        .expect("bench-scripts/README.md has a '## Workloads' section");
    let section = section.split("\n## ").next().unwrap();
    let mut names = Vec::new();
    let mut in_table = false;
    for line in section.lines() {
        let Some(row) = line.trim().strip_prefix('|') else {
            in_table = false;
            continue;
        };
        let cell = row.split('|').next().unwrap().trim();
        if cell == "workload" {
            in_table = true;
            continue;
        }
        if !in_table {
            continue;
        }
        if let Some(name) = cell.strip_prefix('`').and_then(|c| c.strip_suffix('`')) {
            assert!(
                !name.is_empty()
                    && name
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
                "odd workload name {name:?} in bench-scripts/README.md"
            );
            names.push(name.to_string());
        }
    }
    names
}

/// The names of the workloads with expected files, sorted.
fn expected_workloads() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(scripts().join("expected"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "args"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn every_workload_of_the_readme_has_a_script_and_expected_files() {
    let names = readme_workloads();
    assert!(
        names.len() >= 12,
        "expected at least 12 workloads in the README's table, found {names:?}"
    );
    let dir = scripts();
    let mut missing = Vec::new();
    for name in &names {
        for file in [
            format!("{name}.iv"),
            format!("expected/{name}.args"),
            format!("expected/{name}.out"),
        ] {
            if !dir.join(&file).is_file() {
                missing.push(format!("bench-scripts/{file}"));
            }
        }
    }
    assert!(missing.is_empty(), "missing: {missing:?}");
}

/// Runs one workload under one configuration; returns what is wrong, if
/// anything.
fn check(name: &str, args: &[String], expected: &str, config: &[&str]) -> Option<String> {
    let out = Command::new(env!("CARGO_BIN_EXE_vm"))
        .current_dir(root())
        .arg("run")
        .args(config)
        .arg(format!("bench-scripts/{name}.iv"))
        .args(args)
        .output()
        .unwrap();
    let what = format!(
        "vm run {} bench-scripts/{name}.iv {}",
        config.join(" "),
        args.join(" ")
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let mut problems = Vec::new();
    if !out.status.success() {
        problems.push(format!("exit status {:?}", out.status));
    }
    if !stderr.is_empty() {
        problems.push(format!("stderr:\n{stderr}"));
    }
    let mut lines = stdout.lines();
    let first = lines.next().unwrap_or("");
    if first != expected {
        problems.push(format!("first line {first:?}, expected {expected:?}"));
    }
    for line in lines {
        let words: Vec<&str> = line.split(' ').collect();
        let is_metric = words.len() == 3
            && words[0] == "metric"
            && !words[1].is_empty()
            && words[2].parse::<i64>().is_ok();
        if !is_metric {
            problems.push(format!("line {line:?} is not 'metric NAME INTEGER'"));
        }
    }
    (!problems.is_empty()).then(|| format!("{what}: {}", problems.join("; ")))
}

#[test]
fn every_workload_prints_its_expected_first_line() {
    let dir = scripts().join("expected");
    let mut jobs = Vec::new();
    for name in expected_workloads() {
        let args_text = std::fs::read_to_string(dir.join(format!("{name}.args"))).unwrap();
        let args: Vec<String> = args_text.split_whitespace().map(String::from).collect();
        assert_eq!(
            args.len(),
            2,
            "expected/{name}.args must be one line 'SIZE ISOLATES'"
        );
        let out_text = std::fs::read_to_string(dir.join(format!("{name}.out")))
            .unwrap_or_else(|_| panic!("expected/{name}.out is missing"));
        let expected = out_text.lines().next().unwrap_or("").to_string();
        for config in CONFIGS {
            jobs.push((name.clone(), args.clone(), expected.clone(), *config));
        }
    }
    // Two runners: the workloads are small, and most of their time is the
    // processes' start-up and the stress runs' collections.
    let next = std::sync::atomic::AtomicUsize::new(0);
    let problems = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some((name, args, expected, config)) = jobs.get(i) else {
                        break;
                    };
                    if let Some(problem) = check(name, args, expected, config) {
                        problems.lock().unwrap().push(problem);
                    }
                }
            });
        }
    });
    let problems = problems.into_inner().unwrap();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
