//! `vm`: run, compile, assemble and disassemble programs of the isolate VM.
//!
//! Exit codes: 0 success; 1 the program failed at run time, or its output
//! could not be written; 2 usage, load, compile or verification error; 141
//! the reader of stdout or stderr went away (a broken pipe, as in
//! `vm dis prog.bc | head`), which ends the command quietly. Every error is
//! one `error:` line on stderr (compile errors add the source line and a
//! caret), never a panic: all output goes through [`vm::stdio`], whose
//! writes are checked.

use std::ffi::OsString;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use gc::PolicySpec;
use isolate::{MemoryConfig, RunReport, SchedulerConfig};
use vm::program::Output;
use vm::runner::{self, LoadError};
use vm::stdio;

#[derive(Parser)]
#[command(
    name = "vm",
    version,
    about = "A research VM for garbage collection in parallel actor runtimes",
    long_about = "A research VM for garbage collection in parallel actor runtimes.\n\n\
        Programs are source files (see docs/language.md) or .bc bytecode; `vm run` tells \
        them apart by the .bc magic, not by the file name.\n\n\
        Exit codes: 0 success, 1 runtime error or output not written, 2 usage, load, compile \
        or verification error, 141 broken pipe (the reader of the output went away)."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a program (source or .bc) until its main function returns.
    Run(RunArgs),
    /// Compile a source file to a .bc bytecode file.
    Compile {
        /// The source file.
        input: PathBuf,
        /// Where to write the bytecode.
        #[arg(short, long, value_name = "OUT.bc")]
        output: PathBuf,
    },
    /// Assemble a .vasm text file into a .bc bytecode file.
    Asm {
        /// The assembly file.
        input: PathBuf,
        /// Where to write the bytecode.
        #[arg(short, long, value_name = "OUT.bc")]
        output: PathBuf,
    },
    /// Print a .bc file (or a compiled source file) as .vasm text on stdout.
    Dis {
        /// The .bc (or source) file.
        input: PathBuf,
    },
    /// List the GC policies with their options, types, defaults and docs.
    Policies,
    /// Run the benchmark suite as a matrix and write tables and figures.
    ///
    /// Expands the suite file into workload × policy × isolate count, plus the
    /// forked-processes baseline (for forkable workloads: ISOLATES `vm` processes at
    /// once, each with SIZE/ISOLATES and one isolate, timed from the first start to the
    /// last exit) and peer runtimes. Each configuration runs in its own process,
    /// `warmups` untimed then `repeats` timed times; `vm` runs also write their
    /// statistics (--stats-json), whose figures are kept from the median run. Each
    /// configuration's command is printed on stderr as it starts.
    ///
    /// Writes into the output directory: results.csv (one row per configuration),
    /// results.json (everything: raw times, commands, machine), summary.md (Markdown
    /// tables), figures/*.svg, and raw/ (each configuration's last stdout, stderr and
    /// statistics). A failing configuration is recorded with its stderr and the sweep
    /// goes on; a missing script or peer runtime is skipped with a note.
    ///
    /// Exit codes: 0 every configuration ran and every first output line agreed; 1 a
    /// vm or forked configuration failed, or a first line differed between repeats or
    /// between configurations doing the same work; 2 the suite file or the options are
    /// wrong, or leave nothing to run (every selected workload skipped).
    Bench(BenchArgs),
}

#[derive(Args)]
struct BenchArgs {
    /// Run the suite's quick profile (small sizes, few isolate counts; what CI runs)
    /// instead of the full one.
    #[arg(long)]
    quick: bool,
    /// The suite configuration (schema: bench-scripts/README.md, "suite.json").
    #[arg(long, value_name = "FILE", default_value = "bench-scripts/suite.json")]
    suite: PathBuf,
    /// Output directory [default: papers/results/bench-full, or
    /// papers/results/bench-quick with --quick].
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Run only these workloads (comma-separated names from the suite).
    #[arg(long, value_name = "NAME,NAME", value_delimiter = ',')]
    only: Vec<String>,
    /// Timed runs per configuration (default: the profile's `repeats`).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    repeats: Option<u32>,
    /// Untimed runs before the timed ones (default: the profile's `warmups`).
    #[arg(long, value_name = "N")]
    warmups: Option<u32>,
    /// Isolate counts to run, comma-separated (default: the profile's `isolates`).
    #[arg(long, value_name = "N,N", value_delimiter = ',',
          value_parser = clap::value_parser!(u32).range(1..=100_000))]
    isolates: Option<Vec<u32>>,
    /// Worker threads of every vm run (default: the suite's `threads`, else the
    /// available cores).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1024))]
    threads: Option<u32>,
    /// Do not run the peer runtimes (Ruby, Erlang, Lua).
    #[arg(long)]
    no_peers: bool,
    /// Print every configuration as a standalone shell command, one a line, and exit
    /// without running anything (to farm a sweep out to a cluster scheduler).
    #[arg(long)]
    print_commands: bool,
}

#[derive(Args)]
struct RunArgs {
    // One positional holds both FILE and ARGS: clap stops looking for
    // options only once a `trailing_var_arg` positional has its first value,
    // so with FILE a positional of its own, `vm run prog.iv --stats` was
    // taken as vm's `--stats` while `vm run prog.iv a --stats` passed it on.
    /// The program (a source file or a .bc file), then the arguments passed to
    /// it (see args()): everything after FILE, `--stats`, `--help` and `--`
    /// included, is the program's.
    #[arg(required = true, num_args = 1.., trailing_var_arg = true,
          value_names = ["FILE", "ARGS"])]
    program: Vec<OsString>,
    /// Collect at every safepoint that follows an allocation (GC stress test).
    #[arg(long)]
    gc_stress: bool,
    /// Print collector and heap statistics on stderr when the program ends.
    #[arg(long)]
    stats: bool,
    /// Write the statistics, per isolate and in total, as JSON to FILE.
    #[arg(long, value_name = "FILE")]
    stats_json: Option<PathBuf>,
    /// The GC policy (see `vm policies`).
    #[arg(long, value_name = "NAME", default_value = gc::DEFAULT_POLICY)]
    gc: String,
    /// A policy option, repeatable (see `vm policies`).
    #[arg(long = "gc-opt", value_name = "KEY=VALUE")]
    gc_opt: Vec<String>,
    /// Per-isolate heap limit (65536, 64K, 16M, 1G): past it the isolate fails
    /// with "heap limit exceeded". The messages waiting in an isolate's mailbox
    /// count against it too, on their own.
    #[arg(long, value_name = "BYTES", value_parser = parse_max_heap)]
    max_heap: Option<usize>,
    /// Most messages that may wait in one isolate's mailbox (received ones do
    /// not count): one more makes the receiving isolate fail with "mailbox limit
    /// exceeded"; the sender goes on.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    max_mailbox: Option<u64>,
    /// Worker threads running isolates (default: the available cores).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1024))]
    threads: Option<u32>,
    /// Reductions (calls and backward jumps) per scheduling slice.
    #[arg(long, value_name = "N", default_value_t = isolate::DEFAULT_BUDGET,
          value_parser = clap::value_parser!(u32).range(1..))]
    budget: u32,
}

/// `--max-heap`: a byte count, refused here (not when the first isolate
/// allocates) when it is 0, which leaves no room for any object.
fn parse_max_heap(text: &str) -> Result<usize, String> {
    match gc::options::parse_byte_count(text)? {
        0 => Err("a heap limit of 0 bytes leaves no room for any object; give at least 1".into()),
        bytes => Ok(bytes),
    }
}

/// Why the command stopped short.
enum Fatal {
    /// A failure of the command itself (exit code 2), already worded.
    Error(String),
    /// Writing stdout or stderr failed.
    Output(io::Error),
}

fn fatal(message: String) -> Fatal {
    Fatal::Error(message)
}

impl From<LoadError> for Fatal {
    fn from(e: LoadError) -> Fatal {
        Fatal::Error(e.0)
    }
}

impl From<io::Error> for Fatal {
    fn from(e: io::Error) -> Fatal {
        Fatal::Output(e)
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_or_help(&e),
    };
    let result = match cli.command {
        Command::Run(args) => run(args),
        Command::Compile { input, output } => compile(&input, &output),
        Command::Asm { input, output } => assemble(&input, &output),
        Command::Dis { input } => disassemble(&input),
        Command::Policies => stdio::write_out(&policies())
            .map(|()| ExitCode::SUCCESS)
            .map_err(Fatal::Output),
        Command::Bench(args) => bench(args),
    };
    match result {
        Ok(code) => code,
        Err(Fatal::Error(message)) => match stdio::err_line(&message) {
            Ok(()) => ExitCode::from(2),
            Err(e) => output_failed(&e),
        },
        Err(Fatal::Output(e)) => output_failed(&e),
    }
}

/// The end of a command whose output could not be written: quietly after a
/// broken pipe, else with one line on stderr (if stderr still works).
fn output_failed(e: &io::Error) -> ExitCode {
    if stdio::is_broken_pipe(e) {
        return ExitCode::from(stdio::BROKEN_PIPE_EXIT);
    }
    match stdio::err_line(&stdio::failure_line(e)) {
        Err(e) if stdio::is_broken_pipe(&e) => ExitCode::from(stdio::BROKEN_PIPE_EXIT),
        _ => ExitCode::from(stdio::WRITE_ERROR_EXIT),
    }
}

/// `--help` and `--version` (on stdout, exit 0) and usage errors (on
/// stderr, exit 2), as clap words them, with their writes checked.
fn usage_or_help(e: &clap::Error) -> ExitCode {
    let written = if !e.use_stderr() && stdio::stdout_closed() {
        Err(stdio::closed_error())
    } else {
        e.print().and_then(|()| {
            if e.use_stderr() {
                io::stderr().flush()
            } else {
                io::stdout().flush()
            }
        })
    };
    match written {
        Ok(()) => ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2)),
        Err(e) => output_failed(&e),
    }
}

fn read(path: &Path) -> Result<Vec<u8>, Fatal> {
    std::fs::read(path).map_err(|e| fatal(format!("error: cannot read {}: {e}", path.display())))
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), Fatal> {
    std::fs::write(path, bytes)
        .map_err(|e| fatal(format!("error: cannot write {}: {e}", path.display())))
}

fn write_stats_json(
    path: &Path,
    report: &RunReport,
    config: &SchedulerConfig,
) -> Result<(), Fatal> {
    let cannot =
        |e: &dyn std::fmt::Display| fatal(format!("error: cannot write {}: {e}", path.display()));
    let file = std::fs::File::create(path).map_err(|e| cannot(&e))?;
    let mut out = std::io::BufWriter::new(file);
    vm::stats::write_json(report, config, &mut out).map_err(|e| cannot(&e))?;
    out.flush().map_err(|e| cannot(&e))
}

fn run(args: RunArgs) -> Result<ExitCode, Fatal> {
    let policy =
        PolicySpec::parse(&args.gc, &args.gc_opt).map_err(|e| fatal(format!("error: {e}")))?;
    let (file, program_args) = args.program.split_first().expect("clap requires FILE");
    let file = PathBuf::from(file);
    let program_args = program_args
        .iter()
        .map(|a| {
            a.to_str().map(str::to_owned).ok_or_else(|| {
                fatal(format!(
                    "error: the argument '{}' is not UTF-8 text",
                    a.to_string_lossy()
                ))
            })
        })
        .collect::<Result<Vec<String>, Fatal>>()?;
    let name = file.display().to_string();
    let module = runner::load_module(&read(&file)?, &name)?;
    let defaults = SchedulerConfig::default();
    let config = SchedulerConfig {
        threads: args.threads.map_or(defaults.threads, |n| n as usize),
        budget: args.budget,
        memory: MemoryConfig {
            policy,
            stress: args.gc_stress,
            max_heap: args.max_heap,
            max_mailbox: args
                .max_mailbox
                .map(|n| usize::try_from(n).unwrap_or(usize::MAX)),
        },
        slice_limit: None,
    };
    let finished = runner::run_module(module, program_args, Output::stdout(), &config)?;
    let report = finished.report;
    for (id, failure) in &report.unobserved_failures {
        let mut text = format!("error in isolate {id}: {}", failure.message);
        for line in &failure.trace {
            text.push_str("\n  ");
            text.push_str(line);
        }
        stdio::err_line(&text)?;
    }
    if args.stats {
        stdio::write_err(&vm::stats::render(&report, &config))?;
    }
    if let Some(path) = &args.stats_json {
        write_stats_json(path, &report, &config)?;
    }
    // A failed output ended the run: that is its outcome, whatever the
    // isolates were doing.
    if let Some(e) = finished.output_error {
        return Err(Fatal::Output(e));
    }
    match report.result {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(failure) => {
            stdio::err_line(&failure.to_string())?;
            Ok(ExitCode::from(1))
        }
    }
}

fn bench(args: BenchArgs) -> Result<ExitCode, Fatal> {
    let options = vm::bench::Options {
        quick: args.quick,
        suite: args.suite,
        out: args.out,
        only: args.only,
        repeats: args.repeats,
        warmups: args.warmups,
        isolates: args.isolates,
        threads: args.threads,
        no_peers: args.no_peers,
        print_commands: args.print_commands,
    };
    match vm::bench::bench(&options) {
        Ok(true) => Ok(ExitCode::SUCCESS),
        Ok(false) => Ok(ExitCode::from(1)),
        Err(e) => Err(fatal(format!("error: {e}"))),
    }
}

fn compile(input: &Path, output: &Path) -> Result<ExitCode, Fatal> {
    let bytes = read(input)?;
    let module = runner::load_module(&bytes, &input.display().to_string())?;
    write(output, &bytecode::write_module(&module))?;
    Ok(ExitCode::SUCCESS)
}

fn assemble(input: &Path, output: &Path) -> Result<ExitCode, Fatal> {
    let name = input.display().to_string();
    let text = String::from_utf8(read(input)?)
        .map_err(|_| fatal(format!("error: {name}: not UTF-8 text")))?;
    let (module, lines) =
        bytecode::assemble_with_lines(&text, &name).map_err(|e| fatal(format!("error: {e}")))?;
    // The verifier knows instruction indices; say the .vasm line too.
    let verified = bytecode::verify(module).map_err(|e| match lines.locate(&e) {
        Some(line) => fatal(format!("error: {name}:{line}: {e}")),
        None => fatal(format!("error: {name}: {e}")),
    })?;
    write(output, &bytecode::write_module(&verified))?;
    Ok(ExitCode::SUCCESS)
}

fn disassemble(input: &Path) -> Result<ExitCode, Fatal> {
    let name = input.display().to_string();
    let bytes = read(input)?;
    let module = if bytecode::is_bytecode(&bytes) {
        bytecode::read_module(&bytes)
            .map_err(|e| fatal(format!("error: {name}: {e}")))?
            .module
    } else {
        runner::load_module(&bytes, &name)?.into_inner()
    };
    stdio::write_out(&bytecode::disassemble(&module))?;
    Ok(ExitCode::SUCCESS)
}

/// The `vm policies` listing.
fn policies() -> String {
    let mut out = String::new();
    for info in gc::POLICIES {
        let default = if info.name == gc::DEFAULT_POLICY {
            " (default)"
        } else {
            ""
        };
        out.push_str(&format!("{}{default}\n    {}\n", info.name, info.doc));
        for o in info.options {
            out.push_str(&format!(
                "    --gc-opt {}=<{}>  (default {})\n        {}\n",
                o.name,
                o.ty.name(),
                o.default,
                o.doc
            ));
        }
    }
    out
}
