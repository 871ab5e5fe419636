//! The heap's mechanism on its own: allocation, reads, mutation, mark bits,
//! sweeping, accounting and page give-back, driven by hand (the `gc` crate's
//! tests drive it through the real collector).

use heap::{AllocError, Heap, LiteralSpace, MutateError, SweepMode, Type, Value};

fn int(n: i64) -> Value {
    Value::int(n).unwrap()
}

/// Marks everything reachable from `roots`, as a local collector would.
fn mark_from(heap: &Heap, roots: &[Value]) {
    let mut stack: Vec<Value> = roots
        .iter()
        .copied()
        .filter(|&r| heap.mark_local(r))
        .collect();
    while let Some(v) = stack.pop() {
        heap.for_each_child(v, |c| {
            if heap.mark_local(c) {
                stack.push(c)
            }
        });
    }
}

#[test]
fn every_kind_allocates_and_reads_back() {
    let heap = Heap::new();
    let s = heap.alloc_str("héllo").unwrap();
    let a = heap.alloc_array(vec![int(1), s]).unwrap();
    let f = heap.alloc_float(1e300).unwrap();
    let g = heap.alloc_float(2.5).unwrap();
    let func = heap.alloc_function(7).unwrap();
    let m = heap.alloc_map(0).unwrap();

    assert_eq!(heap.type_of(s), Type::String);
    assert_eq!(heap.str_of(s), Some("héllo"));
    assert_eq!(heap.str_char_count(s), Some(5));
    assert!(!heap.str_is_ascii(s));
    assert_eq!(heap.array_of(a), Some(&[int(1), s][..]));
    assert_eq!(heap.type_of(f), Type::Float);
    assert!(f.is_ptr(), "1e300 is boxed");
    assert_eq!(heap.float_of(f), Some(1e300));
    assert!(!g.is_ptr(), "2.5 is immediate");
    assert_eq!(heap.float_of(g), Some(2.5));
    assert_eq!(heap.function_of(func), Some(7));
    assert_eq!(heap.type_of(m), Type::Map);
    assert_eq!(heap.str_of(a), None);
    assert_eq!(heap.array_of(s), None);
    assert_eq!(heap.stats().objects, 5);
}

#[test]
fn maps_use_string_content_and_numeric_value_as_keys() {
    let mut heap = Heap::new();
    let m = heap.alloc_map(0).unwrap();
    let k1 = heap.alloc_str("key").unwrap();
    let k2 = heap.alloc_str("key").unwrap();
    heap.map_insert(m, k1, int(1)).unwrap();
    heap.map_insert(m, k2, int(2)).unwrap();
    heap.map_insert(m, int(3), int(30)).unwrap();
    assert_eq!(heap.map_of(m).unwrap().len(), 2);
    assert_eq!(heap.map_get(m, k1), Ok(Some(int(2))));
    assert_eq!(
        heap.map_get(m, heap.alloc_float(3.0).unwrap()),
        Ok(Some(int(30)))
    );
    let arr = heap.alloc_array(vec![]).unwrap();
    assert_eq!(
        heap.map_insert(m, arr, int(0)),
        Err(MutateError::Unhashable(Type::Array))
    );
}

#[test]
fn sweep_frees_exactly_the_unmarked_and_reuses_their_slots() {
    let mut heap = Heap::new();
    let kept: Vec<Value> = (0..100)
        .map(|i| heap.alloc_str(&format!("kept {i}")).unwrap())
        .collect();
    let dropped: Vec<Value> = (0..100)
        .map(|i| heap.alloc_str(&format!("lost {i}")).unwrap())
        .collect();
    mark_from(&heap, &kept);
    let report = heap.sweep(SweepMode::Local);
    assert_eq!(report.freed_objects, 100);
    assert_eq!(report.live_objects, 100);
    for (i, &v) in kept.iter().enumerate() {
        assert!(heap.is_allocated(v));
        assert_eq!(heap.str_of(v), Some(format!("kept {i}").as_str()));
    }
    assert!(dropped.iter().all(|&v| !heap.is_allocated(v)));
    // Freed slots of the same class come back before any new page.
    let pages = heap.stats().pages;
    let again = heap.alloc_str("lost 0").unwrap();
    assert!(dropped.contains(&again));
    assert_eq!(heap.stats().pages, pages);
}

#[test]
fn sweep_clears_marks_so_the_next_cycle_starts_clean() {
    let mut heap = Heap::new();
    let v = heap.alloc_str("x").unwrap();
    mark_from(&heap, &[v]);
    heap.sweep(SweepMode::Local);
    // Not marked this time: must be freed.
    let report = heap.sweep(SweepMode::Local);
    assert_eq!(report.freed_objects, 1);
    assert!(!heap.is_allocated(v));
}

#[test]
fn accounting_tracks_slots_and_out_of_line_storage_and_returns_to_zero() {
    let mut heap = Heap::new();
    const N: i64 = if cfg!(miri) { 500 } else { 10_000 };
    let a = heap.alloc_array(Vec::new()).unwrap();
    for i in 0..N {
        heap.array_push(a, int(i)).unwrap();
    }
    let stats = heap.stats();
    assert!(stats.out_of_line >= N as usize * 8, "{stats:?}");
    assert_eq!(stats.footprint, stats.in_use + stats.out_of_line);
    assert!(stats.heap_size >= stats.footprint);
    let m = heap.alloc_map(0).unwrap();
    for i in 0..N / 10 {
        heap.map_insert(m, int(i), int(i)).unwrap();
    }
    assert!(heap.stats().out_of_line > stats.out_of_line);
    heap.sweep(SweepMode::Local);
    let empty = heap.stats();
    assert_eq!(
        (empty.footprint, empty.out_of_line, empty.objects),
        (0, 0, 0)
    );
}

#[test]
fn a_burst_is_given_back_after_the_sweep() {
    let mut heap = Heap::new();
    const N: usize = if cfg!(miri) { 3_000 } else { 200_000 };
    let keep = heap.alloc_str("survivor").unwrap();
    for i in 0..N {
        heap.alloc_str(&format!("garbage {i}")).unwrap();
    }
    let big = heap.stats().heap_size;
    assert!(
        big > N * 20,
        "burst should take {N} slots, took {big} bytes"
    );
    mark_from(&heap, &[keep]);
    let report = heap.sweep(SweepMode::Local);
    let small = heap.stats().heap_size;
    assert!(report.released_pages + 2 >= big / heap::PAGE_SIZE);
    assert!(small <= 2 * heap::PAGE_SIZE, "heap kept {small} bytes");
    assert_eq!(heap.str_of(keep), Some("survivor"));
}

#[test]
fn large_objects_live_and_die_like_small_ones() {
    let mut heap = Heap::new();
    let text = "x".repeat(100_000);
    let big = heap.alloc_str(&text).unwrap();
    let gone = heap.alloc_str(&text).unwrap();
    assert_eq!(heap.stats().large_objects, 2);
    assert_eq!(heap.str_char_count(big), Some(100_000));
    mark_from(&heap, &[big]);
    heap.sweep(SweepMode::Local);
    assert_eq!(heap.stats().large_objects, 1);
    assert!(heap.is_allocated(big) && !heap.is_allocated(gone));
    assert_eq!(heap.str_of(big), Some(text.as_str()));
}

#[test]
fn the_limit_refuses_allocation_past_it() {
    let mut heap = Heap::new();
    heap.set_limit(Some(64 * 1024));
    let a = heap.alloc_array(Vec::new()).unwrap();
    let mut pushed = 0;
    let err = loop {
        match heap.array_push(a, int(pushed)) {
            Ok(()) => pushed += 1,
            Err(e) => break e,
        }
    };
    assert_eq!(err, MutateError::Alloc(AllocError::HeapLimit));
    assert!(pushed > 1000, "only {pushed} pushes fit");
    assert!(heap.footprint() <= 64 * 1024);
    assert_eq!(
        heap.alloc_str(&"y".repeat(70_000)),
        Err(AllocError::HeapLimit)
    );
}

#[test]
fn frozen_objects_refuse_mutation() {
    let mut heap = Heap::new();
    let a = heap.alloc_array(vec![int(1)]).unwrap();
    heap.set_frozen(a, false);
    assert!(heap.is_frozen(a) && !heap.is_shareable(a));
    assert_eq!(
        heap.array_push(a, int(2)),
        Err(MutateError::Frozen(Type::Array))
    );
    assert_eq!(
        heap.array_set(a, 0, int(2)),
        Err(MutateError::Frozen(Type::Array))
    );
    assert_eq!(heap.array_of(a), Some(&[int(1)][..]));
}

#[test]
fn shareable_objects_survive_local_sweeps_and_die_in_global_ones() {
    let mut heap = Heap::new();
    let s = heap.alloc_str("shared").unwrap();
    heap.set_frozen(s, true);
    assert!(
        !heap.mark_local(s),
        "a local marker never traces a shareable object"
    );
    heap.sweep(SweepMode::Local);
    assert!(heap.is_allocated(s));
    heap.sweep(SweepMode::Global);
    assert!(!heap.is_allocated(s));
}

#[test]
fn local_marking_skips_foreign_objects() {
    let mut literals = LiteralSpace::new();
    let lit = literals.alloc_str("literal").unwrap();
    let other = Heap::new();
    let foreign = other.alloc_str("other's").unwrap();
    let heap = Heap::new();
    assert!(!heap.mark_local(lit));
    assert!(!heap.mark_local(foreign));
    assert!(heap.is_shareable(lit) && heap.is_frozen(lit));
    assert_eq!(heap.str_of(lit), Some("literal"));
    assert_eq!(heap.owner_of(lit), Some(heap::HeapId::LITERALS));
}

#[test]
fn equality_is_structural_and_survives_cycles() {
    let mut heap = Heap::new();
    let a = heap.alloc_array(vec![int(1)]).unwrap();
    let b = heap
        .alloc_array(vec![heap.alloc_float(1.0).unwrap()])
        .unwrap();
    assert!(heap.values_equal(a, b));
    heap.array_push(a, a).unwrap();
    heap.array_push(b, b).unwrap();
    assert!(heap.values_equal(a, b));
    heap.array_push(b, int(9)).unwrap();
    assert!(!heap.values_equal(a, b));
    let nan = heap.alloc_float(f64::NAN).unwrap();
    assert!(!heap.values_equal(nan, nan));
    let s1 = heap.alloc_str("é").unwrap();
    let s2 = heap.alloc_str("z").unwrap();
    assert_eq!(heap.compare(s1, s2), Some(std::cmp::Ordering::Greater));
    assert_eq!(heap.compare(s1, int(1)), None);
}

#[test]
fn deep_structures_compare_without_recursion() {
    let heap = Heap::new();
    let (mut x, mut y) = (Value::NIL, Value::NIL);
    for _ in 0..if cfg!(miri) { 2_000 } else { 200_000 } {
        x = heap.alloc_array(vec![x]).unwrap();
        y = heap.alloc_array(vec![y]).unwrap();
    }
    assert!(heap.values_equal(x, y));
}

#[test]
fn handles_compare_by_id_and_release_their_target_when_swept() {
    let mut heap = Heap::new();
    let target: heap::HandleTarget = std::sync::Arc::new(42u32);
    let a = heap.alloc_handle(7, target.clone()).unwrap();
    let b = heap.alloc_handle(7, target.clone()).unwrap();
    let c = heap.alloc_handle(8, target.clone()).unwrap();
    assert_eq!(heap.type_of(a), Type::Isolate);
    assert!(heap.values_equal(a, b) && !heap.values_equal(a, c));
    let m = heap.alloc_map(0).unwrap();
    heap.map_insert(m, a, int(1)).unwrap();
    assert_eq!(heap.map_get(m, b), Ok(Some(int(1))));
    assert_eq!(std::sync::Arc::strong_count(&target), 4);
    let (id, t) = heap.handle_of(c).unwrap();
    assert_eq!((id, t.downcast_ref::<u32>()), (8, Some(&42)));
    mark_from(&heap, &[m]);
    heap.sweep(SweepMode::Local);
    assert_eq!(
        std::sync::Arc::strong_count(&target),
        2,
        "b and c were swept"
    );
    drop(heap);
    assert_eq!(
        std::sync::Arc::strong_count(&target),
        1,
        "dropping the heap drops a"
    );
}

/// Marks everything reachable from `roots` as a global collector would.
fn mark_globally(roots: &[Value]) {
    let mut stack: Vec<Value> = roots
        .iter()
        .copied()
        .filter(|&r| heap::mark_global(r))
        .collect();
    while let Some(v) = stack.pop() {
        heap::trace(v, |c| {
            if heap::mark_global(c) {
                stack.push(c)
            }
        });
    }
}

#[test]
fn a_retired_heap_hands_its_shareable_objects_to_the_global_owner() {
    let mut heap = Heap::new();
    let mut global = Heap::new_global();
    let shared = heap.alloc_str("kept for the others").unwrap();
    heap.set_frozen(shared, true);
    let holder = heap.alloc_array(vec![shared, int(1)]).unwrap();
    heap.set_frozen(holder, true);
    let private = heap.alloc_str("dies with its isolate").unwrap();
    let shareable_bytes = heap.stats().shareable_bytes;
    assert!(shareable_bytes >= 64, "{shareable_bytes}");
    // Sent away (a message referenced it): others may hold it, and through
    // it `shared`.
    heap.publish(holder);
    let unsent = heap.alloc_str("frozen, never sent").unwrap();
    heap.set_frozen(unsent, true);

    heap.retire_into(&mut global);
    let gone = heap.stats();
    assert_eq!(
        (gone.footprint, gone.pages, gone.shareable_bytes),
        (0, 0, 0)
    );
    assert_eq!(global.owner_of(shared), Some(heap::HeapId::GLOBAL));
    assert_eq!(global.str_of(shared), Some("kept for the others"));
    assert!(global.is_allocated(holder) && !global.is_allocated(private));
    assert!(
        !global.is_allocated(unsent),
        "no other isolate can reach it"
    );
    assert_eq!(global.stats().shareable_bytes, shareable_bytes);
    assert_eq!(global.stats().objects, 2);
    let held = global.stats();
    assert_eq!(
        held.heap_size,
        held.pages * heap::PAGE_SIZE,
        "whole pages are what the global owner holds"
    );
    assert_eq!(global.held_bytes(), held.heap_size);

    // A global collection keeps what a root reaches ...
    mark_globally(&[holder]);
    let kept = global.sweep(SweepMode::Global);
    assert_eq!(kept.freed_objects, 0);
    assert_eq!(global.array_of(holder), Some(&[shared, int(1)][..]));
    // ... and frees the rest, counting it as dead shareable memory.
    let freed = global.sweep(SweepMode::Global);
    assert_eq!(freed.freed_objects, 2);
    assert_eq!(freed.freed_shareable_bytes, shareable_bytes);
    assert_eq!(global.stats().shareable_bytes, 0);
    assert_eq!(global.stats().pages, 0, "emptied pages are given back");
}

#[test]
fn global_marking_crosses_heaps_but_skips_literals() {
    let mut literals = LiteralSpace::new();
    let lit = literals.alloc_str("literal").unwrap();
    let mut a = Heap::new();
    let mut b = Heap::new();
    let shared_in_b = b.alloc_array(vec![lit]).unwrap();
    b.set_frozen(shared_in_b, true);
    let in_a = a.alloc_array(vec![shared_in_b]).unwrap();
    let dead_in_b = b.alloc_str("unreachable").unwrap();
    mark_globally(&[in_a]);
    assert!(!heap::mark_global(lit), "literals are never marked");
    a.sweep(SweepMode::Global);
    let report = b.sweep(SweepMode::Global);
    assert!(a.is_allocated(in_a) && b.is_allocated(shared_in_b));
    assert!(!b.is_allocated(dead_in_b));
    assert_eq!(report.freed_objects, 1);
    assert_eq!(
        b.str_of(b.array_of(shared_in_b).unwrap()[0]),
        Some("literal")
    );
}
