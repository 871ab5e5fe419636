//! The interpreter and the pieces of the `vm` program.
//!
//! - [`interp`]: the stackless register interpreter implementing
//!   [`isolate::Task`].
//! - [`builtins`]: the builtin functions.
//! - [`display`]: how values print.
//! - [`program`]: a loaded module with its literals, shared by all isolates.
//! - [`runner`]: load, run, report.
//! - [`stats`]: the `--stats` report.
//! - [`stdio`]: checked writes to stdout and stderr, and what a failed one means.
//! - [`bench`](mod@bench): `vm bench`, the sweep runner over `bench-scripts/suite.json`.
//!
//! `clap` parses the command line (`src/main.rs`): it gives `--help` for
//! every subcommand and usage errors with exit code 2 for free, which is what
//! a hand-written parser would have to rebuild.
//!
//! `vm bench` brings three more dependencies: `serde` (derive) reads `suite.json` into
//! typed structs with unknown-field and type errors that name the line and
//! column, which hand-walking `serde_json::Value` would only approximate;
//! `plotters` (SVG backend and line series only, no fonts or bitmaps) draws
//! the figures as dependency-free SVG files a report can embed; `indicatif`
//! draws the progress bar of a long sweep and hides itself when stderr is
//! not a terminal, so CI logs keep only the plain lines.
//!
//! No `unsafe` here (docs/design.md invariant 8): the interpreter relies on the
//! verifier and on `u8` register indices into a 256-register window instead.

#![forbid(unsafe_code)]

pub mod bench;
pub mod builtins;
pub mod display;
pub mod interp;
pub mod program;
pub mod runner;
pub mod stats;
pub mod stdio;
