//! Running a program end to end: load, verify, run the main isolate to
//! completion, report.
//!
//! Invariant: whatever the input, the caller gets a [`LoadError`] or a
//! [`RunReport`], never a panic; load errors (usage, file, compile, format,
//! verification) are told apart from runtime failures so the CLI can map
//! them to exit codes 2 and 1. A run whose output could not be written
//! says so ([`Finished::output_error`]): the output is never lost silently.

use std::sync::Arc;

use bytecode::VerifiedModule;
use isolate::{RunReport, SchedulerConfig};

use crate::interp::Interp;
use crate::program::{Output, Program};

/// Why a program could not be loaded (exit code 2).
#[derive(Debug, PartialEq, Eq)]
pub struct LoadError(pub String);

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Turns the bytes of a file into a verified module: `.bc` when they start
/// with the bytecode magic, source text otherwise. `name` is used in
/// messages.
pub fn load_module(bytes: &[u8], name: &str) -> Result<VerifiedModule, LoadError> {
    if bytecode::is_bytecode(bytes) {
        return bytecode::load(bytes).map_err(|e| LoadError(format!("error: {name}: {e}")));
    }
    let source = std::str::from_utf8(bytes)
        .ok()
        .filter(|s| !s.contains('\0'))
        .ok_or_else(|| {
            LoadError(format!(
                "error: {name}: not a bytecode file (wrong magic) and not UTF-8 source text"
            ))
        })?;
    let module = bytecode::compiler::compile(source, name)
        .map_err(|diagnostics| LoadError(diagnostics.to_string().trim_end().to_string()))?;
    bytecode::verify(module).map_err(|e| {
        LoadError(format!(
            "error: {name}: compiler produced invalid bytecode: {e}"
        ))
    })
}

/// A run that ended: the scheduler's report, and the error that made the
/// program's output fail, if one did (the run was then ended at that write).
pub struct Finished {
    pub report: RunReport,
    pub output_error: Option<std::io::Error>,
}

/// Runs `module`'s entry function as the main isolate until it returns or
/// fails; isolates it spawns run alongside on the scheduler's workers. The
/// output is flushed before returning.
pub fn run_module(
    module: VerifiedModule,
    args: Vec<String>,
    output: Output,
    config: &SchedulerConfig,
) -> Result<Finished, LoadError> {
    let program = Arc::new(Program::new(module, args, output).map_err(LoadError)?);
    let report = isolate::run(config.clone(), Interp::for_entry(Arc::clone(&program)));
    program.output.flush();
    Ok(Finished {
        report,
        output_error: program.output.take_error(),
    })
}
