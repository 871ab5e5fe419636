//! The sweep's configuration, `suite.json`: which workloads, sizes, isolate
//! counts, policies and peers `vm bench` runs.
//!
//! Invariant: a [`Suite`] that [`Suite::load`] returns is valid as a whole:
//! every field is known and well typed, every policy builds with its
//! default options, workload names are unique and safe in file names, every
//! peer a workload names is defined, and every profile has at least one
//! isolate count and one repeat. Nothing is checked later that could have
//! been checked here, except whether scripts and peer runtimes exist, which
//! the matrix notes (a missing one is skipped, not an error).
//!
//! # Schema
//!
//! JSON has no comments, so this is the reference. Paths are relative to the
//! directory holding the suite file. Unknown fields are errors (a typo must
//! not silently become a default).
//!
//! ```json
//! {
//!   "policies": ["local", "global-only"],
//!   "threads": null,
//!   "profiles": {
//!     "quick": { "isolates": [1, 2], "repeats": 3, "warmups": 1, "timeout_s": 60 },
//!     "full": { "isolates": [1, 2, 4, 8, 16], "repeats": 5, "warmups": 1,
//!               "timeout_s": 1800, "cap_isolates_at_threads": true }
//!   },
//!   "peers": {
//!     "ruby": { "command": "ruby {script} {size} {isolates}" }
//!   },
//!   "workloads": [
//!     { "name": "alloc_tasks", "script": "alloc_tasks.iv",
//!       "size": { "quick": 200000, "full": 16000000 },
//!       "forkable": true, "talk": true,
//!       "peers": { "ruby": "peers/alloc_tasks.rb" } }
//!   ]
//! }
//! ```
//!
//! Top level:
//!
//! - `policies` (strings, default `["local", "global-only"]`): the `--gc`
//!   policies every `vm` configuration runs under, in this order.
//! - `threads` (integer or `null`, default `null`): `--threads` for every
//!   `vm` run; `null` means the machine's available cores. The
//!   forked-processes baseline always runs each process with one thread.
//! - `profiles.quick`, `profiles.full`: the two matrices (`vm bench --quick`
//!   selects the first). Each has `isolates` (the isolate counts, ascending
//!   order not required), `repeats` (timed runs per configuration, at least
//!   1), `warmups` (untimed runs before them, default 0), `timeout_s` (a run
//!   killed past it counts as failed, default 600) and
//!   `cap_isolates_at_threads` (default `false`: when `true`, isolate counts
//!   above the worker-thread count are dropped, with a note).
//! - `peers`: peer runtimes by name. `command` is split on whitespace (no
//!   shell) and each word has `{script}`, `{size}` and `{isolates}`
//!   replaced; its first word is the program, looked up on `PATH` (a missing
//!   one skips the peer with a note).
//! - `workloads`: the benchmark programs, run in this order.
//!
//! A workload:
//!
//! - `name` (required; letters, digits, `_` and `-`): its name in tables,
//!   file names and `--only`.
//! - `script` (required): the `.iv` program (`vm run SCRIPT SIZE ISOLATES`).
//!   A missing file skips the workload with a note.
//! - `size.quick`, `size.full` (integers, at least 1): `SIZE` in each
//!   profile. A workload with no `size.quick` is left out of `--quick`.
//! - `forkable` (default `false`): also run the forked-processes baseline.
//! - `talk` (default `false`): one of the Ractor-local GC talk's workloads;
//!   its time and speedup figures are drawn even with one isolate count.
//! - `checksum_depends_on_isolates` (default `false`): the first output line
//!   differs between isolate counts, so it is compared only among
//!   configurations of the same count.
//! - `min_isolates` (default 1): isolate counts below it are not run.
//! - `memory_figure` (default `false`): draw the dead-shareable memory
//!   figure for it (meant for `shareable_churn`).
//! - `peers` (object, default empty): peer name (a key of the top-level
//!   `peers`) to that peer's program for this workload (`{script}`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// A parsed and validated suite file.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Suite {
    #[serde(default = "default_policies")]
    pub policies: Vec<String>,
    #[serde(default)]
    pub threads: Option<u32>,
    pub profiles: Profiles,
    #[serde(default)]
    pub peers: BTreeMap<String, PeerRuntime>,
    pub workloads: Vec<Workload>,
    /// The directory the suite's relative paths start from (not in the file).
    #[serde(skip)]
    pub dir: PathBuf,
}

/// The two matrices a suite defines.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profiles {
    pub quick: Profile,
    pub full: Profile,
}

/// One matrix: isolate counts, repeats and limits.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub isolates: Vec<u32>,
    pub repeats: u32,
    #[serde(default)]
    pub warmups: u32,
    #[serde(default = "default_timeout_s")]
    pub timeout_s: u64,
    #[serde(default)]
    pub cap_isolates_at_threads: bool,
}

/// How to run a peer runtime.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeerRuntime {
    pub command: String,
}

/// One benchmark program and how the matrix treats it.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Workload {
    pub name: String,
    pub script: PathBuf,
    pub size: Sizes,
    #[serde(default)]
    pub forkable: bool,
    #[serde(default)]
    pub talk: bool,
    #[serde(default)]
    pub checksum_depends_on_isolates: bool,
    #[serde(default = "one")]
    pub min_isolates: u32,
    #[serde(default)]
    pub memory_figure: bool,
    #[serde(default)]
    pub peers: BTreeMap<String, PathBuf>,
}

/// `SIZE` per profile.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sizes {
    #[serde(default)]
    pub quick: Option<u64>,
    pub full: u64,
}

/// Which of the suite's two matrices runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProfileName {
    Quick,
    Full,
}

impl ProfileName {
    pub fn as_str(self) -> &'static str {
        match self {
            ProfileName::Quick => "quick",
            ProfileName::Full => "full",
        }
    }
}

fn default_policies() -> Vec<String> {
    vec!["local".to_string(), "global-only".to_string()]
}

fn default_timeout_s() -> u64 {
    600
}

fn one() -> u32 {
    1
}

impl Suite {
    /// Reads, parses and validates the suite file at `path`.
    pub fn load(path: &Path) -> Result<Suite, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read suite {}: {e}", path.display()))?;
        let dir = path.parent().unwrap_or(Path::new("")).to_path_buf();
        Suite::parse(&text, dir).map_err(|e| format!("suite {}: {e}", path.display()))
    }

    /// Parses and validates suite text whose relative paths start at `dir`.
    pub fn parse(text: &str, dir: PathBuf) -> Result<Suite, String> {
        let mut suite: Suite = serde_json::from_str(text).map_err(|e| e.to_string())?;
        suite.dir = dir;
        suite.validate()?;
        Ok(suite)
    }

    /// The profile `name` selects.
    pub fn profile(&self, name: ProfileName) -> &Profile {
        match name {
            ProfileName::Quick => &self.profiles.quick,
            ProfileName::Full => &self.profiles.full,
        }
    }

    /// A suite-relative path as a path from the current directory.
    pub fn resolve(&self, relative: &Path) -> PathBuf {
        normalize(&self.dir.join(relative))
    }

    fn validate(&self) -> Result<(), String> {
        if self.policies.is_empty() {
            return Err("`policies` is empty".into());
        }
        for policy in &self.policies {
            gc::PolicySpec::parse(policy, &[]).map_err(|e| format!("policy `{policy}`: {e}"))?;
        }
        if self.threads == Some(0) {
            return Err("`threads` must be at least 1 (or null for the cores)".into());
        }
        for (name, profile) in [
            ("quick", &self.profiles.quick),
            ("full", &self.profiles.full),
        ] {
            if profile.isolates.is_empty() || profile.isolates.contains(&0) {
                return Err(format!(
                    "profiles.{name}.isolates must list isolate counts of at least 1"
                ));
            }
            if profile.repeats == 0 {
                return Err(format!("profiles.{name}.repeats must be at least 1"));
            }
            if profile.timeout_s == 0 {
                return Err(format!("profiles.{name}.timeout_s must be at least 1"));
            }
        }
        for (name, peer) in &self.peers {
            check_name("peer", name)?;
            if peer.command.split_whitespace().next().is_none() {
                return Err(format!("peers.{name}.command is empty"));
            }
        }
        let mut seen = std::collections::BTreeSet::new();
        for w in &self.workloads {
            check_name("workload", &w.name)?;
            if !seen.insert(w.name.as_str()) {
                return Err(format!("workload `{}` is listed twice", w.name));
            }
            if w.size.full == 0 || w.size.quick == Some(0) {
                return Err(format!("workload `{}`: sizes must be at least 1", w.name));
            }
            if w.min_isolates == 0 {
                return Err(format!(
                    "workload `{}`: min_isolates must be at least 1",
                    w.name
                ));
            }
            for peer in w.peers.keys() {
                if !self.peers.contains_key(peer) {
                    return Err(format!(
                        "workload `{}` names peer `{peer}`, which `peers` does not define",
                        w.name
                    ));
                }
            }
        }
        Ok(())
    }
}

/// Names end up in file names and CSV cells: keep them plain.
fn check_name(what: &str, name: &str) -> Result<(), String> {
    let plain = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if plain {
        Ok(())
    } else {
        Err(format!(
            "{what} name `{name}` must be letters, digits, `_` and `-` only"
        ))
    }
}

/// Removes `.` components and folds `dir/..` pairs, without touching the
/// file system, so printed commands read `bench-scripts/x.iv` rather than
/// `vm/tests/bench/../../../bench-scripts/x.iv`.
pub fn normalize(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out: Vec<Component> = Vec::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => match out.last() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir) => {}
                _ => out.push(c),
            },
            _ => out.push(c),
        }
    }
    if out.is_empty() {
        PathBuf::from(".")
    } else {
        out.iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"{
        "profiles": {
            "quick": { "isolates": [1, 2], "repeats": 1 },
            "full": { "isolates": [1, 2, 4], "repeats": 3, "warmups": 1 }
        },
        "workloads": [
            { "name": "a", "script": "a.iv", "size": { "quick": 10, "full": 100 } }
        ]
    }"#;

    #[test]
    fn defaults_fill_in() {
        let s = Suite::parse(MINIMAL, PathBuf::from("dir")).unwrap();
        assert_eq!(s.policies, ["local", "global-only"]);
        assert_eq!(s.threads, None);
        assert_eq!(s.profiles.quick.warmups, 0);
        assert_eq!(s.profiles.quick.timeout_s, 600);
        let w = &s.workloads[0];
        assert!(!w.forkable && !w.talk && !w.checksum_depends_on_isolates);
        assert_eq!(w.min_isolates, 1);
        assert_eq!(s.resolve(&w.script), PathBuf::from("dir/a.iv"));
    }

    #[test]
    fn typos_and_bad_values_are_refused() {
        let typo = MINIMAL.replace("\"full\": 100", "\"ful\": 100");
        assert!(Suite::parse(&typo, PathBuf::new()).is_err());
        let bad_policy = MINIMAL.replace("\"profiles\"", "\"policies\": [\"nope\"], \"profiles\"");
        let err = Suite::parse(&bad_policy, PathBuf::new()).unwrap_err();
        assert!(err.contains("nope"), "{err}");
        let no_repeats = MINIMAL.replace("\"repeats\": 1", "\"repeats\": 0");
        assert!(Suite::parse(&no_repeats, PathBuf::new()).is_err());
        let bad_peer = MINIMAL.replace("\"a.iv\",", "\"a.iv\", \"peers\": {\"ruby\": \"a.rb\"},");
        let err = Suite::parse(&bad_peer, PathBuf::new()).unwrap_err();
        assert!(err.contains("ruby"), "{err}");
        let bad_name = MINIMAL.replace("\"name\": \"a\"", "\"name\": \"a b\"");
        assert!(Suite::parse(&bad_name, PathBuf::new()).is_err());
    }

    #[test]
    fn normalize_folds_parent_components() {
        assert_eq!(
            normalize(Path::new("vm/tests/bench/../../../bench-scripts/x.iv")),
            PathBuf::from("bench-scripts/x.iv")
        );
        assert_eq!(normalize(Path::new("../a/./b")), PathBuf::from("../a/b"));
        assert_eq!(normalize(Path::new("/../a")), PathBuf::from("/a"));
        assert_eq!(normalize(Path::new("a/..")), PathBuf::from("."));
    }
}
