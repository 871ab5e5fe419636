//! The `local` policy: each isolate collects its own heap when its footprint
//! reaches `max(min_heap, live × growth)`.
//!
//! Invariant: the trigger is never below `min_heap`, so a small heap does not
//! collect over and over, and never below the live bytes, so a collection
//! always leaves room to allocate.

use crate::options::{OptionSpec, OptionType, OptionValues};
use crate::policy::{LocalOutcome, Policy, PolicyInfo};

#[derive(Clone, Debug)]
pub struct LocalPolicy {
    min_heap: usize,
    growth: f64,
}

impl LocalPolicy {
    pub const INFO: PolicyInfo = PolicyInfo {
        name: "local",
        doc: "per-isolate mark-sweep; next collection when the footprint reaches max(min_heap, live x growth)",
        options: &[
            OptionSpec {
                name: "min_heap",
                ty: OptionType::Bytes,
                default: "256K",
                doc: "footprint below which an isolate never collects",
            },
            OptionSpec {
                name: "growth",
                ty: OptionType::Float {
                    min: 1.0,
                    max: 1000.0,
                },
                default: "2.0",
                doc: "next trigger as a multiple of the bytes live after a collection",
            },
        ],
        build: |values| Box::new(LocalPolicy::new(values)),
    };

    pub fn new(values: &OptionValues) -> LocalPolicy {
        LocalPolicy {
            min_heap: values.bytes("min_heap"),
            growth: values.float("growth"),
        }
    }
}

impl Policy for LocalPolicy {
    fn initial_trigger(&self) -> usize {
        self.min_heap
    }

    fn next_trigger(&mut self, outcome: &LocalOutcome) -> usize {
        let grown = (outcome.live_bytes as f64 * self.growth) as usize;
        grown.max(self.min_heap).max(outcome.live_bytes + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::PolicySpec;

    fn policy(opts: &[&str]) -> Box<dyn Policy> {
        let opts: Vec<String> = opts.iter().map(|s| s.to_string()).collect();
        PolicySpec::parse("local", &opts).unwrap().instantiate()
    }

    #[test]
    fn trigger_is_live_times_growth_but_at_least_min_heap() {
        let mut p = policy(&["min_heap=1M", "growth=3"]);
        assert_eq!(p.initial_trigger(), 1 << 20);
        let small = LocalOutcome {
            live_bytes: 1000,
            ..Default::default()
        };
        assert_eq!(p.next_trigger(&small), 1 << 20);
        let big = LocalOutcome {
            live_bytes: 10 << 20,
            ..Default::default()
        };
        assert_eq!(p.next_trigger(&big), 30 << 20);
    }

    #[test]
    fn growth_one_still_leaves_room() {
        let mut p = policy(&["min_heap=0", "growth=1"]);
        let outcome = LocalOutcome {
            live_bytes: 5000,
            ..Default::default()
        };
        assert_eq!(p.next_trigger(&outcome), 5001);
    }
}
