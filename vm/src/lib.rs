//! The interpreter and the pieces of the `vm` program.
//!
//! - [`interp`]: the stackless register interpreter implementing
//!   [`isolate::Task`].
//! - [`builtins`]: the builtin functions.
//! - [`display`]: how values print.
//! - [`program`]: a loaded module with its literals, shared by all isolates.
//! - [`runner`]: load, run, report.
//! - [`stats`]: the `--stats` report.
//!
//! `clap` parses the command line (`src/main.rs`): it gives `--help` for
//! every subcommand and usage errors with exit code 2 for free, which is what
//! a hand-written parser would have to rebuild.
//!
//! No `unsafe` here (DESIGN.md invariant 8): the interpreter relies on the
//! verifier and on `u8` register indices into a 256-register window instead.

#![forbid(unsafe_code)]

pub mod builtins;
pub mod display;
pub mod interp;
pub mod program;
pub mod runner;
pub mod stats;
