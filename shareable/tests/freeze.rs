//! The deep freeze's contract: `make_shareable` makes exactly the graph of a
//! value frozen and shareable (property tests over random graphs), fails
//! without changing anything when the graph reaches a non-shareable object
//! of another heap, neither traverses nor changes shareable objects, reports
//! the bytes the heap's statistics grow by, and does not recurse. Then what a
//! freeze means to the rest of the crate and to the heap: frozen objects
//! refuse mutation, survive every local collection and are freed by a global
//! one, and travel in messages by reference.

mod common;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Instant;

use common::graph::{Breach, World, spec};
use common::{collect, int, on_small_stack, snapshot};
use heap::{HandleTarget, Heap, HeapStats, LiteralSpace, MutateError, SweepMode, Type, Value};
use proptest::prelude::*;
use shareable::{FreezeError, FreezeReport, Message, is_shareable, make_shareable};

// ---------------------------------------------------------------------------
// Graph walks used by the checks.

/// Every object reachable from `roots`, through shareable and foreign
/// objects too, each once, breadth first.
fn reachable(heap: &Heap, roots: &[Value]) -> Vec<Value> {
    let mut seen = HashSet::new();
    let mut queue: Vec<Value> = Vec::new();
    for &r in roots {
        if r.is_ptr() && seen.insert(r.bits()) {
            queue.push(r);
        }
    }
    let mut next = 0;
    while next < queue.len() {
        let v = queue[next];
        next += 1;
        heap.for_each_child(v, |c| {
            if c.is_ptr() && seen.insert(c.bits()) {
                queue.push(c);
            }
        });
    }
    queue
}

/// What freezing `root` must do: the objects reachable from it without
/// passing through a shareable one, and the type of the first non-shareable
/// object of another heap among them, if any.
fn to_freeze(heap: &Heap, root: Value) -> (HashSet<u64>, Option<&'static str>) {
    let mut found = HashSet::new();
    let mut foreign = None;
    let mut stack = Vec::new();
    let mut visit = |v: Value, stack: &mut Vec<Value>| {
        if v.is_ptr() && !heap.is_shareable(v) && found.insert(v.bits()) {
            if heap.owner_of(v) != Some(heap.id()) {
                foreign.get_or_insert(heap.type_of(v).name());
            }
            stack.push(v);
        }
    };
    visit(root, &mut stack);
    while let Some(v) = stack.pop() {
        let mut children = Vec::new();
        heap.for_each_child(v, |c| children.push(c));
        for c in children {
            visit(c, &mut stack);
        }
    }
    (found, foreign)
}

/// The frozen and shareable flags of `v`.
fn flags(heap: &Heap, v: Value) -> (bool, bool) {
    (heap.is_frozen(v), heap.is_shareable(v))
}

/// `after` equals `before` but for the shareable bytes.
fn same_but_shareable_bytes(before: HeapStats, after: HeapStats) -> bool {
    HeapStats {
        shareable_bytes: before.shareable_bytes,
        ..after
    } == before
}

/// Every object of the world that A can reach, and every node.
fn everything(w: &World) -> Vec<Value> {
    let all: Vec<Value> = w.nodes.iter().chain(&w.roots).copied().collect();
    reachable(&w.a, &all)
}

/// Freezes `root` in `w.a` and checks everything `make_shareable` promises.
fn freeze_and_check(w: &mut World, root: Value) -> Result<(), TestCaseError> {
    let everything = everything(w);
    let before = snapshot(&w.a, &everything);
    let (expected, foreign) = to_freeze(&w.a, root);
    let (c_stats, literal_stats) = (w.c.stats(), w.literals.stats());

    let result = make_shareable(&mut w.a, root);
    prop_assert_eq!(w.c.stats(), c_stats, "another isolate's heap is untouched");
    prop_assert_eq!(w.literals.stats(), literal_stats, "literals are untouched");

    if let Some(ty) = foreign {
        // All or nothing: not a flag, not a figure changed.
        prop_assert_eq!(result, Err(FreezeError::ForeignObject(ty)));
        prop_assert_eq!(snapshot(&w.a, &everything), before);
        prop_assert!(!is_shareable(&w.a, root));
        return Ok(());
    }
    let report = result.unwrap();
    let after = w.a.stats();
    prop_assert_eq!(report.objects, expected.len());
    prop_assert_eq!(
        after.shareable_bytes - before.stats.shareable_bytes,
        report.bytes
    );
    prop_assert!(
        same_but_shareable_bytes(before.stats, after),
        "a freeze allocates nothing"
    );
    prop_assert_eq!(report.bytes == 0, report.objects == 0);

    // Exactly the expected objects changed, and only their flags.
    let now = snapshot(&w.a, &everything);
    prop_assert_eq!(now.objects.len(), before.objects.len());
    for (old, new) in before.objects.iter().zip(&now.objects) {
        prop_assert_eq!(old.0, new.0);
        prop_assert_eq!(&old.3, &new.3, "contents are unchanged");
        if expected.contains(&old.0) {
            prop_assert!(new.1 && new.2, "a reachable object is frozen and shareable");
        } else {
            prop_assert_eq!(
                (old.1, old.2),
                (new.1, new.2),
                "an unreachable object is unchanged"
            );
        }
    }
    // Shareable closure: everything the root reaches is shareable.
    for v in reachable(&w.a, &[root]) {
        prop_assert_eq!(flags(&w.a, v), (true, true));
    }
    prop_assert!(is_shareable(&w.a, root));

    // A second freeze finds nothing to do.
    prop_assert_eq!(make_shareable(&mut w.a, root), Ok(FreezeReport::default()));
    prop_assert_eq!(w.a.stats(), after);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: if cfg!(miri) { 4 } else { 200 }, ..ProptestConfig::default() })]

    /// Freezing each root in turn (later roots overlap graphs frozen by
    /// earlier ones) freezes exactly what each reaches.
    #[cfg_attr(miri, ignore = "minutes per case under Miri; the deterministic tests run there")]
    #[test]
    fn a_freeze_makes_exactly_the_reachable_graph_shareable(spec in spec()) {
        let mut w = World::build(&spec, None);
        for root in w.roots.clone() {
            freeze_and_check(&mut w, root)?;
        }
    }

    /// With a non-shareable object of another heap planted somewhere, a
    /// freeze whose graph reaches it changes nothing; the others succeed.
    #[cfg_attr(miri, ignore = "minutes per case under Miri; the deterministic tests run there")]
    #[test]
    fn a_freeze_that_reaches_a_foreign_object_changes_nothing(
        spec in spec(),
        breach in prop_oneof![Just(Breach::Str), Just(Breach::Array)],
        at in any::<usize>(),
    ) {
        let mut w = World::build(&spec, Some((breach, at)));
        for root in w.roots.clone() {
            freeze_and_check(&mut w, root)?;
        }
    }
}

// ---------------------------------------------------------------------------
// Cases.

#[test]
fn immediates_need_nothing() {
    let mut a = Heap::new();
    let f = a.alloc_float(2.5).unwrap();
    assert!(!f.is_ptr(), "2.5 is an immediate flonum");
    for v in [int(7), Value::NIL, Value::TRUE, f] {
        assert!(is_shareable(&a, v));
        assert_eq!(make_shareable(&mut a, v), Ok(FreezeReport::default()));
    }
    assert_eq!(a.stats().shareable_bytes, 0);
}

#[test]
fn cycles_and_shared_parts_freeze_once() {
    let mut a = Heap::new();
    let s = a.alloc_str("shared").unwrap();
    let arr = a.alloc_array_from(&[s, s]).unwrap();
    a.array_push(arr, arr).unwrap();
    let m = a.alloc_map(0).unwrap();
    a.map_insert(m, s, arr).unwrap();
    a.map_insert(m, int(1), m).unwrap();
    a.array_push(arr, m).unwrap();

    let before = a.stats().shareable_bytes;
    let report = make_shareable(&mut a, m).unwrap();
    assert_eq!(report.objects, 3);
    assert_eq!(a.stats().shareable_bytes - before, report.bytes);
    for v in [s, arr, m] {
        assert_eq!(flags(&a, v), (true, true));
    }
    // A frozen map still finds its keys.
    assert_eq!(a.map_get(m, s), Ok(Some(arr)));
    assert_eq!(a.map_get(m, int(1)), Ok(Some(m)));
    assert_eq!(make_shareable(&mut a, arr), Ok(FreezeReport::default()));
}

#[test]
fn every_kind_freezes_and_reads_back() {
    let mut a = Heap::new();
    let target: HandleTarget = Arc::new(42u64);
    let handle = a.alloc_handle(42, target.clone()).unwrap();
    let boxed = a.alloc_float(1e300).unwrap();
    let func = a.alloc_function(9).unwrap();
    let s = a.alloc_str("héllo").unwrap();
    let m = a.alloc_map(0).unwrap();
    a.map_insert(m, s, boxed).unwrap();
    let root = a.alloc_array_from(&[handle, func, m, int(3)]).unwrap();

    let report = make_shareable(&mut a, root).unwrap();
    assert_eq!(report.objects, 6);
    for v in [handle, boxed, func, s, m, root] {
        assert_eq!(flags(&a, v), (true, true), "{:?}", a.type_of(v));
    }
    let (id, t) = a.handle_of(handle).unwrap();
    assert_eq!(id, 42);
    assert!(Arc::ptr_eq(t, &target));
    assert_eq!(Arc::strong_count(&target), 2, "a freeze clones no handle");
    assert_eq!(a.float_of(boxed), Some(1e300));
    assert_eq!(a.function_of(func), Some(9));
    assert_eq!(a.str_of(s), Some("héllo"));
}

#[test]
fn a_frozen_object_that_is_not_shareable_becomes_shareable() {
    let mut a = Heap::new();
    let s = a.alloc_str("frozen only").unwrap();
    let arr = a.alloc_array_from(&[s]).unwrap();
    a.set_frozen(arr, false);
    a.set_frozen(s, false);
    assert_eq!(flags(&a, arr), (true, false));
    assert!(!is_shareable(&a, arr));

    let report = make_shareable(&mut a, arr).unwrap();
    assert_eq!(report.objects, 2);
    assert_eq!(report.bytes, a.stats().shareable_bytes);
    assert_eq!(flags(&a, arr), (true, true));
    assert_eq!(flags(&a, s), (true, true));
}

/// Builds, in `a`, a graph of a dozen objects whose last-discovered leaf
/// is `planted`; returns the root and every object of `a` built.
fn graph_around(a: &mut Heap, planted: Value) -> (Value, Vec<Value>) {
    let mut built = Vec::new();
    let mut level = Vec::new();
    for i in 0..4 {
        let s = a.alloc_str(&format!("s{i}")).unwrap();
        let f = a.alloc_float(1e300 + i as f64).unwrap();
        let m = a.alloc_map(0).unwrap();
        a.map_insert(m, s, f).unwrap();
        built.extend([s, f, m]);
        level.push(m);
    }
    let inner = a.alloc_array_from(&[level[2], level[3], planted]).unwrap();
    let root = a
        .alloc_array_from(&[level[0], level[1], int(5), inner])
        .unwrap();
    a.array_push(inner, root).unwrap();
    built.extend([inner, root]);
    (root, built)
}

#[test]
fn a_foreign_object_in_the_graph_fails_the_freeze_and_changes_nothing() {
    let mut a = Heap::new();
    let b = Heap::new();
    // A test-only breach of containment: B's string in A's array.
    let intruder = b.alloc_str("B's").unwrap();
    let (root, built) = graph_around(&mut a, intruder);
    let stats = a.stats();

    let err = make_shareable(&mut a, root).unwrap_err();
    assert_eq!(err, FreezeError::ForeignObject("string"));
    assert_eq!(
        err.to_string(),
        "cannot freeze: the value reaches a string owned by another isolate"
    );
    for &v in &built {
        assert_eq!(flags(&a, v), (false, false), "{:?} changed", a.type_of(v));
    }
    assert_eq!(flags(&b, intruder), (false, false));
    assert_eq!(a.stats(), stats);
    assert!(!is_shareable(&a, root));

    // The graph without the intruder freezes.
    let inner = built[built.len() - 2];
    assert_eq!(a.array_of(inner).unwrap()[2], intruder);
    a.array_set(inner, 2, Value::NIL).unwrap();
    let report = make_shareable(&mut a, root).unwrap();
    assert_eq!(report.objects, built.len());
    assert!(built.iter().all(|&v| flags(&a, v) == (true, true)));
}

#[test]
fn a_foreign_root_or_container_is_reported_by_its_type() {
    let mut a = Heap::new();
    let b = Heap::new();
    let s = b.alloc_str("B's").unwrap();
    let arr = b.alloc_array_from(&[s]).unwrap();
    assert_eq!(
        make_shareable(&mut a, s),
        Err(FreezeError::ForeignObject("string"))
    );
    let err = make_shareable(&mut a, arr).unwrap_err();
    assert_eq!(err, FreezeError::ForeignObject("array"));
    assert_eq!(
        err.to_string(),
        "cannot freeze: the value reaches an array owned by another isolate"
    );
    let m = b.alloc_map(0).unwrap();
    let holder = a.alloc_array_from(&[int(1), m]).unwrap();
    assert_eq!(
        make_shareable(&mut a, holder),
        Err(FreezeError::ForeignObject("map"))
    );
    assert_eq!(flags(&a, holder), (false, false));
    assert_eq!(flags(&b, arr), (false, false));
}

#[test]
fn shareable_objects_of_other_heaps_are_accepted_and_not_traversed() {
    let mut a = Heap::new();
    let mut c = Heap::new();
    let mut literals = LiteralSpace::new();
    let lit = literals.alloc_str("a literal").unwrap();

    // C's frozen graph, received by reference.
    let c_str = c.alloc_str("C's").unwrap();
    let c_graph = c.alloc_array_from(&[c_str, int(1)]).unwrap();
    let c_report = make_shareable(&mut c, c_graph).unwrap();
    assert_eq!(c_report.objects, 2);
    // A shareable object of C that (breaking the closure invariant, for the
    // test only) holds a non-shareable one: a freeze that traversed it would
    // fail with ForeignObject.
    let c_loose = c.alloc_str("C's, not shareable").unwrap();
    let c_sealed = c.alloc_array_from(&[c_loose]).unwrap();
    c.set_frozen(c_sealed, true);

    let (c_stats, literal_stats) = (c.stats(), literals.stats());
    let own = a.alloc_str("A's").unwrap();
    let root = a
        .alloc_array_from(&[lit, c_graph, c_sealed, own, lit])
        .unwrap();
    let report = make_shareable(&mut a, root).unwrap();
    assert_eq!(report.objects, 2, "the root and A's string only");
    assert_eq!(report.bytes, a.stats().shareable_bytes);
    assert_eq!(flags(&c, c_loose), (false, false), "not traversed");
    assert_eq!(c.stats(), c_stats);
    assert_eq!(literals.stats(), literal_stats);
    assert!(is_shareable(&a, lit) && is_shareable(&a, c_graph));
}

#[test]
fn shareable_objects_of_the_heap_itself_are_not_traversed() {
    let mut a = Heap::new();
    let loose = a.alloc_str("not shareable").unwrap();
    let sealed = a.alloc_array_from(&[loose]).unwrap();
    // Test-only breach of the closure invariant, to see the freeze stop.
    a.set_frozen(sealed, true);
    let other = a.alloc_str("other").unwrap();
    let root = a.alloc_array_from(&[sealed, other]).unwrap();
    let before = a.stats().shareable_bytes;

    let report = make_shareable(&mut a, root).unwrap();
    assert_eq!(report.objects, 2);
    assert_eq!(a.stats().shareable_bytes - before, report.bytes);
    assert_eq!(flags(&a, loose), (false, false));
    assert_eq!(flags(&a, other), (true, true));
}

#[test]
fn frozen_objects_refuse_mutation() {
    let mut a = Heap::new();
    let s = a.alloc_str("k").unwrap();
    let arr = a.alloc_array_from(&[int(1), int(2)]).unwrap();
    let m = a.alloc_map(0).unwrap();
    a.map_insert(m, s, arr).unwrap();
    make_shareable(&mut a, m).unwrap();

    let frozen = |t| Err(MutateError::Frozen(t));
    assert_eq!(a.array_push(arr, int(3)), frozen(Type::Array));
    assert_eq!(a.array_set(arr, 0, int(9)), frozen(Type::Array));
    assert_eq!(a.array_pop(arr), Err(MutateError::Frozen(Type::Array)));
    assert_eq!(a.map_insert(m, s, int(0)), frozen(Type::Map));
    assert_eq!(a.map_insert(m, int(5), int(0)), frozen(Type::Map));
    assert_eq!(a.array_of(arr), Some(&[int(1), int(2)][..]));
    assert_eq!(a.map_of(m).unwrap().len(), 1);
    assert_eq!(a.map_get(m, s), Ok(Some(arr)));
}

#[test]
fn local_collections_keep_frozen_objects_and_a_global_one_frees_them() {
    let mut a = Heap::new();
    let (root, built) = graph_around(&mut a, Value::NIL);
    let big: Vec<Value> = (0..300).map(int).collect();
    let big = a.alloc_array(big).unwrap();
    a.array_push(root, big).unwrap();
    let garbage: Vec<Value> = (0..50)
        .map(|i| a.alloc_str(&format!("garbage {i}")).unwrap())
        .collect();
    let report = make_shareable(&mut a, root).unwrap();
    assert_eq!(report.objects, built.len() + 1);
    assert_eq!(a.stats().shareable_bytes, report.bytes);

    // No roots at all: a local collection frees only the garbage.
    for _ in 0..2 {
        let swept = collect(&mut a, &[]);
        assert_eq!(swept.live_objects, report.objects);
        assert_eq!(swept.freed_shareable_bytes, 0);
        assert_eq!(a.stats().shareable_bytes, report.bytes);
    }
    assert!(garbage.iter().all(|&g| !a.is_allocated(g)));
    for (i, &v) in built.iter().chain([&big]).enumerate() {
        assert!(a.is_allocated(v), "frozen object {i} survived");
        assert_eq!(flags(&a, v), (true, true));
    }
    assert_eq!(a.str_of(built[0]), Some("s0"));
    assert_eq!(a.array_of(big).unwrap().len(), 300);

    // A global sweep with nothing marked frees them all.
    let swept = a.sweep(SweepMode::Global);
    assert_eq!(swept.freed_objects, report.objects);
    assert_eq!(swept.freed_shareable_bytes, report.bytes);
    assert_eq!(swept.live_objects, 0);
    assert_eq!(a.stats().shareable_bytes, 0);
}

#[test]
fn a_frozen_graph_travels_by_reference() {
    const N: usize = if cfg!(miri) { 2_000 } else { 100_000 };
    let mut a = Heap::new();
    let elems: Vec<Value> = (0..N)
        .map(|i| a.alloc_str(&format!("element {i}")).unwrap())
        .collect();
    let arr = a.alloc_array(elems).unwrap();
    let report = make_shareable(&mut a, arr).unwrap();
    assert_eq!(report.objects, N + 1);

    let message = Message::copy(&a, &[arr]).unwrap();
    assert_eq!(message.objects(), 0);
    // One mask word and one slot: the reference.
    assert_eq!(message.bytes(), 16);
    assert_eq!(message.shared_refs().collect::<Vec<_>>(), [arr]);
    let mut b = Heap::new();
    assert_eq!(message.decode(&mut b).unwrap(), [arr]);
    assert_eq!(b.stats().objects, 0, "nothing was copied into the receiver");

    // Inside a mutable wrapper, only the wrapper is copied.
    let wrapper = a.alloc_array_from(&[arr, arr]).unwrap();
    let message = Message::copy(&a, &[wrapper]).unwrap();
    assert_eq!(message.objects(), 1);
    let decoded = message.decode(&mut b).unwrap();
    assert_ne!(decoded[0], wrapper);
    assert_eq!(b.array_of(decoded[0]), Some(&[arr, arr][..]));
}

#[test]
fn a_million_cell_list_freezes_on_a_small_stack() {
    on_small_stack(|| {
        const N: i64 = if cfg!(miri) { 3_000 } else { 1_000_000 };
        let mut a = Heap::new();
        let mut list = Value::NIL;
        for i in (0..N).rev() {
            list = a.alloc_array_from(&[int(i), list]).unwrap();
        }
        let start = Instant::now();
        let report = make_shareable(&mut a, list).unwrap();
        eprintln!("froze a {N}-cell list in {:?}", start.elapsed());
        assert_eq!(report.objects, N as usize);
        assert_eq!(report.bytes, a.stats().shareable_bytes);
        let (mut cell, mut i) = (list, 0);
        while cell != Value::NIL {
            assert_eq!(flags(&a, cell), (true, true));
            let [value, next] = a.array_of(cell).unwrap() else {
                panic!("a cell has two elements")
            };
            assert_eq!(*value, int(i));
            (cell, i) = (*next, i + 1);
        }
        assert_eq!(i, N);
    });
}

#[test]
fn a_million_string_array_freezes() {
    const N: usize = if cfg!(miri) { 3_000 } else { 1_000_000 };
    let mut a = Heap::new();
    let elems: Vec<Value> = (0..N)
        .map(|i| a.alloc_str(&format!("s{}", i % 1000)).unwrap())
        .collect();
    let arr = a.alloc_array(elems).unwrap();
    let start = Instant::now();
    let report = make_shareable(&mut a, arr).unwrap();
    eprintln!("froze a {N}-string array in {:?}", start.elapsed());
    assert_eq!(report.objects, N + 1);
    assert_eq!(report.bytes, a.stats().shareable_bytes);
    let elems = a.array_of(arr).unwrap();
    assert!(elems.iter().all(|&s| is_shareable(&a, s)));
    assert_eq!(a.str_of(elems[N - 1]), Some("s999"));
}
