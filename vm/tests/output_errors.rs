//! End to end: what `vm` does when its output cannot be written.
//!
//! - A full disk (stdout on `/dev/full`) or a closed stdout (`>&-`): one
//!   line on stderr, `error: writing output: <reason>`, and exit code 1.
//! - A broken pipe (the reader has gone, as with `| head`): exit code 141,
//!   nothing on stderr, and a program printing forever stops.
//!
//! Never a panic (exit code 101, "panicked" on stderr), never exit 0 with
//! the output lost. Linux only: the tests use `/dev/full` and `/bin/sh`.

#![cfg(target_os = "linux")]

mod common;

use common::{root, temp_file, vm};
use std::io::Read;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

fn fib() -> String {
    root().join("examples/fib.iv").display().to_string()
}

/// A source whose disassembly is far larger than a pipe's buffer (64 KiB).
fn big_program() -> PathBuf {
    let mut source = String::from("fn main() {\n  let s = 0\n");
    for i in 0..4000 {
        source.push_str(&format!("  s = s + {i} * s - {i}\n"));
    }
    source.push_str("  print(s)\n}\n");
    temp_file("big.iv", &source)
}

/// A source with 20 compile errors, each quoting a 20 KB line: far more
/// diagnostics than a pipe's buffer holds.
fn many_errors() -> PathBuf {
    let mut source = String::from("fn main() {\n");
    for i in 0..25 {
        source.push_str(&format!(
            "  let x{i} = undefined{i} {}\n",
            "+ 1 ".repeat(5000)
        ));
    }
    source.push_str("}\n");
    temp_file("errors.iv", &source)
}

/// A program that prints forever.
fn endless_printer() -> PathBuf {
    temp_file(
        "endless.iv",
        "fn main() {\n  let i = 0\n  while true {\n    print(\"line\", i)\n    i = i + 1\n  }\n}\n",
    )
}

fn dev_full() -> Stdio {
    std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full")
        .into()
}

/// Waits for `child`, killing it (and failing) after 60 seconds.
fn wait_bounded(mut child: Child, what: &str) -> Output {
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        if start.elapsed() > Duration::from_secs(60) {
            child.kill().unwrap();
            panic!("{what}: still running after 60 s");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn assert_one_line_error(out: &Output, reason: &str, what: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{what}: {stderr}");
    assert_eq!(
        stderr,
        format!("error: writing output: {reason}\n"),
        "{what}"
    );
}

/// Every command that writes stdout, as arguments of `vm`.
fn commands() -> Vec<Vec<String>> {
    vec![
        vec!["run".into(), fib()],
        vec!["dis".into(), fib()],
        vec!["policies".into()],
        vec!["--help".into()],
        vec!["run".into(), "--help".into()],
        vec!["--version".into()],
    ]
}

#[test]
fn a_full_disk_is_one_line_and_exit_1() {
    for args in commands() {
        let out = vm()
            .args(&args)
            .stdout(dev_full())
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        assert_one_line_error(&out, "No space left on device", &args.join(" "));
    }
}

#[test]
fn a_full_disk_stops_a_program_printing_forever() {
    let child = vm()
        .arg("run")
        .arg(endless_printer())
        .stdout(dev_full())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let out = wait_bounded(child, "endless printer on /dev/full");
    assert_one_line_error(&out, "No space left on device", "endless printer");
}

#[test]
fn a_closed_stdout_is_one_line_and_exit_1() {
    for args in commands() {
        // The shell closes descriptor 1 before running vm.
        let out = Command::new("/bin/sh")
            .arg("-c")
            .arg("exec \"$0\" \"$@\" >&-")
            .arg(env!("CARGO_BIN_EXE_vm"))
            .args(&args)
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        assert_one_line_error(&out, "Bad file descriptor", &args.join(" "));
    }
}

#[test]
fn a_closed_stdout_is_fine_when_nothing_is_printed() {
    let quiet = temp_file("quiet.iv", "fn main() {\n  let x = 1\n}\n");
    let out = Command::new("/bin/sh")
        .arg("-c")
        .arg("exec \"$0\" run \"$1\" >&-")
        .arg(env!("CARGO_BIN_EXE_vm"))
        .arg(quiet)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stderr.is_empty());
}

#[test]
fn dev_null_is_not_a_closed_stdout() {
    let out = vm()
        .arg("run")
        .arg(fib())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stderr.is_empty());
}

#[test]
fn a_pipe_without_reader_ends_quietly_with_141() {
    for args in commands() {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let out = vm()
            .args(&args)
            .stdout(writer)
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(141), "{}: {stderr}", args.join(" "));
        assert_eq!(stderr, "", "{}", args.join(" "));
    }
}

/// Reads a little of `child`'s stdout, then closes it, as `| head -1` does.
fn read_then_close(child: &mut Child) {
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 100];
    stdout.read_exact(&mut first).unwrap();
    drop(stdout);
}

/// Runs `vm ARGS` with a reader that takes 100 bytes of its output and
/// leaves: the run must end quietly with 141.
fn ends_quietly_when_the_reader_leaves(args: &[&str], what: &str) {
    let mut child = vm()
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    read_then_close(&mut child);
    let out = wait_bounded(child, what);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(141), "{stderr}");
    assert_eq!(stderr, "");
}

#[test]
fn a_reader_that_leaves_early_ends_the_run_quietly() {
    let program = endless_printer();
    ends_quietly_when_the_reader_leaves(
        &["run", program.to_str().unwrap()],
        "endless printer into a closed pipe",
    );
}

#[test]
fn dis_into_a_reader_that_leaves_early_ends_quietly() {
    let program = big_program();
    ends_quietly_when_the_reader_leaves(
        &["dis", program.to_str().unwrap()],
        "vm dis into a closed pipe",
    );
}

#[test]
fn diagnostics_into_a_reader_that_leaves_early_end_quietly() {
    // `vm run bad.iv 2>&1 >/dev/null | head -c 100`
    let mut child = vm()
        .arg("run")
        .arg(many_errors())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let mut first = [0u8; 100];
    stderr.read_exact(&mut first).unwrap();
    assert!(first.starts_with(b"error") || first.contains(&b':'));
    drop(stderr);
    let out = wait_bounded(child, "diagnostics into a closed pipe");
    assert_eq!(out.status.code(), Some(141));
}

#[test]
fn diagnostics_without_a_reader_end_quietly() {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = vm()
        .arg("run")
        .arg(many_errors())
        .stdout(Stdio::null())
        .stderr(writer)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(141));
}

#[test]
fn diagnostics_on_a_full_disk_exit_1_without_panicking() {
    // Nowhere to say why: the exit code alone tells.
    let out = vm()
        .arg("run")
        .arg(many_errors())
        .stdout(Stdio::null())
        .stderr(dev_full())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn stats_and_failures_on_stderr_are_checked_too() {
    let failing = temp_file(
        "failing.iv",
        "fn main() {\n  print(1)\n  error(\"boom\")\n}\n",
    );
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = vm()
        .args(["run", "--stats"])
        .arg(&failing)
        .stdout(Stdio::piped())
        .stderr(writer)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(141));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "1\n");
}
