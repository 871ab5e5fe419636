//! What the end-to-end tests of `vm` share: the binary, the repository root,
//! scratch files, and running a program for its statistics.
//!
//! Invariant: every scratch file lives in a directory of its own per test
//! binary and process, and every `run_for_stats` run has files of its own,
//! so tests running side by side never share one.

#![allow(dead_code)] // each test binary uses its own part of this module

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value as Json;

/// A command running the `vm` binary under test.
pub fn vm() -> Command {
    Command::new(env!("CARGO_BIN_EXE_vm"))
}

/// The repository root (the workspace).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// A scratch path named `name`, in a directory of this test binary's own.
pub fn temp_path(name: &str) -> PathBuf {
    let binary = std::env::current_exe().unwrap();
    let stem = binary.file_stem().unwrap().to_string_lossy().into_owned();
    let dir = std::env::temp_dir().join(format!("vm-{stem}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// Writes `bytes` to the scratch file `name` and returns its path. The file
/// appears whole (written aside, then renamed into place), so two tests
/// writing the same file side by side never let a run read half of it.
pub fn temp_file(name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
    static WRITES: AtomicUsize = AtomicUsize::new(0);
    let path = temp_path(name);
    let aside = temp_path(&format!(
        "{name}.{}.part",
        WRITES.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::write(&aside, bytes).unwrap();
    std::fs::rename(&aside, &path).unwrap();
    path
}

/// Runs `source` as `vm run FLAGS --stats-json F PROGRAM ARGS`, checks that
/// it succeeded, and returns its output and the statistics document.
pub fn run_for_stats(name: &str, source: &str, flags: &[&str], args: &[&str]) -> (Output, Json) {
    // Tests of one binary run side by side and may run the same program:
    // each run gets files of its own.
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    let name = format!("{name}-{}", RUNS.fetch_add(1, Ordering::Relaxed));
    let program = temp_file(&format!("{name}.iv"), source);
    let stats = temp_path(&format!("{name}.json"));
    let out = vm()
        .arg("run")
        .args(flags)
        .arg("--stats-json")
        .arg(&stats)
        .arg(&program)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json = serde_json::from_str(&std::fs::read_to_string(&stats).unwrap()).unwrap();
    (out, json)
}

/// The unsigned integer at `path` in a statistics document.
pub fn u64_at(json: &Json, path: &[&str]) -> u64 {
    path.iter()
        .fold(json, |j, k| &j[k])
        .as_u64()
        .unwrap_or_else(|| panic!("no {path:?} in {json}"))
}
