//! Helpers shared by the message tests: marking as a local collector would,
//! the isomorphism check between a sender's graph and its decoded copy, and
//! snapshots of a sender's graph, and a thread with a small stack for the
//! tests that must not recurse per object.

// Each test crate uses a subset of the helpers.
#![allow(dead_code)]

pub mod graph;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use heap::{Heap, HeapStats, SweepMode, SweepReport, Type, Value};

/// Runs `f` on a thread with the default 2 MiB test stack, whatever
/// `RUST_MIN_STACK` says.
pub fn on_small_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap();
}

pub fn int(n: i64) -> Value {
    Value::int(n).unwrap()
}

/// Marks everything of `heap` reachable from `roots`, as a local collector
/// would (shareable and foreign objects are neither marked nor traced).
pub fn mark_from(heap: &Heap, roots: &[Value]) {
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

/// A local collection of `heap` keeping `roots`.
pub fn collect(heap: &mut Heap, roots: &[Value]) -> SweepReport {
    mark_from(heap, roots);
    heap.sweep(SweepMode::Local)
}

/// Checks that the graph of `ys` in `b` is a faithful copy of the graph of
/// `xs` in `a`: same shape and contents, identity mapped one to one (two
/// references to one `a` object become two references to one `b` object;
/// distinct objects stay distinct), every copy a fresh, unfrozen object owned
/// by `b`, and every shareable object (and immediate) the very same value.
/// Walks with an explicit stack. Returns the copies (the `b` objects).
pub fn assert_isomorphic(a: &Heap, xs: &[Value], b: &Heap, ys: &[Value]) -> HashSet<u64> {
    assert_eq!(xs.len(), ys.len(), "root count");
    let mut iso = Iso {
        a,
        b,
        forward: HashMap::new(),
        backward: HashMap::new(),
        todo: Vec::new(),
    };
    for (&x, &y) in xs.iter().zip(ys) {
        iso.pair(x, y);
    }
    while let Some((x, y)) = iso.todo.pop() {
        iso.contents(x, y);
    }
    iso.backward.into_keys().collect()
}

struct Iso<'h> {
    a: &'h Heap,
    b: &'h Heap,
    forward: HashMap<u64, u64>,
    backward: HashMap<u64, u64>,
    todo: Vec<(Value, Value)>,
}

impl Iso<'_> {
    fn pair(&mut self, x: Value, y: Value) {
        if !x.is_ptr() || self.a.is_shareable(x) {
            assert_eq!(
                x, y,
                "immediates and shareable objects travel as themselves"
            );
            return;
        }
        assert!(y.is_ptr(), "{x:?} was copied into the immediate {y:?}");
        assert_eq!(
            self.b.owner_of(y),
            Some(self.b.id()),
            "a copy is the receiver's"
        );
        assert!(!self.b.is_frozen(y), "a copy is not frozen");
        match self.forward.get(&x.bits()) {
            Some(&seen) => assert_eq!(seen, y.bits(), "one object became two: {x:?}"),
            None => {
                let before = self.backward.insert(y.bits(), x.bits());
                assert!(before.is_none(), "two objects became one: {y:?}");
                self.forward.insert(x.bits(), y.bits());
                self.todo.push((x, y));
            }
        }
    }

    fn contents(&mut self, x: Value, y: Value) {
        let (a, b) = (self.a, self.b);
        let ty = a.type_of(x);
        assert_eq!(ty, b.type_of(y));
        match ty {
            Type::String => {
                assert_eq!(a.str_of(x), b.str_of(y));
                assert_eq!(a.str_char_count(x), b.str_char_count(y));
            }
            Type::Float => assert_eq!(
                a.float_of(x).unwrap().to_bits(),
                b.float_of(y).unwrap().to_bits()
            ),
            Type::Function => assert_eq!(a.function_of(x), b.function_of(y)),
            Type::Isolate => {
                let (id_x, tx) = a.handle_of(x).unwrap();
                let (id_y, ty) = b.handle_of(y).unwrap();
                assert_eq!(id_x, id_y);
                assert!(Arc::ptr_eq(tx, ty), "a copied handle shares its target");
            }
            Type::Array => {
                let (ex, ey) = (a.array_of(x).unwrap(), b.array_of(y).unwrap());
                assert_eq!(ex.len(), ey.len());
                for (&ex, &ey) in ex.iter().zip(ey) {
                    self.pair(ex, ey);
                }
            }
            Type::Map => {
                let (mx, my) = (a.map_of(x).unwrap(), b.map_of(y).unwrap());
                assert_eq!(mx.len(), my.len());
                for ((kx, vx), (ky, vy)) in mx.iter().zip(my.iter()) {
                    self.pair(kx, ky);
                    self.pair(vx, vy);
                }
                // The copy is a working map: its keys find their values.
                for (k, v) in my.iter() {
                    assert_eq!(b.map_get(y, k), Ok(Some(v)));
                }
            }
            Type::Nil | Type::Bool | Type::Int => unreachable!("objects only"),
        }
    }
}

/// One object of a snapshot: its address, flags and contents (references
/// as raw words, so identity is part of the comparison).
#[derive(Debug, PartialEq)]
pub enum Node {
    Str(String),
    Float(u64),
    Function(u32),
    Handle(u64, usize),
    Array(Vec<u64>),
    Map(Vec<(u64, u64)>),
}

/// Everything observable about the graph of `roots` in `heap`, and the
/// heap's figures.
#[derive(Debug, PartialEq)]
pub struct Snapshot {
    pub stats: HeapStats,
    pub roots: Vec<u64>,
    pub objects: Vec<(u64, bool, bool, Node)>,
}

pub fn snapshot(heap: &Heap, roots: &[Value]) -> Snapshot {
    let mut objects = Vec::new();
    let mut seen = HashSet::new();
    let mut queue: Vec<Value> = roots.to_vec();
    let mut next = 0;
    while next < queue.len() {
        let v = queue[next];
        next += 1;
        if !v.is_ptr() || !seen.insert(v.bits()) {
            continue;
        }
        let node = match heap.type_of(v) {
            Type::String => Node::Str(heap.str_of(v).unwrap().to_owned()),
            Type::Float => Node::Float(heap.float_of(v).unwrap().to_bits()),
            Type::Function => Node::Function(heap.function_of(v).unwrap()),
            Type::Isolate => {
                let (id, target) = heap.handle_of(v).unwrap();
                Node::Handle(id, Arc::as_ptr(target) as *const u8 as usize)
            }
            Type::Array => {
                let elems = heap.array_of(v).unwrap();
                queue.extend_from_slice(elems);
                Node::Array(elems.iter().map(|e| e.bits()).collect())
            }
            Type::Map => {
                let map = heap.map_of(v).unwrap();
                queue.extend(map.iter().flat_map(|(k, x)| [k, x]));
                Node::Map(map.iter().map(|(k, x)| (k.bits(), x.bits())).collect())
            }
            Type::Nil | Type::Bool | Type::Int => unreachable!("objects only"),
        };
        objects.push((v.bits(), heap.is_frozen(v), heap.is_shareable(v), node));
    }
    Snapshot {
        stats: heap.stats(),
        roots: roots.iter().map(|r| r.bits()).collect(),
        objects,
    }
}

/// The objects a message of `roots` must copy (non-shareable objects
/// reachable without passing through a shareable one), and the shareable
/// objects it must reference (once per reference).
pub fn expected_contents(heap: &Heap, roots: &[Value]) -> (HashSet<u64>, Vec<u64>) {
    let mut copied = HashSet::new();
    let mut shared = Vec::new();
    let mut stack: Vec<Value> = Vec::new();
    let mut visit = |v: Value, stack: &mut Vec<Value>| {
        if !v.is_ptr() {
        } else if heap.is_shareable(v) {
            shared.push(v.bits());
        } else if copied.insert(v.bits()) {
            stack.push(v);
        }
    };
    for &r in roots {
        visit(r, &mut stack);
    }
    while let Some(v) = stack.pop() {
        let mut children = Vec::new();
        heap.for_each_child(v, |c| children.push(c));
        for c in children {
            visit(c, &mut stack);
        }
    }
    (copied, shared)
}
