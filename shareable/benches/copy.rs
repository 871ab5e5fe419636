//! Deep copy of messages: `copy` (sender side), `decode` (receiver side) and
//! the round trip, on four shapes: an integer, a 10-character string, an
//! array of 100 short strings, and a binary tree of 10,000 array nodes.
//!
//! Throughput is reported in copied objects and in message bytes
//! (`Message::bytes`). Decoding allocates in a receiver heap that is swept
//! between batches, outside the timed region, so the figures are the copy's
//! own cost on a heap in steady state. "heap floor" builds the same objects
//! directly in the receiver (children first, no message): what decoding
//! would cost if it were free.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use heap::{Heap, SweepMode, Value};
use shareable::Message;

fn int(n: i64) -> Value {
    Value::int(n).unwrap()
}

/// A complete-ish binary tree of `n` nodes `[left, right, i]`, built leaves
/// first.
fn tree(heap: &Heap, n: usize) -> Value {
    let mut nodes: Vec<Value> = Vec::with_capacity(n);
    for i in (0..n).rev() {
        let child = |c: usize| {
            if c < n { nodes[n - 1 - c] } else { Value::NIL }
        };
        let node = heap
            .alloc_array_from(&[child(2 * i + 1), child(2 * i + 2), int(i as i64)])
            .unwrap();
        nodes.push(node);
    }
    *nodes.last().unwrap()
}

/// Builds a copy of `v` (an array, a string or a tree as `cases` makes them)
/// in `heap` directly, children first, with no message: the floor that
/// decoding is compared with.
fn build_directly(from: &Heap, v: Value, heap: &Heap) -> Value {
    if let Some(s) = from.str_of(v) {
        return heap.alloc_str(s).unwrap();
    }
    let Some(elems) = from.array_of(v) else {
        return v;
    };
    if elems.len() <= 16 {
        let mut copies = [Value::NIL; 16];
        for (c, &e) in copies.iter_mut().zip(elems) {
            *c = build_directly(from, e, heap);
        }
        return heap.alloc_array_from(&copies[..elems.len()]).unwrap();
    }
    let copies = elems
        .iter()
        .map(|&e| build_directly(from, e, heap))
        .collect();
    heap.alloc_array(copies).unwrap()
}

fn cases(heap: &Heap) -> Vec<(&'static str, Value)> {
    let strings: Vec<Value> = (0..100)
        .map(|i| heap.alloc_str(&format!("item {i}")).unwrap())
        .collect();
    vec![
        ("int", int(42)),
        ("string 10", heap.alloc_str("hello wörl").unwrap()),
        ("array of 100 strings", heap.alloc_array(strings).unwrap()),
        ("tree of 10000", tree(heap, 10_000)),
    ]
}

/// Times `step` over `iters` iterations, sweeping the receiver (untimed)
/// every `batch` iterations.
fn timed(iters: u64, batch: u64, mut step: impl FnMut(&mut Heap)) -> Duration {
    let mut receiver = Heap::new();
    let mut total = Duration::ZERO;
    let mut done = 0;
    while done < iters {
        let n = batch.min(iters - done);
        let start = Instant::now();
        for _ in 0..n {
            step(&mut receiver);
        }
        total += start.elapsed();
        receiver.sweep(SweepMode::Local);
        done += n;
    }
    total
}

fn copy(c: &mut Criterion) {
    let sender = Heap::new();
    for (name, value) in cases(&sender) {
        let message = Message::copy(&sender, &[value]).unwrap();
        let objects = message.objects() as u64;
        let bytes = message.bytes() as u64;
        // Keep the receiver's garbage near 4 MB between sweeps.
        let batch = (4_000_000 / (bytes + 64)).max(1);
        let mut group = c.benchmark_group(name);
        group.throughput(if objects == 0 {
            Throughput::Bytes(bytes)
        } else {
            Throughput::ElementsAndBytes {
                elements: objects,
                bytes,
            }
        });
        group.bench_function("copy", |b| {
            b.iter(|| black_box(Message::copy(&sender, black_box(&[value])).unwrap()))
        });
        group.bench_function("decode", |b| {
            b.iter_custom(|iters| {
                timed(iters, batch, |receiver| {
                    black_box(message.decode(receiver).unwrap());
                })
            })
        });
        group.bench_function("heap floor", |b| {
            b.iter_custom(|iters| {
                timed(iters, batch, |receiver| {
                    black_box(build_directly(&sender, value, receiver));
                })
            })
        });
        group.bench_function("round trip", |b| {
            b.iter_custom(|iters| {
                timed(iters, batch, |receiver| {
                    let m = Message::copy(&sender, black_box(&[value])).unwrap();
                    black_box(m.decode(receiver).unwrap());
                })
            })
        });
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = copy
}
criterion_main!(benches);
