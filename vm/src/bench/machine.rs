//! The description of the machine a sweep ran on, for `results.json` and
//! `summary.md`.
//!
//! Invariant: every field is read from the system (Linux `/proc`,
//! `/etc/os-release`, the clock, `git` when the sweep runs inside a
//! checkout) and is `None` where it cannot be read; nothing is guessed.
//! `git` is only asked read-only questions.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;

/// Where and when a sweep ran.
#[derive(Clone, Debug, Serialize)]
pub struct Machine {
    pub cores: u32,
    pub cpu_model: Option<String>,
    pub memory_bytes: Option<u64>,
    pub os: Option<String>,
    pub kernel: Option<String>,
    /// UTC, `YYYY-MM-DDTHH:MM:SSZ`.
    pub date: String,
    pub git_commit: Option<String>,
    /// Whether the checkout had uncommitted changes to tracked files
    /// (outside the sweep's own output directory, which a re-run rewrites,
    /// when that directory is inside the checkout); `None` when git could
    /// not tell.
    pub git_dirty: Option<bool>,
    pub vm_binary: String,
}

/// The cores this process may use.
pub fn cores() -> u32 {
    std::thread::available_parallelism()
        .map(|n| u32::try_from(n.get()).unwrap_or(u32::MAX))
        .unwrap_or(1)
}

impl Machine {
    /// Describes this machine; `repo` is where to ask git, and changes
    /// under `output` (the sweep's own results) do not count as uncommitted.
    pub fn describe(vm_binary: &Path, repo: &Path, output: &Path) -> Machine {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let os_release = std::fs::read_to_string("/etc/os-release").unwrap_or_default();
        let git_commit = git(repo, &["rev-parse", "HEAD"]);
        let git_dirty = git_commit.as_ref().and_then(|_| dirty(repo, output));
        Machine {
            cores: cores(),
            cpu_model: value_of(&cpuinfo, "model name", ':').map(str::to_string),
            memory_bytes: value_of(&meminfo, "MemTotal", ':')
                .and_then(|v| v.trim_end_matches("kB").trim().parse::<u64>().ok())
                .map(|kib| kib * 1024),
            os: value_of(&os_release, "PRETTY_NAME", '=')
                .map(|v| v.trim_matches('"').to_string())
                .or_else(|| Some(std::env::consts::OS.to_string())),
            kernel: std::fs::read_to_string("/proc/sys/kernel/osrelease")
                .ok()
                .map(|s| s.trim().to_string()),
            date: utc_date(SystemTime::now()),
            git_commit,
            git_dirty,
            vm_binary: vm_binary.display().to_string(),
        }
    }

    /// One line for humans: `2 cores, Intel Xeon, 23.5 GiB, Debian 12`.
    pub fn one_line(&self) -> String {
        let mut parts = vec![format!("{} cores", self.cores)];
        parts.extend(self.cpu_model.clone());
        if let Some(bytes) = self.memory_bytes {
            parts.push(format!("{:.1} GiB", bytes as f64 / (1u64 << 30) as f64));
        }
        parts.extend(self.os.clone());
        parts.join(", ")
    }
}

/// The value of the first `key SEP value` line of `text`.
fn value_of<'a>(text: &'a str, key: &str, sep: char) -> Option<&'a str> {
    text.lines().find_map(|line| {
        let (k, v) = line.split_once(sep)?;
        (k.trim() == key).then(|| v.trim())
    })
}

/// Whether the checkout at `repo` has uncommitted changes to tracked files
/// outside `output`; `None` when git cannot tell.
///
/// `output` is left out with an exclude pathspec only when it lies inside
/// the work tree: git refuses a pathspec outside the repository, and the
/// refusal once read as "no changes" for every `--out` elsewhere.
fn dirty(repo: &Path, output: &Path) -> Option<bool> {
    let top = PathBuf::from(git(repo, &["rev-parse", "--show-toplevel"])?);
    let top = std::fs::canonicalize(&top).unwrap_or(top);
    let output = std::fs::canonicalize(output).unwrap_or_else(|_| output.to_path_buf());
    let mut status = vec![
        "status".to_string(),
        "--porcelain".into(),
        "--untracked-files=no".into(),
        "--".into(),
        ":/".into(),
    ];
    if output.starts_with(&top) {
        status.push(format!(":(exclude,literal){}", output.display()));
    }
    let status: Vec<&str> = status.iter().map(String::as_str).collect();
    git(repo, &status).map(|s| !s.is_empty())
}

fn git(repo: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(args)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// `YYYY-MM-DDTHH:MM:SSZ` for a time after the epoch.
pub fn utc_date(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (days, rest) = (secs / 86_400, secs % 86_400);
    // Howard Hinnant's civil_from_days, for days since 1970-01-01.
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn dates_are_civil_utc() {
        assert_eq!(utc_date(UNIX_EPOCH), "1970-01-01T00:00:00Z");
        let leap = UNIX_EPOCH + Duration::from_secs(951_782_400 + 3661);
        assert_eq!(utc_date(leap), "2000-02-29T01:01:01Z");
        let later = UNIX_EPOCH + Duration::from_secs(1_767_225_599);
        assert_eq!(utc_date(later), "2025-12-31T23:59:59Z");
    }

    #[test]
    fn key_value_lines() {
        let cpuinfo = "processor\t: 0\nmodel name\t: Some CPU @ 2GHz\n";
        assert_eq!(
            value_of(cpuinfo, "model name", ':'),
            Some("Some CPU @ 2GHz")
        );
        assert_eq!(
            value_of("A=1\nPRETTY_NAME=\"X 1\"", "PRETTY_NAME", '='),
            Some("\"X 1\"")
        );
        assert_eq!(value_of("", "x", ':'), None);
    }

    #[test]
    fn this_machine_describes_itself() {
        let m = Machine::describe(Path::new("vm"), Path::new("."), Path::new("target"));
        assert!(m.cores >= 1);
        assert!(m.one_line().starts_with(&format!("{} cores", m.cores)));
        assert_eq!(m.date.len(), 20);
    }
}
