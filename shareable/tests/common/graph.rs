//! Random object graphs for the property tests of freezing and of messages:
//! arrays and maps (small and past their inline capacity) with integer,
//! float, string and object keys, strings with non-ASCII characters, boxed
//! and immediate floats, functions, handles, cycles, shared parts,
//! frozen-only parts, shareable leaves of the heap itself, literals, and
//! closed shareable graphs of another isolate. A spec is plain data
//! (printable when a case fails); `World::build` turns it into heaps.

use std::sync::Arc;

use heap::{HandleTarget, Heap, LiteralSpace, Type, Value};
use proptest::prelude::*;
use shareable::make_shareable;

use super::int;

#[derive(Clone, Debug)]
pub enum Imm {
    Int(i64),
    /// Allocated with `alloc_float`: an immediate or a fresh boxed float.
    Float(f64),
    Nil,
    Bool(bool),
}

#[derive(Clone, Debug)]
pub enum Slot {
    Imm(Imm),
    /// Node `i % nodes.len()` (nil when there is none).
    Node(usize),
}

#[derive(Clone, Debug)]
pub enum Key {
    Int(i64),
    Float(f64),
    Str(String),
    /// Node `i % nodes.len()` when it is hashable, else the integer `i`.
    Node(usize),
}

#[derive(Clone, Copy, Debug)]
/// Where a leaf lives and what it is flagged; what a freeze and a message
/// must do with it follows from that.
pub enum Share {
    /// A plain object of A: a freeze flags it, a message copies it.
    Local,
    /// `set_frozen(v, false)` in A: frozen, not shareable. A freeze makes it
    /// shareable; a message copies it, and the copy is not frozen.
    Frozen,
    /// `set_frozen(v, true)` in A (a leaf, so the closure invariant holds):
    /// a freeze skips it, a message references it.
    Shareable,
    /// In the literal space: skipped and referenced.
    Literal,
    /// Made shareable in another isolate's heap C: skipped and referenced.
    Foreign,
}

#[derive(Clone, Debug)]
pub enum NodeSpec {
    Str(String, Share),
    Float(f64, Share),
    Function(u32, Share),
    Handle(u64),
    /// Elements, and whether the array is frozen (not shareable).
    Array(Vec<Slot>, bool),
    /// Entries, and whether the map is frozen (not shareable).
    Map(Vec<(Key, Slot)>, bool),
    /// An array of strings in heap C, made shareable there by `make_shareable`.
    ForeignGraph(Vec<String>),
}

#[derive(Clone, Debug)]
pub struct Spec {
    pub nodes: Vec<NodeSpec>,
    pub roots: Vec<Slot>,
}

fn float() -> impl Strategy<Value = f64> {
    prop_oneof![
        3 => -1e6..1e6f64,
        1 => Just(-0.0),
        1 => Just(f64::NAN),
        1 => Just(f64::INFINITY),
        1 => Just(1e300),
        1 => Just(-5e-324),
        2 => any::<f64>(),
    ]
}

fn imm() -> impl Strategy<Value = Imm> {
    prop_oneof![
        4 => (heap::INT_MIN..=heap::INT_MAX).prop_map(Imm::Int),
        2 => float().prop_map(Imm::Float),
        1 => Just(Imm::Nil),
        1 => any::<bool>().prop_map(Imm::Bool),
    ]
}

fn slot() -> impl Strategy<Value = Slot> {
    prop_oneof![
        1 => imm().prop_map(Slot::Imm),
        3 => any::<usize>().prop_map(Slot::Node),
    ]
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => "\\PC{0,12}",
        1 => "[a-zé€😀]{200,400}",
    ]
}

fn share() -> impl Strategy<Value = Share> {
    prop_oneof![
        5 => Just(Share::Local),
        1 => Just(Share::Frozen),
        1 => Just(Share::Shareable),
        1 => Just(Share::Literal),
        1 => Just(Share::Foreign),
    ]
}

fn key() -> impl Strategy<Value = Key> {
    prop_oneof![
        2 => (-20i64..20).prop_map(Key::Int),
        1 => float().prop_map(Key::Float),
        2 => "\\PC{0,6}".prop_map(Key::Str),
        2 => any::<usize>().prop_map(Key::Node),
    ]
}

fn node() -> impl Strategy<Value = NodeSpec> {
    let frozen = || prop::bool::weighted(0.2);
    prop_oneof![
        3 => (text(), share()).prop_map(|(s, sh)| NodeSpec::Str(s, sh)),
        1 => (float(), share()).prop_map(|(f, sh)| NodeSpec::Float(f, sh)),
        1 => (0u32..1000, share()).prop_map(|(i, sh)| NodeSpec::Function(i, sh)),
        1 => any::<u64>().prop_map(NodeSpec::Handle),
        4 => (
            prop_oneof![
                6 => prop::collection::vec(slot(), 0..8),
                1 => prop::collection::vec(slot(), 55..140),
            ],
            frozen(),
        )
            .prop_map(|(s, f)| NodeSpec::Array(s, f)),
        2 => (
            prop_oneof![
                6 => prop::collection::vec((key(), slot()), 0..8),
                1 => prop::collection::vec((key(), slot()), 28..70),
            ],
            frozen(),
        )
            .prop_map(|(e, f)| NodeSpec::Map(e, f)),
        1 => prop::collection::vec("[a-z]{0,5}", 0..4).prop_map(NodeSpec::ForeignGraph),
    ]
}

pub fn spec() -> impl Strategy<Value = Spec> {
    (
        prop::collection::vec(node(), 0..60),
        prop::collection::vec(slot(), 1..6),
    )
        .prop_map(|(nodes, roots)| Spec { nodes, roots })
}

/// The heaps of a test: A, the freezing isolate's; C, another isolate's that
/// shares frozen graphs with A; B, another isolate's whose non-shareable
/// objects a test may leak into A (a deliberate breach of containment).
pub struct World {
    pub a: Heap,
    pub b: Heap,
    pub c: Heap,
    pub literals: LiteralSpace,
    /// Every node of the spec, in order.
    pub nodes: Vec<Value>,
    pub roots: Vec<Value>,
}

/// A non-shareable object of B to plant in A's graph.
#[derive(Clone, Copy, Debug)]
pub enum Breach {
    Str,
    Array,
}

impl World {
    /// The graph of `spec`, with `breach` (a non-shareable object of B)
    /// added to the container node numbered `at` among the containers.
    pub fn build(spec: &Spec, breach: Option<(Breach, usize)>) -> World {
        let mut w = World {
            a: Heap::new(),
            b: Heap::new(),
            c: Heap::new(),
            literals: LiteralSpace::new(),
            nodes: Vec::with_capacity(spec.nodes.len()),
            roots: Vec::new(),
        };
        for n in &spec.nodes {
            let v = match n {
                NodeSpec::Str(s, Share::Literal) => w.literals.alloc_str(s).unwrap(),
                NodeSpec::Float(f, Share::Literal) => w.literals.alloc_float(*f).unwrap(),
                NodeSpec::Function(i, Share::Literal) => w.literals.alloc_function(*i).unwrap(),
                NodeSpec::Str(s, Share::Foreign) => w.foreign(|c| c.alloc_str(s).unwrap()),
                NodeSpec::Float(f, Share::Foreign) => w.foreign(|c| c.alloc_float(*f).unwrap()),
                NodeSpec::Function(i, Share::Foreign) => {
                    w.foreign(|c| c.alloc_function(*i).unwrap())
                }
                NodeSpec::Str(s, _) => w.a.alloc_str(s).unwrap(),
                NodeSpec::Float(f, _) => w.a.alloc_float(*f).unwrap(),
                NodeSpec::Function(i, _) => w.a.alloc_function(*i).unwrap(),
                NodeSpec::Handle(id) => {
                    let target: HandleTarget = Arc::new(*id);
                    w.a.alloc_handle(*id, target).unwrap()
                }
                NodeSpec::Array(slots, _) => {
                    w.a.alloc_array_from(&vec![Value::NIL; slots.len()])
                        .unwrap()
                }
                NodeSpec::Map(..) => w.a.alloc_map(0).unwrap(),
                NodeSpec::ForeignGraph(strings) => w.foreign(|c| {
                    let elems: Vec<Value> =
                        strings.iter().map(|s| c.alloc_str(s).unwrap()).collect();
                    c.alloc_array(elems).unwrap()
                }),
            };
            w.nodes.push(v);
        }
        let nodes = w.nodes.clone();
        let a = &mut w.a;
        let resolve = |a: &Heap, s: &Slot| match s {
            Slot::Imm(Imm::Int(n)) => int(*n),
            Slot::Imm(Imm::Float(f)) => a.alloc_float(*f).unwrap(),
            Slot::Imm(Imm::Nil) => Value::NIL,
            Slot::Imm(Imm::Bool(b)) => Value::from_bool(*b),
            Slot::Node(i) if !nodes.is_empty() => nodes[i % nodes.len()],
            Slot::Node(_) => Value::NIL,
        };
        for (n, &v) in spec.nodes.iter().zip(&nodes) {
            match n {
                NodeSpec::Array(slots, _) => {
                    for (i, s) in slots.iter().enumerate() {
                        let x = resolve(a, s);
                        a.array_set(v, i as i64, x).unwrap();
                    }
                }
                NodeSpec::Map(entries, _) => {
                    for (k, s) in entries {
                        let key = match k {
                            Key::Int(n) => int(*n),
                            Key::Float(f) => a.alloc_float(*f).unwrap(),
                            Key::Str(s) => a.alloc_str(s).unwrap(),
                            Key::Node(i) => {
                                let node = nodes[i % nodes.len()];
                                match a.type_of(node) {
                                    Type::Array | Type::Map => int(*i as i64 % 1000),
                                    _ => node,
                                }
                            }
                        };
                        let x = resolve(a, s);
                        a.map_insert(v, key, x).unwrap();
                    }
                }
                _ => {}
            }
        }
        if let Some((kind, at)) = breach {
            let containers: Vec<Value> = spec
                .nodes
                .iter()
                .zip(&nodes)
                .filter(|(n, _)| matches!(n, NodeSpec::Array(..) | NodeSpec::Map(..)))
                .map(|(_, &v)| v)
                .collect();
            if !containers.is_empty() {
                let planted = match kind {
                    Breach::Str => w.b.alloc_str("from B").unwrap(),
                    Breach::Array => {
                        let s = w.b.alloc_str("inside B").unwrap();
                        w.b.alloc_array_from(&[s]).unwrap()
                    }
                };
                let target = containers[at % containers.len()];
                match a.type_of(target) {
                    Type::Array => a.array_push(target, planted).unwrap(),
                    _ => a.map_insert(target, int(-1), planted).unwrap(),
                }
            }
        }
        // Freeze last: frozen objects refuse the stores above.
        for (n, &v) in spec.nodes.iter().zip(&nodes) {
            match n {
                NodeSpec::Str(_, Share::Frozen)
                | NodeSpec::Float(_, Share::Frozen)
                | NodeSpec::Function(_, Share::Frozen)
                | NodeSpec::Array(_, true)
                | NodeSpec::Map(_, true) => a.set_frozen(v, false),
                NodeSpec::Str(_, Share::Shareable)
                | NodeSpec::Float(_, Share::Shareable)
                | NodeSpec::Function(_, Share::Shareable) => a.set_frozen(v, true),
                _ => {}
            }
        }
        w.roots = spec.roots.iter().map(|s| resolve(a, s)).collect();
        w
    }

    /// An object of C, made shareable there.
    fn foreign(&mut self, make: impl FnOnce(&Heap) -> Value) -> Value {
        let v = make(&self.c);
        make_shareable(&mut self.c, v).unwrap();
        v
    }
}
