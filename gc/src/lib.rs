//! Collectors and the policies that decide when they run.
//!
//! - [`Roots`]: how an executor reports its roots.
//! - [`LocalCollector`]: mark-sweep of one isolate's heap, during that
//!   isolate's own time slice (the *how*).
//! - [`GlobalCollector`]: with every isolate stopped, marks across all heaps
//!   and sweeps them all, in parallel; the only collector that frees
//!   shareable objects. `rayon` provides its work-stealing thread pool.
//! - [`Policy`] and the registry [`POLICIES`]: when to collect (the *when*),
//!   with typed, validated options ([`options`]), selected by name.
//! - [`GcStats`]: what a collector has done.
//!
//! - [`PauseHistogram`]: pause distributions for p50 and p99, on the
//!   `hdrhistogram` crate (HdrHistogram's Rust port): a well-kept, widely
//!   used implementation of the standard latency histogram, instead of one
//!   of our own, whose rounding once put p50 above the maximum. Its
//!   quantiles are clamped to the exact maximum (see the module).
//!
//! The crate holds no `unsafe` code: mark bits, tracing and sweeping are the
//! heap's mechanism, driven from here.

#![forbid(unsafe_code)]

mod global;
mod histogram;
mod local;
pub mod options;
pub mod policy;
mod roots;
mod stats;

pub use global::{GlobalCollector, GlobalStats, HeapRoots};
pub use histogram::PauseHistogram;
pub use local::LocalCollector;
pub use policy::{
    DEFAULT_POLICY, GlobalFigures, GlobalOutcome, LocalOutcome, POLICIES, Policy, PolicyInfo,
    PolicySpec,
};
pub use roots::Roots;
pub use stats::GcStats;
