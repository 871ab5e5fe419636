//! The `local` policy: each isolate collects its own heap when its footprint
//! reaches `max(min_heap, live × growth)`; the run stops for a global
//! collection when the bytes made shareable since the last one exceed
//! `max(global_min, survivors × global_factor)` (CRuby's rule, factor 2.0)
//! or when the pages dead isolates left behind have grown by more than
//! `dead_limit` bytes since then (whole pages: what they cost the process).
//!
//! Invariant: the local trigger is never below `min_heap`, so a small heap
//! does not collect over and over, and never below the live bytes, so a
//! collection always leaves room to allocate.

use crate::options::{OptionSpec, OptionType, OptionValues};
use crate::policy::{GlobalFigures, LocalOutcome, Policy, PolicyInfo};

/// The options both built-in policies share: the local trigger and the
/// global collector's threads.
pub(crate) const TRIGGER_OPTIONS: [OptionSpec; 3] = [
    OptionSpec {
        name: "min_heap",
        ty: OptionType::Bytes,
        default: "256K",
        doc: "footprint below which an isolate's heap is never collected; \
              very small values collect at almost every allocation, and under \
              global-only each of those stops every isolate (min_heap=0 took a \
              1.6 s run to 290 s)",
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
    OptionSpec {
        name: "global_mark_threads",
        ty: OptionType::Int { min: 0, max: 1024 },
        default: "0",
        doc: "threads of the pool marking and sweeping a global collection (0: one per worker; a collection one heap dominates runs on one thread)",
    },
];

/// `max(min_heap, live × growth)`, and above the live bytes.
pub(crate) fn grown_trigger(min_heap: usize, growth: f64, live: usize) -> usize {
    ((live as f64 * growth) as usize)
        .max(min_heap)
        .max(live + 1)
}

#[derive(Clone, Debug)]
pub struct LocalPolicy {
    min_heap: usize,
    growth: f64,
    mark_threads: usize,
    global_min: usize,
    global_factor: f64,
    dead_limit: usize,
}

impl LocalPolicy {
    pub const INFO: PolicyInfo = PolicyInfo {
        name: "local",
        doc: "per-isolate mark-sweep (next at max(min_heap, live x growth)); a global collection when shareable bytes since the last pass max(global_min, survivors x global_factor) or dead isolates' pages grew by over dead_limit",
        options: &[
            TRIGGER_OPTIONS[0],
            TRIGGER_OPTIONS[1],
            TRIGGER_OPTIONS[2],
            OptionSpec {
                name: "global_min",
                ty: OptionType::Bytes,
                default: "8M",
                doc: "shareable bytes made since the last global collection that always trigger one",
            },
            OptionSpec {
                name: "global_factor",
                ty: OptionType::Float {
                    min: 0.0,
                    max: 1000.0,
                },
                default: "2.0",
                doc: "trigger a global collection when shareable bytes made exceed survivors x this",
            },
            OptionSpec {
                name: "dead_limit",
                ty: OptionType::Bytes,
                default: "32M",
                doc: "growth of the memory dead isolates' pages hold (whole pages) since the last global collection that triggers one",
            },
        ],
        build: |values| Box::new(LocalPolicy::new(values)),
    };

    pub fn new(values: &OptionValues) -> LocalPolicy {
        LocalPolicy {
            min_heap: values.bytes("min_heap"),
            growth: values.float("growth"),
            mark_threads: values.int("global_mark_threads") as usize,
            global_min: values.bytes("global_min"),
            global_factor: values.float("global_factor"),
            dead_limit: values.bytes("dead_limit"),
        }
    }
}

impl Policy for LocalPolicy {
    fn initial_trigger(&self) -> usize {
        self.min_heap
    }

    fn next_trigger(&mut self, outcome: &LocalOutcome) -> usize {
        grown_trigger(self.min_heap, self.growth, outcome.live_bytes)
    }

    fn wants_global(&mut self, f: &GlobalFigures) -> bool {
        let limit = (f.shareable_survivors as f64 * self.global_factor) as usize;
        let dead_since_global = f
            .dead_isolate_bytes
            .saturating_sub(f.dead_isolate_survivors);
        f.shareable_since_global > limit.max(self.global_min) || dead_since_global > self.dead_limit
    }

    fn global_threads(&self) -> usize {
        self.mark_threads
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
        assert!(p.local_collection());
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

    #[test]
    fn global_collection_when_shareables_double_or_dead_isolates_hold_too_much() {
        let mut p = policy(&["global_min=1M", "global_factor=2", "dead_limit=4M"]);
        let quiet = GlobalFigures {
            shareable_since_global: 1 << 20,
            ..Default::default()
        };
        assert!(!p.wants_global(&quiet), "at global_min exactly: not yet");
        let over_min = GlobalFigures {
            shareable_since_global: (1 << 20) + 1,
            ..Default::default()
        };
        assert!(p.wants_global(&over_min));
        let survivors = GlobalFigures {
            shareable_since_global: 3 << 20,
            shareable_survivors: 2 << 20,
            ..Default::default()
        };
        assert!(
            !p.wants_global(&survivors),
            "3M made, 2M survivors x 2 = 4M: not yet"
        );
        let dead = GlobalFigures {
            dead_isolate_bytes: (4 << 20) + 1,
            ..Default::default()
        };
        assert!(p.wants_global(&dead));
    }

    #[test]
    fn dead_pages_trigger_on_their_growth_since_the_last_global_collection() {
        let mut p = policy(&["dead_limit=4M"]);
        let held = |bytes: usize| GlobalFigures {
            dead_isolate_bytes: bytes,
            dead_isolate_survivors: 3 << 20,
            ..Default::default()
        };
        assert!(!p.wants_global(&held(3 << 20)), "only what survived");
        assert!(!p.wants_global(&held(7 << 20)), "4M more: not yet");
        assert!(p.wants_global(&held((7 << 20) + 1)));
    }
}
