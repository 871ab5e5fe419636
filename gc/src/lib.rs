//! Collectors and the policies that decide when they run.
//!
//! - [`Roots`]: how an executor reports its roots.
//! - [`LocalCollector`]: mark-sweep of one isolate's heap, during that
//!   isolate's own time slice (the *how*).
//! - [`Policy`] and the registry [`POLICIES`]: when to collect (the *when*),
//!   with typed, validated options ([`options`]), selected by name.
//! - [`GcStats`]: what a collector has done.
//!
//! The crate holds no `unsafe` code: mark bits, tracing and sweeping are the
//! heap's mechanism, driven from here.

#![forbid(unsafe_code)]

mod local;
pub mod options;
pub mod policy;
mod roots;
mod stats;

pub use local::LocalCollector;
pub use policy::{DEFAULT_POLICY, LocalOutcome, POLICIES, Policy, PolicyInfo, PolicySpec};
pub use roots::Roots;
pub use stats::GcStats;
