//! Collection policies: *when* to collect, never *how* (MMTk's split of
//! trigger policy from plan).
//!
//! Invariant: a policy only computes triggers from the figures it is given;
//! it never touches a heap. Each isolate gets its own instance, built from a
//! validated [`PolicySpec`], so a policy may keep per-isolate state.
//!
//! Adding a policy is one type implementing [`Policy`] with a `PolicyInfo`
//! constant describing its name and options, plus one line in [`POLICIES`]
//! (see `docs/policies.md`).

mod global_only;
mod local;

use std::fmt;

use crate::options::{OptionSpec, OptionValues};

pub use global_only::GlobalOnlyPolicy;
pub use local::LocalPolicy;

/// What a local collection left behind, as the policy sees it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LocalOutcome {
    /// The heap's footprint after the collection.
    pub live_bytes: usize,
    /// Bytes the collection freed.
    pub freed_bytes: usize,
    /// Local collections of this heap so far, this one included.
    pub collections: u64,
}

/// The run-wide figures a policy weighs to request a global collection.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GlobalFigures {
    /// Bytes made shareable (by `freeze`) since the last global collection.
    pub shareable_since_global: usize,
    /// Shareable bytes that survived the last global collection.
    pub shareable_survivors: usize,
    /// Bytes of memory held by dead isolates' pages (whole pages, whatever
    /// share of them their surviving shareable objects fill), until a
    /// global collection frees what is dead in them.
    pub dead_isolate_bytes: usize,
    /// What `dead_isolate_bytes` was just after the last global collection:
    /// the part a global collection could not free.
    pub dead_isolate_survivors: usize,
}

/// What a global collection left behind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GlobalOutcome {
    /// Footprint of all heaps after the collection.
    pub live_bytes: usize,
    /// Shareable bytes alive after it.
    pub shareable_live_bytes: usize,
    /// Shareable bytes it freed: dead, but held until now.
    pub freed_shareable_bytes: usize,
    pub freed_bytes: usize,
}

/// A collection policy: when each isolate collects its heap, and when the
/// whole run stops for a global collection.
///
/// Each isolate gets an instance for its local decisions (`initial_trigger`,
/// `next_trigger`); the runtime keeps one more for the run-wide ones
/// (`wants_global`, `after_global`).
pub trait Policy: Send + fmt::Debug {
    /// The footprint (bytes) at which a fresh heap collects for the first time.
    fn initial_trigger(&self) -> usize;

    /// Called after every collection of a heap (local, or its share of a
    /// global one); returns the footprint at which the next should run.
    fn next_trigger(&mut self, outcome: &LocalOutcome) -> usize;

    /// Whether an isolate may collect its heap alone. When false, a heap
    /// reaching its trigger requests a global collection instead: every
    /// collection stops all isolates and collects all heaps.
    fn local_collection(&self) -> bool {
        true
    }

    /// Asked whenever the run-wide figures grow: true requests a global
    /// collection. (Programs may also request one with `gc_global()`.)
    fn wants_global(&mut self, _figures: &GlobalFigures) -> bool {
        false
    }

    /// Called after every global collection.
    fn after_global(&mut self, _outcome: &GlobalOutcome) {}

    /// Threads that mark and sweep in a global collection (0: one per
    /// worker thread).
    fn global_threads(&self) -> usize {
        0
    }
}

/// A policy's entry in the registry: its name, documentation and options.
pub struct PolicyInfo {
    pub name: &'static str,
    /// One line saying what the policy does.
    pub doc: &'static str,
    pub options: &'static [OptionSpec],
    /// Builds an instance from validated options.
    pub build: fn(&OptionValues) -> Box<dyn Policy>,
}

/// Every policy `--gc NAME` can select. Register a new policy here.
pub static POLICIES: &[&PolicyInfo] = &[&LocalPolicy::INFO, &GlobalOnlyPolicy::INFO];

/// The policy used when none is named.
pub const DEFAULT_POLICY: &str = "local";

/// The registry entry called `name`.
pub fn find_policy(name: &str) -> Option<&'static PolicyInfo> {
    POLICIES.iter().copied().find(|p| p.name == name)
}

/// A policy chosen by name with validated options: the recipe for the
/// instance each isolate gets.
#[derive(Clone)]
pub struct PolicySpec {
    info: &'static PolicyInfo,
    values: OptionValues,
}

impl PolicySpec {
    /// Looks `name` up and validates `assignments` (`key=value`) against its
    /// options. Errors are one line, ready for the user.
    pub fn parse(name: &str, assignments: &[String]) -> Result<PolicySpec, String> {
        let info = find_policy(name).ok_or_else(|| {
            let known: Vec<_> = POLICIES.iter().map(|p| p.name).collect();
            format!("unknown GC policy '{name}' (known: {})", known.join(", "))
        })?;
        let values = OptionValues::parse(info.options, assignments)
            .map_err(|e| format!("GC policy '{name}': {e}"))?;
        Ok(PolicySpec { info, values })
    }

    pub fn name(&self) -> &'static str {
        self.info.name
    }

    pub fn values(&self) -> &OptionValues {
        &self.values
    }

    /// A fresh policy instance for one isolate.
    pub fn instantiate(&self) -> Box<dyn Policy> {
        (self.info.build)(&self.values)
    }
}

impl Default for PolicySpec {
    fn default() -> Self {
        PolicySpec::parse(DEFAULT_POLICY, &[]).expect("the default policy's defaults are valid")
    }
}

impl fmt::Debug for PolicySpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.info.name)?;
        for (name, value) in self.values.iter() {
            write!(f, " {name}={value}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_registered_policy_builds_from_its_defaults() {
        for info in POLICIES {
            let spec = PolicySpec::parse(info.name, &[]).unwrap();
            let policy = spec.instantiate();
            assert!(policy.initial_trigger() > 0, "{}", info.name);
            for option in info.options {
                assert!(
                    !option.doc.is_empty(),
                    "{}.{} needs a doc line",
                    info.name,
                    option.name
                );
            }
        }
    }

    #[test]
    fn unknown_names_and_bad_options_are_clear_errors() {
        let known: Vec<&str> = POLICIES.iter().map(|p| p.name).collect();
        assert_eq!(
            PolicySpec::parse("fancy", &[]).unwrap_err(),
            format!("unknown GC policy 'fancy' (known: {})", known.join(", "))
        );
        assert!(known.starts_with(&["local", "global-only"]));
        assert_eq!(
            PolicySpec::parse("local", &["growth=0".into()]).unwrap_err(),
            "GC policy 'local': option 'growth': 0 is outside [1, 1000]"
        );
    }
}
