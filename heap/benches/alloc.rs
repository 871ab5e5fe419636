//! Allocation throughput, and the measurement behind flonums: a loop of
//! float additions whose results are immediates against the same loop whose
//! results must be boxed.

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use heap::{Heap, SweepMode, Value};
use std::hint::black_box;

const N: usize = 10_000;

fn allocation(c: &mut Criterion) {
    let mut group = c.benchmark_group("alloc");
    group.throughput(Throughput::Elements(N as u64));
    group.bench_function("short strings", |b| {
        b.iter_batched_ref(
            Heap::new,
            |heap| {
                for i in 0..N {
                    black_box(
                        heap.alloc_str(if i % 2 == 0 { "hello" } else { "world!" })
                            .unwrap(),
                    );
                }
            },
            BatchSize::SmallInput,
        )
    });
    group.bench_function("2-element arrays", |b| {
        let pair = [Value::NIL, Value::TRUE];
        b.iter_batched_ref(
            Heap::new,
            |heap| {
                for _ in 0..N {
                    black_box(heap.alloc_array_from(&pair).unwrap());
                }
            },
            BatchSize::SmallInput,
        )
    });
    group.bench_function("2-element arrays, reusing swept slots", |b| {
        let pair = [Value::NIL, Value::TRUE];
        let mut heap = Heap::new();
        b.iter(|| {
            for _ in 0..N {
                black_box(heap.alloc_array_from(&pair).unwrap());
            }
            heap.sweep(SweepMode::Local);
        })
    });
    group.finish();
}

/// Sums N floats, each partial sum stored as a `Value`.
fn float_sum(heap: &Heap, start: f64, step: f64) -> Value {
    let mut acc = heap.alloc_float(start).unwrap();
    for _ in 0..N {
        let x = heap.float_of(acc).unwrap() + step;
        acc = heap.alloc_float(x).unwrap();
    }
    acc
}

fn float_representation(c: &mut Criterion) {
    let mut group = c.benchmark_group("value_repr");
    group.throughput(Throughput::Elements(N as u64));
    // Sums near 1.0: every partial sum is a flonum, nothing is allocated.
    group.bench_function("flonum sums", |b| {
        b.iter_batched_ref(
            Heap::new,
            |h| black_box(float_sum(h, 1.0, 1e-9)),
            BatchSize::SmallInput,
        )
    });
    // Sums near 1e300: outside the flonum range, every partial sum is boxed.
    group.bench_function("boxed sums", |b| {
        b.iter_batched_ref(
            Heap::new,
            |h| black_box(float_sum(h, 1e300, 1e290)),
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

criterion_group!(benches, allocation, float_representation);
criterion_main!(benches);
