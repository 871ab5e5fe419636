//! The local collector against a shadow model: random object graphs, random
//! root sets, several collection rounds with mutation in between. After each
//! collection every reachable object must be intact and every unreachable one
//! freed.

use gc::{LocalCollector, PolicySpec, Roots};
use heap::{Heap, Value};
use proptest::prelude::*;

fn int(n: i64) -> Value {
    Value::int(n).unwrap()
}

fn collector() -> LocalCollector {
    LocalCollector::new(PolicySpec::default().instantiate(), false)
}

/// One object of the shadow model.
#[derive(Clone, Debug)]
enum Shadow {
    Str(String),
    /// Elements: references to other objects (by index) or integers.
    Array(Vec<Edge>),
    /// Keys are integers; values are references or integers.
    Map(Vec<(i64, Edge)>),
}

#[derive(Clone, Copy, Debug)]
enum Edge {
    Obj(usize),
    Int(i64),
}

/// A test scenario: objects with their edges, then rounds of root sets.
#[derive(Clone, Debug)]
struct Scenario {
    objects: Vec<Shadow>,
    rounds: Vec<Round>,
}

#[derive(Clone, Debug)]
struct Round {
    roots: Vec<usize>,
    /// Edges added to arrays before collecting: (array, target).
    new_edges: Vec<(usize, usize)>,
    /// Garbage strings allocated before collecting.
    garbage: usize,
}

fn edge(n: usize) -> impl Strategy<Value = Edge> {
    prop_oneof![4 => (0..n).prop_map(Edge::Obj), 1 => any::<i32>().prop_map(|i| Edge::Int(i as i64))]
}

fn scenario() -> impl Strategy<Value = Scenario> {
    (1usize..120).prop_flat_map(|n| {
        let object = prop_oneof![
            "[a-z]{0,40}".prop_map(Shadow::Str),
            proptest::collection::vec(edge(n), 0..6).prop_map(Shadow::Array),
            proptest::collection::vec((0i64..8, edge(n)), 0..5)
                .prop_map(|pairs| Shadow::Map(last_value_per_key(pairs))),
        ];
        let round = (
            proptest::collection::vec(0..n, 0..8),
            proptest::collection::vec((0..n, 0..n), 0..6),
            0usize..300,
        )
            .prop_map(|(roots, new_edges, garbage)| Round {
                roots,
                new_edges,
                garbage,
            });
        (
            proptest::collection::vec(object, n),
            proptest::collection::vec(round, 1..4),
        )
            .prop_map(|(objects, rounds)| Scenario { objects, rounds })
    })
}

/// A map's pairs as the map holds them: a later pair with the same key
/// replaces the value and keeps the first position.
fn last_value_per_key(pairs: Vec<(i64, Edge)>) -> Vec<(i64, Edge)> {
    let mut out: Vec<(i64, Edge)> = Vec::new();
    for (k, e) in pairs {
        match out.iter_mut().find(|(ok, _)| *ok == k) {
            Some(slot) => slot.1 = e,
            None => out.push((k, e)),
        }
    }
    out
}

/// Builds the heap objects of the model; returns their values.
fn build(heap: &mut Heap, objects: &[Shadow]) -> Vec<Value> {
    let values: Vec<Value> = objects
        .iter()
        .map(|o| match o {
            Shadow::Str(s) => heap.alloc_str(s).unwrap(),
            Shadow::Array(_) => heap.alloc_array(Vec::new()).unwrap(),
            Shadow::Map(_) => heap.alloc_map(0).unwrap(),
        })
        .collect();
    let resolve = |e: &Edge| match *e {
        Edge::Obj(i) => values[i],
        Edge::Int(n) => int(n),
    };
    for (i, o) in objects.iter().enumerate() {
        match o {
            Shadow::Str(_) => {}
            Shadow::Array(elems) => {
                for e in elems {
                    heap.array_push(values[i], resolve(e)).unwrap();
                }
            }
            Shadow::Map(pairs) => {
                for (k, e) in pairs {
                    heap.map_insert(values[i], int(*k), resolve(e)).unwrap();
                }
            }
        }
    }
    values
}

fn reachable(objects: &[Shadow], roots: &[usize]) -> Vec<bool> {
    let mut seen = vec![false; objects.len()];
    let mut stack: Vec<usize> = roots.to_vec();
    while let Some(i) = stack.pop() {
        if std::mem::replace(&mut seen[i], true) {
            continue;
        }
        let targets: Vec<usize> = match &objects[i] {
            Shadow::Str(_) => vec![],
            Shadow::Array(es) => es.iter().filter_map(obj_index).collect(),
            Shadow::Map(ps) => ps.iter().filter_map(|(_, e)| obj_index(e)).collect(),
        };
        stack.extend(targets);
    }
    seen
}

fn obj_index(e: &Edge) -> Option<usize> {
    match *e {
        Edge::Obj(i) => Some(i),
        Edge::Int(_) => None,
    }
}

/// Checks that object `i` in the heap matches the model.
fn intact(heap: &Heap, objects: &[Shadow], values: &[Value], i: usize) -> Result<(), String> {
    let v = values[i];
    if !heap.is_allocated(v) {
        return Err(format!("reachable object {i} was freed"));
    }
    let expect = |e: &Edge| match *e {
        Edge::Obj(j) => values[j],
        Edge::Int(n) => int(n),
    };
    match &objects[i] {
        Shadow::Str(s) if heap.str_of(v) == Some(s.as_str()) => Ok(()),
        Shadow::Array(es)
            if heap.array_of(v) == Some(&es.iter().map(expect).collect::<Vec<_>>()[..]) =>
        {
            Ok(())
        }
        Shadow::Map(ps) => {
            let want: Vec<(i64, Value)> = ps.iter().map(|(k, e)| (*k, expect(e))).collect();
            let got: Vec<(i64, Value)> = heap
                .map_of(v)
                .ok_or(format!("object {i} is no longer a map"))?
                .iter()
                .map(|(k, x)| (k.as_int().unwrap(), x))
                .collect();
            if got == want {
                Ok(())
            } else {
                Err(format!("map {i} changed: {got:?} != {want:?}"))
            }
        }
        other => Err(format!("object {i} changed; model says {other:?}")),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: if cfg!(miri) { 4 } else { 200 }, ..ProptestConfig::default() })]

    #[test]
    fn reachable_objects_survive_intact_and_the_rest_is_freed(sc in scenario()) {
        let mut heap = Heap::new();
        let mut gc = collector();
        gc.attach(&heap);
        let mut objects = sc.objects.clone();
        let values = build(&mut heap, &objects);
        let mut alive = vec![true; objects.len()];
        for round in &sc.rounds {
            for &(a, t) in &round.new_edges {
                if alive[a] && alive[t] && matches!(objects[a], Shadow::Array(_)) {
                    heap.array_push(values[a], values[t]).unwrap();
                    if let Shadow::Array(es) = &mut objects[a] {
                        es.push(Edge::Obj(t));
                    }
                }
            }
            for g in 0..round.garbage {
                heap.alloc_str(&format!("garbage {g}")).unwrap();
            }
            let roots: Vec<usize> = round.roots.iter().copied().filter(|&r| alive[r]).collect();
            let root_values: Vec<Value> = roots.iter().map(|&r| values[r]).collect();
            gc.collect(&mut heap, &root_values);
            let live = reachable(&objects, &roots);
            for i in 0..objects.len() {
                if live[i] {
                    prop_assert!(alive[i], "object {} came back from the dead", i);
                    if let Err(e) = intact(&heap, &objects, &values, i) {
                        return Err(TestCaseError::fail(e));
                    }
                } else if alive[i] {
                    prop_assert!(!heap.is_allocated(values[i]), "unreachable object {} survived", i);
                    alive[i] = false;
                }
            }
            prop_assert_eq!(heap.stats().objects, live.iter().filter(|&&l| l).count());
        }
    }
}

#[test]
fn a_million_element_linked_list_collects_without_recursion() {
    let mut heap = Heap::new();
    let mut gc = collector();
    const N: i64 = if cfg!(miri) { 5_000 } else { 1_000_000 };
    let mut list = Value::NIL;
    for i in 0..N {
        list = heap.alloc_array(vec![int(i), list]).unwrap();
    }
    let roots = vec![list];
    gc.collect(&mut heap, &roots);
    assert_eq!(heap.stats().objects, N as usize);
    assert_eq!(gc.stats().last_marked, N as usize);
    // Walk it: every cell intact, in order.
    let (mut cell, mut expect) = (list, N - 1);
    while let Some(&[head, tail]) = heap.array_of(cell) {
        assert_eq!(head, int(expect));
        (cell, expect) = (tail, expect - 1);
    }
    assert_eq!(expect, -1);
    gc.collect(&mut heap, &Vec::new());
    assert_eq!(heap.stats().objects, 0);
    assert_eq!(heap.footprint(), 0);
}

#[test]
fn local_collection_writes_no_mark_of_another_heap() {
    // Another heap's object referenced from ours (a test-only breach of
    // containment): if our collection marked it, the other heap's sweep
    // would keep it.
    let mut ours = Heap::new();
    let mut theirs = Heap::new();
    let foreign = theirs.alloc_str("theirs").unwrap();
    let holder = ours.alloc_array(vec![foreign]).unwrap();
    collector().collect(&mut ours, &vec![holder]);
    assert!(ours.is_allocated(holder));
    collector().collect(&mut theirs, &Vec::<Value>::new());
    assert!(
        !theirs.is_allocated(foreign),
        "our collection marked a foreign object"
    );
}

#[test]
fn stats_and_trigger_follow_the_policy() {
    let mut heap = Heap::new();
    let spec = PolicySpec::parse("local", &["min_heap=64K".into(), "growth=2".into()]).unwrap();
    let mut gc = LocalCollector::new(spec.instantiate(), false);
    gc.attach(&heap);
    assert_eq!(heap.trigger(), 64 * 1024);
    let keep: Vec<Value> = (0..10_000)
        .map(|i| heap.alloc_str(&format!("{i:>40}")).unwrap())
        .collect();
    assert!(heap.gc_due(), "allocating past the trigger raises gc_due");
    let outcome = gc.collect(&mut heap, &keep);
    assert!(!heap.gc_due());
    assert_eq!(outcome.live_bytes, heap.footprint());
    assert_eq!(heap.trigger(), outcome.live_bytes * 2);
    let stats = gc.stats();
    assert_eq!(stats.collections, 1);
    assert_eq!(stats.last_marked, 10_000);
    assert!(stats.max_pause <= stats.total_pause);
}

#[test]
fn stress_mode_asks_for_a_collection_after_every_allocation() {
    let mut heap = Heap::new();
    let mut gc = LocalCollector::new(PolicySpec::default().instantiate(), true);
    gc.attach(&heap);
    assert!(!heap.gc_due());
    let s = heap.alloc_str("a").unwrap();
    assert!(heap.gc_due());
    gc.collect(&mut heap, &vec![s]);
    assert!(!heap.gc_due());
    heap.alloc_float(1e300).unwrap();
    assert!(heap.gc_due());
}

/// Roots can come from anything implementing the trait.
struct TwoRoots(Value, Value);

impl Roots for TwoRoots {
    fn for_each_root(&self, visit: &mut dyn FnMut(Value)) {
        visit(self.0);
        visit(self.1);
    }
}

#[test]
fn custom_root_sets_are_honoured() {
    let mut heap = Heap::new();
    let a = heap.alloc_str("a").unwrap();
    let b = heap.alloc_str("b").unwrap();
    let c = heap.alloc_str("c").unwrap();
    collector().collect(&mut heap, &TwoRoots(a, c));
    assert!(heap.is_allocated(a) && !heap.is_allocated(b) && heap.is_allocated(c));
}
