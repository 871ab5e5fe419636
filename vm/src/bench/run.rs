//! Running one configuration once: start its processes, time them, collect
//! what they printed and the statistics they wrote.
//!
//! Invariant: the wall time of an [`Attempt`] runs from just before the
//! first process starts to the moment the last one is reaped (a waiter
//! thread per process blocks in `wait`, so no polling interval blurs it).
//! Every way a run can go wrong (cannot start, non-zero exit, killed at the
//! time limit, statistics missing or unreadable) becomes the attempt's
//! `failure` with the process's stderr, never a panic or an early return of
//! the sweep. Output goes to files (never pipes), so a chatty process cannot
//! block on a full pipe.

use std::fs::File;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::matrix::Process;
use super::vmstats::GcFigures;

/// One timed run of a configuration.
#[derive(Clone, Debug, PartialEq)]
pub struct Attempt {
    pub wall: Duration,
    /// Why the run failed; `None` when every process exited 0.
    pub failure: Option<String>,
    /// Each process's first output line (`None`: it printed nothing).
    pub first_lines: Vec<Option<String>>,
    /// `metric NAME VALUE` lines, of every process, in order.
    pub metrics: Vec<(String, f64)>,
    /// Output lines the contract does not allow (neither the first line nor
    /// a metric).
    pub stray_lines: Vec<String>,
    /// The collectors' figures (`vm` runs only; a group's combined).
    pub gc: Option<GcFigures>,
}

/// Keeps this much of a failing process's stderr.
const STDERR_TAIL: usize = 2000;

/// Runs `processes` together once, killing them after `timeout`.
pub fn execute(processes: &[Process], timeout: Duration) -> Attempt {
    let mut failures = Vec::new();
    for p in processes {
        if let Some(stats) = &p.stats_json {
            // A stale file from an earlier repeat must not pass for this one's.
            let _ = std::fs::remove_file(stats);
        }
    }
    let start = Instant::now();
    let mut children = Vec::new();
    for p in processes {
        match spawn(p) {
            Ok(child) => children.push(child),
            Err(e) => {
                failures.push(format!("cannot start `{}`: {e}", p.argv[0]));
                break;
            }
        }
    }
    let pids: Vec<u32> = children.iter().map(Child::id).collect();
    let (tx, rx) = mpsc::channel();
    for (i, mut child) in children.into_iter().enumerate() {
        let tx = tx.clone();
        std::thread::spawn(move || {
            let status = child.wait();
            let _ = tx.send((i, status, Instant::now()));
        });
    }
    drop(tx);
    let deadline = start + timeout;
    let mut statuses: Vec<Option<std::io::Result<ExitStatus>>> =
        (0..pids.len()).map(|_| None).collect();
    let mut end = start;
    let mut killed = !failures.is_empty();
    if killed {
        kill_unfinished(&pids, &statuses);
    }
    while statuses.iter().any(Option::is_none) {
        let received = if killed {
            rx.recv().map_err(|_| mpsc::RecvTimeoutError::Disconnected)
        } else {
            rx.recv_timeout(deadline.saturating_duration_since(Instant::now()))
        };
        match received {
            Ok((i, status, at)) => {
                statuses[i] = Some(status);
                end = end.max(at);
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                failures.push(format!(
                    "killed after the {} s time limit",
                    timeout.as_secs()
                ));
                kill_unfinished(&pids, &statuses);
                killed = true;
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    let wall = end.saturating_duration_since(start);
    collect(processes, &statuses, wall, failures)
}

fn spawn(p: &Process) -> std::io::Result<Child> {
    Command::new(&p.argv[0])
        .args(&p.argv[1..])
        .stdin(Stdio::null())
        .stdout(File::create(&p.stdout)?)
        .stderr(File::create(&p.stderr)?)
        .spawn()
}

/// Kills the processes not yet reaped. A process is reaped only by its
/// waiter thread, which reports it at once, so a pid listed here belongs to
/// our child or to its zombie, except in the instant between the reaping
/// and the report.
fn kill_unfinished(pids: &[u32], statuses: &[Option<std::io::Result<ExitStatus>>]) {
    for (pid, status) in pids.iter().zip(statuses) {
        if status.is_none() {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .stderr(Stdio::null())
                .status();
        }
    }
}

/// Reads what the processes left behind into an attempt.
fn collect(
    processes: &[Process],
    statuses: &[Option<std::io::Result<ExitStatus>>],
    wall: Duration,
    mut failures: Vec<String>,
) -> Attempt {
    let mut attempt = Attempt {
        wall,
        failure: None,
        first_lines: Vec::new(),
        metrics: Vec::new(),
        stray_lines: Vec::new(),
        gc: None,
    };
    let mut figures = Vec::new();
    let group = processes.len() > 1;
    for (i, p) in processes.iter().enumerate() {
        let who = if group {
            format!("process {}: ", i + 1)
        } else {
            String::new()
        };
        let stdout = std::fs::read_to_string(&p.stdout).unwrap_or_default();
        read_output(&stdout, &mut attempt);
        let ok = match statuses.get(i) {
            Some(Some(Ok(status))) if status.success() => true,
            Some(Some(Ok(status))) => {
                failures.push(format!("{who}{}", describe(*status)));
                false
            }
            Some(Some(Err(e))) => {
                failures.push(format!("{who}cannot wait for it: {e}"));
                false
            }
            // Never started, or killed: already recorded.
            _ => false,
        };
        if !ok {
            let tail = stderr_tail(&p.stderr);
            if !tail.is_empty() {
                failures.push(format!("{who}stderr:\n{tail}"));
            }
            continue;
        }
        if let Some(stats) = &p.stats_json {
            match read_stats(stats) {
                Ok(f) => figures.push(f),
                Err(e) => failures.push(format!("{who}{e}")),
            }
        }
    }
    if !figures.is_empty() && figures.len() == processes.len() {
        attempt.gc = Some(GcFigures::combine(&figures));
    }
    if !failures.is_empty() {
        attempt.failure = Some(failures.join("\n"));
    }
    attempt
}

/// Splits one process's stdout into its first line, metrics and the rest.
fn read_output(stdout: &str, attempt: &mut Attempt) {
    let mut lines = stdout.lines();
    attempt.first_lines.push(lines.next().map(str::to_string));
    for line in lines {
        match parse_metric(line) {
            Some(metric) => attempt.metrics.push(metric),
            None => attempt.stray_lines.push(line.to_string()),
        }
    }
}

/// `metric NAME VALUE` (VALUE an integer, or leniently any number).
pub fn parse_metric(line: &str) -> Option<(String, f64)> {
    let mut words = line.split_whitespace();
    if words.next()? != "metric" {
        return None;
    }
    let name = words.next()?;
    let value: f64 = words.next()?.parse().ok()?;
    if words.next().is_some() || !value.is_finite() {
        return None;
    }
    Some((name.to_string(), value))
}

fn describe(status: ExitStatus) -> String {
    match status.code() {
        Some(code) => format!("exited with status {code}"),
        None => format!("ended by a signal ({status})"),
    }
}

fn stderr_tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let text = text.trim_end();
    if text.len() <= STDERR_TAIL {
        return text.to_string();
    }
    let mut cut = text.len() - STDERR_TAIL;
    while !text.is_char_boundary(cut) {
        cut += 1;
    }
    format!("...{}", &text[cut..])
}

fn read_stats(path: &Path) -> Result<GcFigures, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("no statistics in {}: {e}", path.display()))?;
    GcFigures::from_stats_json(&text).map_err(|e| format!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("vm-bench-run-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn sh(dir: &Path, name: &str, script: &str) -> Process {
        Process {
            argv: vec!["sh".into(), "-c".into(), script.into()],
            stdout: dir.join(format!("{name}.out")),
            stderr: dir.join(format!("{name}.err")),
            stats_json: None,
        }
    }

    #[test]
    fn metrics_parse_strictly() {
        assert_eq!(
            parse_metric("metric ns_per_op 470"),
            Some(("ns_per_op".into(), 470.0))
        );
        assert_eq!(parse_metric("metric x -1.5"), Some(("x".into(), -1.5)));
        assert_eq!(parse_metric("metric x"), None);
        assert_eq!(parse_metric("metric x 1 2"), None);
        assert_eq!(parse_metric("ns per round trip: 470"), None);
        assert_eq!(parse_metric("metric x NaN"), None);
    }

    #[test]
    fn output_is_split_and_failures_keep_stderr() {
        let dir = scratch("split");
        let ok = sh(&dir, "ok", "echo 'sum: 42'; echo 'metric m 7'; echo stray");
        let a = execute(std::slice::from_ref(&ok), Duration::from_secs(30));
        assert_eq!(a.failure, None);
        assert_eq!(a.first_lines, [Some("sum: 42".to_string())]);
        assert_eq!(a.metrics, [("m".to_string(), 7.0)]);
        assert_eq!(a.stray_lines, ["stray"]);
        assert!(a.wall > Duration::ZERO);

        let bad = sh(&dir, "bad", "echo oops >&2; exit 3");
        let a = execute(&[bad], Duration::from_secs(30));
        let failure = a.failure.unwrap();
        assert!(
            failure.contains("status 3") && failure.contains("oops"),
            "{failure}"
        );

        let missing = Process {
            argv: vec!["/nonexistent/program".into()],
            ..sh(&dir, "missing", "")
        };
        let a = execute(&[missing], Duration::from_secs(30));
        assert!(a.failure.unwrap().contains("cannot start"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_group_is_timed_from_first_start_to_last_exit_and_killed_at_the_limit() {
        let dir = scratch("group");
        let group = [sh(&dir, "a", "echo a"), sh(&dir, "b", "sleep 0.3; echo b")];
        let a = execute(&group, Duration::from_secs(30));
        assert_eq!(a.failure, None);
        assert!(a.wall >= Duration::from_millis(300), "{:?}", a.wall);
        assert_eq!(a.first_lines, [Some("a".into()), Some("b".into())]);

        let slow = sh(&dir, "slow", "exec sleep 30");
        let started = Instant::now();
        let a = execute(&[slow], Duration::from_secs(1));
        assert!(started.elapsed() < Duration::from_secs(10));
        assert!(a.failure.unwrap().contains("time limit"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
