//! `vm bench`: the sweep runner. It expands `bench-scripts/suite.json` into
//! a matrix (workload × policy × isolate count, plus the forked-processes
//! baseline and peer runtimes), runs each configuration in its own process
//! with warm-ups and repeats, checks the workloads' first output lines, and
//! writes `results.csv`, `results.json`, `summary.md` and SVG figures.
//!
//! Invariant: a sweep always finishes and always writes its results: a
//! configuration that fails (cannot start, non-zero exit, time limit,
//! missing statistics) is recorded with its stderr and the sweep goes on; a
//! missing script or peer runtime is skipped with a note; only a broken
//! suite file, options that leave nothing to run (every selected workload
//! skipped) or an unwritable output directory stop `vm bench` before it
//! runs anything (exit code 2). Exit code 1 means a `vm` (or forked)
//! configuration failed or a first line mismatched; 0 that neither
//! happened.
//!
//! One concern per module:
//!
//! - [`suite`] parses and validates the `suite.json` schema;
//! - [`matrix`] expands a suite into configurations with their commands;
//! - [`shell`] quotes commands for printing;
//! - [`run`] runs one configuration once (processes, timing, output);
//! - [`vmstats`] reads the collector figures of `--stats-json`;
//! - [`check`] is the first-line consistency check;
//! - [`summary`] computes median, minimum and maximum;
//! - [`results`] holds per-configuration results and derived figures;
//! - [`machine`] describes the machine;
//! - [`output`] writes `results.csv` and `results.json`;
//! - [`markdown`] writes `summary.md`;
//! - [`figures`] draws the SVG figures;
//! - [`units`] formats human-readable units;
//! - [`progress`] shows the progress bar and stderr lines.

pub mod check;
pub mod figures;
pub mod machine;
pub mod markdown;
pub mod matrix;
pub mod output;
pub mod progress;
pub mod results;
pub mod run;
pub mod shell;
pub mod suite;
pub mod summary;
pub mod units;
pub mod vmstats;

use std::path::{Path, PathBuf};
use std::time::Instant;

use machine::Machine;
use matrix::{Config, Environment, Note, Plan, Request, Settings};
use progress::Progress;
use results::{Record, Status, Sweep};
use suite::{ProfileName, Suite};

/// What `vm bench` was asked to do (the command line, parsed).
#[derive(Clone, Debug)]
pub struct Options {
    pub quick: bool,
    pub suite: PathBuf,
    /// `None`: `papers/results/bench-full` or `papers/results/bench-quick`.
    pub out: Option<PathBuf>,
    pub only: Vec<String>,
    pub repeats: Option<u32>,
    pub warmups: Option<u32>,
    pub isolates: Option<Vec<u32>>,
    pub threads: Option<u32>,
    pub no_peers: bool,
    pub print_commands: bool,
}

/// The output directory when none is given.
pub fn default_out(profile: ProfileName) -> PathBuf {
    PathBuf::from(format!("papers/results/bench-{}", profile.as_str()))
}

/// Runs `vm bench`: `Ok(true)` when the sweep passed, `Ok(false)` when a
/// configuration failed or mismatched, `Err` when nothing could run.
pub fn bench(options: &Options) -> Result<bool, String> {
    let suite = Suite::load(&options.suite)?;
    let profile = if options.quick {
        ProfileName::Quick
    } else {
        ProfileName::Full
    };
    let vm =
        std::env::current_exe().map_err(|e| format!("cannot find the vm program itself: {e}"))?;
    let out = options.out.clone().unwrap_or_else(|| default_out(profile));
    let request = Request {
        profile,
        only: options.only.clone(),
        repeats: options.repeats,
        warmups: options.warmups,
        isolates: options.isolates.clone(),
        threads: options.threads,
        peers: !options.no_peers,
    };
    let env = Environment {
        vm: vm.clone(),
        raw_dir: out.join("raw"),
        cores: machine::cores(),
        file_exists: &|p: &Path| p.is_file(),
        program_found: &program_found,
    };
    let plan = matrix::expand(&suite, &request, &env)?;
    if plan.configs.is_empty() {
        return Err(nothing_to_run(&plan));
    }
    if options.print_commands {
        print!("{}", script(&plan, &options.suite, &env.raw_dir));
        return Ok(true);
    }
    std::fs::create_dir_all(&env.raw_dir)
        .map_err(|e| format!("cannot create {}: {e}", env.raw_dir.display()))?;
    let sweep = sweep(plan, options, &suite, &vm, &out);
    write_outputs(&sweep, &out)?;
    report(&sweep, &out);
    Ok(sweep.passed())
}

/// `--print-commands`: the plan as a shell script, one configuration a line.
fn script(plan: &Plan, suite: &Path, raw: &Path) -> String {
    let s = &plan.settings;
    let mut out = format!(
        "# vm bench ({} profile) from {}: {} configurations; run each {} time(s) after {} \
         warm-up(s) and time it\n",
        s.profile.as_str(),
        suite.display(),
        plan.configs.len(),
        s.repeats,
        s.warmups
    );
    for note in &plan.notes {
        out.push_str(&format!("# note: {}\n", note_text(note)));
    }
    out.push_str(&format!(
        "mkdir -p {}\n",
        shell::quote(&raw.display().to_string())
    ));
    for c in &plan.configs {
        out.push_str(&c.command);
        out.push('\n');
    }
    out
}

/// Why a plan with no configuration is refused: a sweep that runs nothing
/// must not pass (its empty tables would read as a result).
fn nothing_to_run(plan: &Plan) -> String {
    let mut text = String::from("nothing to run: the selected workloads give no configuration");
    if !plan.notes.is_empty() {
        let notes: Vec<String> = plan.notes.iter().map(note_text).collect();
        text.push_str(&format!(" ({})", notes.join("; ")));
    }
    text
}

fn note_text(note: &Note) -> String {
    match &note.workload {
        Some(w) => format!("{w}: {}", note.text),
        None => note.text.clone(),
    }
}

/// Runs every configuration of the plan and derives the results.
fn sweep(plan: Plan, options: &Options, suite: &Suite, vm: &Path, out: &Path) -> Sweep {
    let started = Instant::now();
    let progress = Progress::new(plan.total_runs());
    progress.say(&format!(
        "vm bench: {} configurations, {} run(s) each + {} warm-up(s), {} worker threads; \
         results in {}",
        plan.configs.len(),
        plan.settings.repeats,
        plan.settings.warmups,
        plan.settings.threads,
        out.display()
    ));
    for note in &plan.notes {
        progress.say(&format!("note: {}", note_text(note)));
    }
    let mut records: Vec<Record> = plan
        .configs
        .iter()
        .map(|c| run_config(c.clone(), &plan.settings, &progress))
        .collect();
    progress.finish();
    results::check_first_lines(&mut records);
    let speedups = results::speedups(&records);
    let repo = options
        .suite
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut sweep = Sweep {
        suite: options.suite.clone(),
        settings: plan.settings,
        machine: Machine::describe(vm, repo, out),
        records,
        speedups,
        notes: plan.notes,
        figures: Vec::new(),
        elapsed: started.elapsed(),
    };
    let pick = |flag: fn(&suite::Workload) -> bool| -> Vec<String> {
        suite
            .workloads
            .iter()
            .filter(|w| flag(w))
            .map(|w| w.name.clone())
            .collect()
    };
    let figures_dir = out.join("figures");
    match figures::draw_all(
        &figures_dir,
        &sweep.records,
        &sweep.speedups,
        &pick(|w| w.memory_figure),
        &pick(|w| w.talk),
    ) {
        Ok(paths) => {
            sweep.figures = paths
                .iter()
                .map(|p| p.strip_prefix(out).unwrap_or(p).to_path_buf())
                .collect();
        }
        Err(e) => {
            eprintln!("vm bench: {e}");
            sweep.notes.push(Note {
                workload: None,
                text: format!("figures not drawn: {e}"),
            });
        }
    }
    sweep
}

/// Runs one configuration: its warm-ups, then its repeats, stopping at the
/// first failure.
fn run_config(config: Config, settings: &Settings, progress: &Progress) -> Record {
    progress.start(&config);
    let mut record = Record::new(config);
    let total = settings.warmups + settings.repeats;
    for i in 0..total {
        let attempt = run::execute(&record.config.processes, settings.timeout);
        progress.run_done();
        let failure = attempt.failure.clone();
        if i < settings.warmups {
            record.warmups.push(attempt);
        } else {
            record.repeats.push(attempt);
        }
        if let Some(failure) = failure {
            record.failure = Some(failure);
            progress.skip_runs(u64::from(total - i - 1));
            break;
        }
    }
    match (&record.failure, record.wall()) {
        (Some(failure), _) => {
            let indented = failure.replace('\n', "\n      ");
            progress.say(&format!("  FAILED {}: {indented}", record.config.id));
        }
        (None, Some(w)) => progress.say(&format!(
            "  {}: median {} (min {}, max {})",
            record.config.id,
            units::secs(w.median),
            units::secs(w.min),
            units::secs(w.max)
        )),
        (None, None) => {}
    }
    record
}

fn write_outputs(sweep: &Sweep, out: &Path) -> Result<(), String> {
    let write = |name: &str, text: &str| {
        let path = out.join(name);
        std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
    };
    write("results.csv", &output::csv(sweep))?;
    let json = serde_json::to_string_pretty(&output::json(sweep)).expect("results serialize");
    write("results.json", &(json + "\n"))?;
    write("summary.md", &markdown::summary(sweep))
}

/// The end of a sweep on stderr: failures and mismatches, loudly.
fn report(sweep: &Sweep, out: &Path) {
    for r in &sweep.records {
        for m in &r.mismatches {
            eprintln!("vm bench: MISMATCH {}: {m}", r.config.id);
        }
        if let Some(f) = &r.failure {
            eprintln!(
                "vm bench: FAILED {}: {}",
                r.config.id,
                f.lines().next().unwrap_or_default()
            );
        }
    }
    eprintln!(
        "vm bench: {} configurations in {}: {} ok, {} failed, {} mismatched; wrote {}/results.csv, \
         results.json, summary.md and {} figures",
        sweep.records.len(),
        units::secs(sweep.elapsed.as_secs_f64()),
        sweep.count(Status::Ok),
        sweep.count(Status::Failed),
        sweep.count(Status::Mismatch),
        out.display(),
        sweep.figures.len()
    );
}

/// Whether `program` names an executable file, directly or on `PATH`.
fn program_found(program: &str) -> bool {
    fn executable(path: &Path) -> bool {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            path.metadata()
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        }
        #[cfg(not(unix))]
        {
            path.is_file()
        }
    }
    if program.contains('/') {
        return executable(Path::new(program));
    }
    std::env::var_os("PATH").is_some_and(|paths| {
        std::env::split_paths(&paths).any(|dir| executable(&dir.join(program)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn programs_are_found_on_path() {
        assert!(program_found("sh"));
        assert!(program_found("/bin/sh"));
        assert!(!program_found("surely-no-such-program-here"));
        assert!(!program_found("/nonexistent/sh"));
    }

    #[test]
    fn default_out_dirs() {
        assert_eq!(
            default_out(ProfileName::Quick),
            PathBuf::from("papers/results/bench-quick")
        );
        assert_eq!(
            default_out(ProfileName::Full),
            PathBuf::from("papers/results/bench-full")
        );
    }
}
