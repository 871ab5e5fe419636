//! Expanding a suite into the list of configurations a sweep runs.
//!
//! Invariant: expansion is a pure function of the suite, the request and the
//! environment (which files and programs exist), so a printed plan and an
//! executed plan are the same plan, in the same order: for each workload,
//! the `vm` runs (policy by policy, isolate count by isolate count), then
//! the forked baseline, then each peer. Each configuration carries the exact
//! argument vectors its processes run and the shell line that reproduces
//! them; anything left out is left out with a [`Note`] saying why.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::shell;
use super::suite::{ProfileName, Suite, Workload};

/// What the command line asks for, on top of the suite.
#[derive(Clone, Debug)]
pub struct Request {
    pub profile: ProfileName,
    /// Workload names to run; empty runs them all.
    pub only: Vec<String>,
    pub repeats: Option<u32>,
    pub warmups: Option<u32>,
    pub isolates: Option<Vec<u32>>,
    pub threads: Option<u32>,
    pub peers: bool,
}

/// What the machine offers.
pub struct Environment<'a> {
    /// The `vm` program every `vm` configuration runs.
    pub vm: PathBuf,
    /// Where each run's stdout, stderr and statistics go.
    pub raw_dir: PathBuf,
    /// Available cores (the default worker-thread count).
    pub cores: u32,
    pub file_exists: &'a dyn Fn(&Path) -> bool,
    pub program_found: &'a dyn Fn(&str) -> bool,
}

/// The settings every configuration of the sweep shares.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    pub profile: ProfileName,
    pub policies: Vec<String>,
    /// Ascending, without duplicates.
    pub isolates: Vec<u32>,
    pub repeats: u32,
    pub warmups: u32,
    /// `--threads` of every `vm` configuration (forked processes use 1).
    pub threads: u32,
    pub timeout: Duration,
}

/// Who runs a configuration.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Runner {
    /// One `vm` process under a policy.
    Vm(String),
    /// `ISOLATES` `vm` processes at once, one isolate each, policy `local`.
    Forked,
    /// A peer runtime, by its name in the suite.
    Peer(String),
}

/// The policy the forked baseline's processes run under.
pub const FORKED_POLICY: &str = "local";

impl Runner {
    /// `vm`, `forked` or the peer's name: the `runner` column.
    pub fn name(&self) -> &str {
        match self {
            Runner::Vm(_) => "vm",
            Runner::Forked => "forked",
            Runner::Peer(name) => name,
        }
    }

    /// The `policy` column (`-` for peers, whose collectors are their own).
    pub fn policy(&self) -> &str {
        match self {
            Runner::Vm(policy) => policy,
            Runner::Forked => FORKED_POLICY,
            Runner::Peer(_) => "-",
        }
    }

    /// A short label for tables and legends: `local`, `forked`, `ruby`.
    pub fn label(&self) -> &str {
        match self {
            Runner::Vm(policy) => policy,
            other => other.name(),
        }
    }
}

/// One process of a configuration, with where its output goes.
#[derive(Clone, Debug, PartialEq)]
pub struct Process {
    pub argv: Vec<String>,
    pub stdout: PathBuf,
    pub stderr: PathBuf,
    pub stats_json: Option<PathBuf>,
}

/// One configuration: a cell of the matrix.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// Unique in the plan, safe in file names: `alloc_tasks.vm-local.i2`.
    pub id: String,
    pub workload: String,
    pub runner: Runner,
    pub isolates: u32,
    pub size: u64,
    /// Worker threads of each `vm` process; `None` for peers.
    pub threads: Option<u32>,
    /// Started together and timed as a group (one, except for `forked`).
    pub processes: Vec<Process>,
    /// A shell line that runs the same processes.
    pub command: String,
    /// Configurations with the same key must print the same first line;
    /// `None`: compared only among its own runs.
    pub checksum_group: Option<String>,
}

/// Something the plan leaves out, and why.
#[derive(Clone, Debug, PartialEq)]
pub struct Note {
    /// The workload concerned, or `None` for the whole sweep.
    pub workload: Option<String>,
    pub text: String,
}

/// The expanded sweep.
#[derive(Clone, Debug)]
pub struct Plan {
    pub settings: Settings,
    pub configs: Vec<Config>,
    pub notes: Vec<Note>,
}

impl Plan {
    /// Runs (warm-ups included) the sweep will make: a forked group is one.
    pub fn total_runs(&self) -> u64 {
        let per = u64::from(self.settings.warmups + self.settings.repeats);
        self.configs.len() as u64 * per
    }
}

/// Expands `suite` as `request` asks, on the machine `env` describes.
pub fn expand(suite: &Suite, request: &Request, env: &Environment) -> Result<Plan, String> {
    for name in &request.only {
        if !suite.workloads.iter().any(|w| &w.name == name) {
            let known: Vec<&str> = suite.workloads.iter().map(|w| w.name.as_str()).collect();
            return Err(format!(
                "--only: no workload `{name}` in the suite (it has: {})",
                known.join(", ")
            ));
        }
    }
    let profile = suite.profile(request.profile);
    let threads = request
        .threads
        .or(suite.threads)
        .unwrap_or(env.cores)
        .max(1);
    let mut notes = Vec::new();
    let mut isolates = request
        .isolates
        .clone()
        .unwrap_or_else(|| profile.isolates.clone());
    isolates.sort_unstable();
    isolates.dedup();
    if profile.cap_isolates_at_threads && request.isolates.is_none() {
        let dropped: Vec<String> = isolates
            .iter()
            .filter(|&&n| n > threads)
            .map(u32::to_string)
            .collect();
        if !dropped.is_empty() {
            notes.push(Note {
                workload: None,
                text: format!(
                    "isolate counts {} left out: above the {threads} worker threads \
                     (the profile caps at threads; pass --isolates to force them)",
                    dropped.join(", ")
                ),
            });
        }
        isolates.retain(|&n| n <= threads);
    }
    let settings = Settings {
        profile: request.profile,
        policies: suite.policies.clone(),
        isolates,
        repeats: request.repeats.unwrap_or(profile.repeats).max(1),
        warmups: request.warmups.unwrap_or(profile.warmups),
        threads,
        timeout: Duration::from_secs(profile.timeout_s),
    };
    if !request.peers {
        notes.push(Note {
            workload: None,
            text: "peers not run (--no-peers)".into(),
        });
    }
    let mut configs = Vec::new();
    for w in &suite.workloads {
        if !request.only.is_empty() && !request.only.contains(&w.name) {
            continue;
        }
        let note = |text: String| Note {
            workload: Some(w.name.clone()),
            text,
        };
        let size = match request.profile {
            ProfileName::Quick => w.size.quick,
            ProfileName::Full => Some(w.size.full),
        };
        let Some(size) = size else {
            notes.push(note(
                "no `size.quick` in the suite: not part of --quick".into(),
            ));
            continue;
        };
        let script = suite.resolve(&w.script);
        if !(env.file_exists)(&script) {
            notes.push(note(format!(
                "{} does not exist: skipped",
                script.display()
            )));
            continue;
        }
        let counts: Vec<u32> = settings
            .isolates
            .iter()
            .copied()
            .filter(|&n| n >= w.min_isolates)
            .collect();
        if counts.is_empty() {
            notes.push(note(format!(
                "needs at least {} isolates, more than the sweep's counts: skipped",
                w.min_isolates
            )));
            continue;
        }
        let cell = Cell {
            workload: w,
            script: &script,
            size,
            env,
        };
        for policy in &settings.policies {
            for &n in &counts {
                configs.push(cell.vm(policy, n, settings.threads));
            }
        }
        if w.forkable {
            for &n in &counts {
                configs.push(cell.forked(n));
            }
        }
        for (peer, peer_script) in &w.peers {
            if !request.peers {
                continue;
            }
            let template = &suite.peers[peer].command;
            let program = template.split_whitespace().next().unwrap_or_default();
            if !(env.program_found)(program) {
                notes.push(note(format!(
                    "peer {peer}: `{program}` is not installed (bench-scripts/peers/install.sh): skipped"
                )));
                continue;
            }
            let peer_script = suite.resolve(peer_script);
            if !(env.file_exists)(&peer_script) {
                notes.push(note(format!(
                    "peer {peer}: {} does not exist: skipped",
                    peer_script.display()
                )));
                continue;
            }
            for &n in &counts {
                configs.push(cell.peer(peer, template, &peer_script, n));
            }
        }
    }
    Ok(Plan {
        settings,
        configs,
        notes,
    })
}

/// One workload at one size: builds its configurations.
struct Cell<'a> {
    workload: &'a Workload,
    script: &'a Path,
    size: u64,
    env: &'a Environment<'a>,
}

impl Cell<'_> {
    fn checksum_group(&self, isolates: u32) -> String {
        if self.workload.checksum_depends_on_isolates {
            format!("{}@{isolates}", self.workload.name)
        } else {
            self.workload.name.clone()
        }
    }

    fn files(&self, stem: &str) -> (PathBuf, PathBuf, PathBuf) {
        let raw = &self.env.raw_dir;
        (
            raw.join(format!("{stem}.stdout")),
            raw.join(format!("{stem}.stderr")),
            raw.join(format!("{stem}.stats.json")),
        )
    }

    /// `vm run --gc POLICY --threads T --stats-json FILE SCRIPT SIZE ISOLATES`.
    fn vm_argv(&self, policy: &str, threads: u32, stats: &str, size: u64, n: u32) -> Vec<String> {
        vec![
            self.env.vm.display().to_string(),
            "run".into(),
            "--gc".into(),
            policy.into(),
            "--threads".into(),
            threads.to_string(),
            "--stats-json".into(),
            stats.into(),
            self.script.display().to_string(),
            size.to_string(),
            n.to_string(),
        ]
    }

    fn vm(&self, policy: &str, n: u32, threads: u32) -> Config {
        let id = format!("{}.vm-{policy}.i{n}", self.workload.name);
        let (stdout, stderr, stats) = self.files(&id);
        let argv = self.vm_argv(policy, threads, &stats.display().to_string(), self.size, n);
        Config {
            command: shell::join(&argv),
            id,
            workload: self.workload.name.clone(),
            runner: Runner::Vm(policy.to_string()),
            isolates: n,
            size: self.size,
            threads: Some(threads),
            processes: vec![Process {
                argv,
                stdout,
                stderr,
                stats_json: Some(stats),
            }],
            checksum_group: Some(self.checksum_group(n)),
        }
    }

    /// `n` processes, each one isolate on one thread doing `size / n`.
    fn forked(&self, n: u32) -> Config {
        let id = format!("{}.forked.i{n}", self.workload.name);
        let share = (self.size / u64::from(n)).max(1);
        let processes: Vec<Process> = (1..=n)
            .map(|p| {
                let (stdout, stderr, stats) = self.files(&format!("{id}.p{p}"));
                let argv = self.vm_argv(FORKED_POLICY, 1, &stats.display().to_string(), share, 1);
                Process {
                    argv,
                    stdout,
                    stderr,
                    stats_json: Some(stats),
                }
            })
            .collect();
        let command = if n == 1 {
            shell::join(&processes[0].argv)
        } else {
            // One line for all n: the stats path differs only in `$p`.
            let stats = self.env.raw_dir.join(format!("{id}.p"));
            let mut words: Vec<String> =
                processes[0].argv.iter().map(|w| shell::quote(w)).collect();
            words[7] = format!(
                "{}\"$p\"{}",
                shell::quote(&stats.display().to_string()),
                shell::quote(".stats.json")
            );
            let list: Vec<String> = (1..=n).map(|p| p.to_string()).collect();
            format!(
                "for p in {}; do {} & done; wait",
                list.join(" "),
                words.join(" ")
            )
        };
        Config {
            id,
            workload: self.workload.name.clone(),
            runner: Runner::Forked,
            isolates: n,
            size: self.size,
            threads: Some(1),
            processes,
            command,
            // Only the one-process group does the same work as the others.
            checksum_group: (n == 1).then(|| self.checksum_group(1)),
        }
    }

    fn peer(&self, peer: &str, template: &str, script: &Path, n: u32) -> Config {
        let id = format!("{}.{peer}.i{n}", self.workload.name);
        let (stdout, stderr, _) = self.files(&id);
        let argv: Vec<String> = template
            .split_whitespace()
            .map(|word| {
                word.replace("{script}", &script.display().to_string())
                    .replace("{size}", &self.size.to_string())
                    .replace("{isolates}", &n.to_string())
            })
            .collect();
        Config {
            command: shell::join(&argv),
            id,
            workload: self.workload.name.clone(),
            runner: Runner::Peer(peer.to_string()),
            isolates: n,
            size: self.size,
            threads: None,
            processes: vec![Process {
                argv,
                stdout,
                stderr,
                stats_json: None,
            }],
            checksum_group: Some(self.checksum_group(n)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SUITE: &str = r#"{
        "policies": ["local", "global-only"],
        "profiles": {
            "quick": { "isolates": [2, 1, 2], "repeats": 2, "warmups": 1 },
            "full": { "isolates": [1, 2, 4, 8], "repeats": 5, "cap_isolates_at_threads": true }
        },
        "peers": {
            "ruby": { "command": "ruby {script} {size} {isolates}" },
            "lua": { "command": "lua5.4 {script} {size} {isolates}" }
        },
        "workloads": [
            { "name": "alloc", "script": "alloc.iv", "size": { "quick": 100, "full": 1000 },
              "forkable": true, "peers": { "ruby": "peers/alloc.rb", "lua": "peers/alloc.lua" } },
            { "name": "ring", "script": "ring.iv", "size": { "quick": 10, "full": 100 },
              "checksum_depends_on_isolates": true, "min_isolates": 2 },
            { "name": "gone", "script": "gone.iv", "size": { "quick": 10, "full": 100 } },
            { "name": "slow", "script": "slow.iv", "size": { "full": 100 } }
        ]
    }"#;

    fn request(profile: ProfileName) -> Request {
        Request {
            profile,
            only: vec![],
            repeats: None,
            warmups: None,
            isolates: None,
            threads: None,
            peers: true,
        }
    }

    fn plan(request: &Request) -> Result<Plan, String> {
        let suite = Suite::parse(SUITE, PathBuf::from("s")).unwrap();
        let exists = |p: &Path| !p.ends_with("gone.iv") && !p.ends_with("alloc.lua");
        let found = |program: &str| program == "ruby" || program == "lua5.4";
        let env = Environment {
            vm: PathBuf::from("/bin/vm"),
            raw_dir: PathBuf::from("out/raw"),
            cores: 2,
            file_exists: &exists,
            program_found: &found,
        };
        expand(&suite, request, &env)
    }

    fn ids(plan: &Plan) -> Vec<&str> {
        plan.configs.iter().map(|c| c.id.as_str()).collect()
    }

    #[test]
    fn quick_matrix_is_policies_by_counts_then_forked_then_peers() {
        let p = plan(&request(ProfileName::Quick)).unwrap();
        assert_eq!(p.settings.isolates, [1, 2]);
        assert_eq!((p.settings.repeats, p.settings.warmups), (2, 1));
        assert_eq!(p.settings.threads, 2);
        assert_eq!(
            ids(&p),
            [
                "alloc.vm-local.i1",
                "alloc.vm-local.i2",
                "alloc.vm-global-only.i1",
                "alloc.vm-global-only.i2",
                "alloc.forked.i1",
                "alloc.forked.i2",
                "alloc.ruby.i1",
                "alloc.ruby.i2",
                "ring.vm-local.i2",
                "ring.vm-global-only.i2",
            ]
        );
        assert_eq!(p.total_runs(), 10 * 3);
        let notes: Vec<String> = p
            .notes
            .iter()
            .map(|n| format!("{:?}: {}", n.workload, n.text))
            .collect();
        assert_eq!(notes.len(), 3, "{notes:?}");
        assert!(notes[0].contains("alloc") && notes[0].contains("alloc.lua does not exist"));
        assert!(notes[1].contains("gone") && notes[1].contains("s/gone.iv does not exist"));
        assert!(notes[2].contains("slow") && notes[2].contains("size.quick"));
    }

    #[test]
    fn configurations_carry_exact_commands() {
        let p = plan(&request(ProfileName::Quick)).unwrap();
        let c = |id: &str| p.configs.iter().find(|c| c.id == id).unwrap();
        assert_eq!(
            c("alloc.vm-global-only.i2").command,
            "/bin/vm run --gc global-only --threads 2 --stats-json \
             out/raw/alloc.vm-global-only.i2.stats.json s/alloc.iv 100 2"
        );
        let forked = c("alloc.forked.i2");
        assert_eq!(forked.processes.len(), 2);
        assert_eq!(
            forked.processes[1].argv.join(" "),
            "/bin/vm run --gc local --threads 1 --stats-json \
             out/raw/alloc.forked.i2.p2.stats.json s/alloc.iv 50 1"
        );
        assert_eq!(
            forked.command,
            "for p in 1 2; do /bin/vm run --gc local --threads 1 --stats-json \
             out/raw/alloc.forked.i2.p\"$p\".stats.json s/alloc.iv 50 1 & done; wait"
        );
        assert_eq!(
            c("alloc.forked.i1").command,
            c("alloc.forked.i1").processes[0].argv.join(" ")
        );
        assert_eq!(c("alloc.ruby.i2").command, "ruby s/peers/alloc.rb 100 2");
        assert_eq!(c("alloc.ruby.i2").processes[0].stats_json, None);
    }

    #[test]
    fn checksum_groups_follow_the_workload_flags() {
        let p = plan(&request(ProfileName::Quick)).unwrap();
        let group = |id: &str| {
            p.configs
                .iter()
                .find(|c| c.id == id)
                .unwrap()
                .checksum_group
                .clone()
        };
        assert_eq!(group("alloc.vm-local.i2").as_deref(), Some("alloc"));
        assert_eq!(group("alloc.forked.i1").as_deref(), Some("alloc"));
        assert_eq!(group("alloc.forked.i2"), None);
        assert_eq!(group("alloc.ruby.i1").as_deref(), Some("alloc"));
        assert_eq!(group("ring.vm-local.i2").as_deref(), Some("ring@2"));
    }

    #[test]
    fn full_profile_caps_counts_at_threads_unless_forced() {
        let p = plan(&request(ProfileName::Full)).unwrap();
        assert_eq!(p.settings.isolates, [1, 2]);
        assert!(p.notes[0].text.contains("4, 8 left out"), "{:?}", p.notes);
        assert!(ids(&p).contains(&"slow.vm-local.i1"));
        let mut forced = request(ProfileName::Full);
        forced.isolates = Some(vec![8, 1]);
        forced.threads = Some(4);
        let p = plan(&forced).unwrap();
        assert_eq!(p.settings.isolates, [1, 8]);
        assert_eq!(p.settings.threads, 4);
        assert!(ids(&p).contains(&"alloc.vm-local.i8"));
    }

    #[test]
    fn only_and_no_peers_narrow_the_matrix() {
        let mut r = request(ProfileName::Quick);
        r.only = vec!["ring".into()];
        r.peers = false;
        r.repeats = Some(1);
        r.warmups = Some(0);
        let p = plan(&r).unwrap();
        assert_eq!(ids(&p), ["ring.vm-local.i2", "ring.vm-global-only.i2"]);
        assert_eq!(p.total_runs(), 2);
        assert!(p.notes.iter().any(|n| n.text.contains("--no-peers")));
        r.only = vec!["nope".into()];
        let err = plan(&r).unwrap_err();
        assert!(err.contains("nope") && err.contains("alloc, ring"), "{err}");
    }

    #[test]
    fn missing_peer_runtime_is_a_note() {
        let suite = Suite::parse(SUITE, PathBuf::from("s")).unwrap();
        let env = Environment {
            vm: PathBuf::from("vm"),
            raw_dir: PathBuf::from("raw"),
            cores: 1,
            file_exists: &|_| true,
            program_found: &|_| false,
        };
        let mut r = request(ProfileName::Quick);
        r.only = vec!["alloc".into()];
        let p = expand(&suite, &r, &env).unwrap();
        assert!(
            p.configs
                .iter()
                .all(|c| !matches!(c.runner, Runner::Peer(_)))
        );
        let texts: Vec<&str> = p.notes.iter().map(|n| n.text.as_str()).collect();
        assert!(
            texts.iter().any(|t| t.contains("`ruby` is not installed")),
            "{texts:?}"
        );
        assert!(
            texts
                .iter()
                .any(|t| t.contains("`lua5.4` is not installed")),
            "{texts:?}"
        );
    }
}
