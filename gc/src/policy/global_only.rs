//! The `global-only` policy: no isolate ever collects alone. A heap that
//! reaches its trigger (`max(min_heap, live × growth)`) requests a global
//! collection, which stops every isolate and collects every heap: CRuby
//! 3.4's behaviour before Ractor-local GC, the baseline of the experiments.
//! The pages dead isolates leave behind count as one more heap with the same
//! trigger (in a one-heap VM, a dead thread's objects stay in that heap).
//!
//! Invariant: `local_collection()` is false, so every collection of every
//! heap happens inside a global one.

use crate::options::OptionValues;
use crate::policy::local::{TRIGGER_OPTIONS, grown_trigger};
use crate::policy::{GlobalFigures, LocalOutcome, Policy, PolicyInfo};

#[derive(Clone, Debug)]
pub struct GlobalOnlyPolicy {
    min_heap: usize,
    growth: f64,
    mark_threads: usize,
}

impl GlobalOnlyPolicy {
    pub const INFO: PolicyInfo = PolicyInfo {
        name: "global-only",
        doc: "every collection stops all isolates and collects all heaps (CRuby 3.4 without Ractor-local GC), when any heap, or the pages dead isolates left, reaches max(min_heap, live x growth)",
        options: &TRIGGER_OPTIONS,
        build: |values| Box::new(GlobalOnlyPolicy::new(values)),
    };

    pub fn new(values: &OptionValues) -> GlobalOnlyPolicy {
        GlobalOnlyPolicy {
            min_heap: values.bytes("min_heap"),
            growth: values.float("growth"),
            mark_threads: values.int("global_mark_threads") as usize,
        }
    }
}

impl Policy for GlobalOnlyPolicy {
    fn initial_trigger(&self) -> usize {
        self.min_heap
    }

    fn next_trigger(&mut self, outcome: &LocalOutcome) -> usize {
        grown_trigger(self.min_heap, self.growth, outcome.live_bytes)
    }

    fn local_collection(&self) -> bool {
        false
    }

    fn wants_global(&mut self, f: &GlobalFigures) -> bool {
        f.dead_isolate_bytes >= grown_trigger(self.min_heap, self.growth, f.dead_isolate_survivors)
    }

    fn global_threads(&self) -> usize {
        self.mark_threads
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::PolicySpec;

    #[test]
    fn never_collects_locally_and_keeps_the_trigger_rule() {
        let spec = PolicySpec::parse("global-only", &["min_heap=1M".into()]).unwrap();
        let mut p = spec.instantiate();
        assert!(!p.local_collection());
        assert_eq!(p.initial_trigger(), 1 << 20);
        let outcome = LocalOutcome {
            live_bytes: 3 << 20,
            ..Default::default()
        };
        assert_eq!(p.next_trigger(&outcome), 6 << 20);
        let figures = GlobalFigures {
            shareable_since_global: usize::MAX,
            ..Default::default()
        };
        assert!(
            !p.wants_global(&figures),
            "its global collections come from the heaps' triggers"
        );
    }

    #[test]
    fn dead_isolates_pages_trigger_like_a_heap() {
        let spec = PolicySpec::parse("global-only", &["min_heap=1M".into()]).unwrap();
        let mut p = spec.instantiate();
        let dead = |held: usize, survivors: usize| GlobalFigures {
            dead_isolate_bytes: held,
            dead_isolate_survivors: survivors,
            ..Default::default()
        };
        assert!(!p.wants_global(&dead((1 << 20) - 1, 0)));
        assert!(p.wants_global(&dead(1 << 20, 0)), "min_heap reached");
        assert!(!p.wants_global(&dead(5 << 20, 3 << 20)), "3M survived x 2");
        assert!(p.wants_global(&dead(6 << 20, 3 << 20)));
    }

    #[test]
    fn has_no_global_thresholds_to_set() {
        let err = PolicySpec::parse("global-only", &["dead_limit=1M".into()]).unwrap_err();
        assert_eq!(
            err,
            "GC policy 'global-only': unknown option 'dead_limit' (known: min_heap, growth, global_mark_threads)"
        );
    }
}
