//! Latency of the global collection handshake: the stop-the-world pause,
//! from the request until every isolate runs again, of a collection with
//! almost nothing to collect, while other isolates keep every worker busy.
//! It is the price `global-only` pays per collection beyond the collection
//! itself.

#[path = "../tests/support/scripted.rs"]
mod scripted;

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use heap::Value;
use isolate::{Outcome, SchedulerConfig};

use scripted::task;

/// Runs `requests` global collections while `busy` isolates yield slice
/// after slice; returns the total stop-the-world pause.
fn pauses(threads: usize, busy: usize, requests: u64) -> Duration {
    let mut made = 0;
    let main = task(move |ctx| {
        if made == 0 {
            for _ in 0..busy {
                let mut slices = 0u64;
                ctx.spawn(task(move |_| {
                    slices += 1;
                    // Each slice spins a little, like a slice of bytecode.
                    std::hint::black_box((0..2000).sum::<u64>());
                    if slices < 1_000_000 {
                        Outcome::Yielded
                    } else {
                        Outcome::Finished(Value::NIL)
                    }
                }));
            }
        }
        if made == requests {
            return Outcome::Finished(Value::NIL);
        }
        made += 1;
        ctx.request_global();
        Outcome::Yielded
    });
    let config = SchedulerConfig {
        threads,
        ..SchedulerConfig::default()
    };
    let report = isolate::run(config, main);
    assert_eq!(report.stats.global.collections, requests);
    report.stats.global.total_pause
}

fn handshake(c: &mut Criterion) {
    let mut group = c.benchmark_group("global collection handshake");
    for (threads, busy) in [(1, 1), (2, 2), (2, 8)] {
        let name = format!("{threads} workers, {busy} busy isolates");
        group.bench_function(name, |b| {
            b.iter_custom(|iters| pauses(threads, busy, iters.max(1)));
        });
    }
    group.finish();
}

criterion_group!(benches, handshake);
criterion_main!(benches);
