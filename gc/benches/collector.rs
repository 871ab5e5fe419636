//! Mark and sweep throughput of the local collector, in objects per second.
//! Mark: a 100,000-cell linked list, all live (sweep frees nothing). Sweep:
//! 100,000 dead two-element arrays (marking finds nothing).

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use gc::{LocalCollector, PolicySpec};
use heap::{Heap, Value};

const N: usize = 100_000;

fn collector() -> LocalCollector {
    LocalCollector::new(PolicySpec::default().instantiate(), false)
}

fn mark(c: &mut Criterion) {
    let mut group = c.benchmark_group("local gc");
    group.throughput(Throughput::Elements(N as u64));
    group.bench_function("mark 100k live cells", |b| {
        let mut heap = Heap::new();
        let mut list = Value::NIL;
        for i in 0..N {
            list = heap
                .alloc_array_from(&[Value::int(i as i64).unwrap(), list])
                .unwrap();
        }
        let roots = vec![list];
        let mut gc = collector();
        b.iter(|| gc.collect(&mut heap, &roots));
    });
    group.bench_function("sweep 100k dead cells", |b| {
        b.iter_batched_ref(
            || {
                let heap = Heap::new();
                for _ in 0..N {
                    heap.alloc_array_from(&[Value::NIL, Value::NIL]).unwrap();
                }
                (heap, collector())
            },
            |(heap, gc)| gc.collect(heap, &Vec::new()),
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(benches, mark);
criterion_main!(benches);
