//! Property test: random object graphs (arrays, maps with integer, float and
//! string keys, strings with non-ASCII characters, boxed and immediate
//! floats, functions, handles, shared substructure, cycles, frozen and
//! shareable parts) built in heap A, copied into a message and decoded into
//! heap B. Checks: (1) the decoded graph is isomorphic to the original, with
//! a bijection between object identities; (2) every copy is owned by B and
//! every shareable reference is the very same value; (3) A is unchanged;
//! (4) B's graph survives a local collection of B keeping the decoded roots;
//! (5) two decodes of one message are disjoint copies.

mod common;

use std::sync::Arc;

use common::{assert_isomorphic, collect, expected_contents, int, snapshot};
use heap::{HandleTarget, Heap, LiteralSpace, Type, Value};
use proptest::prelude::*;
use shareable::Message;

#[derive(Clone, Debug)]
enum Imm {
    Int(i64),
    /// Allocated with `alloc_float`: an immediate or a fresh boxed float.
    Float(f64),
    Nil,
    Bool(bool),
}

#[derive(Clone, Debug)]
enum Slot {
    Imm(Imm),
    /// Node `i % nodes.len()` (nil when there is none).
    Node(usize),
}

#[derive(Clone, Debug)]
enum Key {
    Int(i64),
    Float(f64),
    /// A fresh string of A.
    Str(String),
    /// Node `i % nodes.len()` when it is hashable, else the integer `i`.
    Node(usize),
}

#[derive(Clone, Copy, Debug)]
enum Share {
    Local,
    /// Frozen, not shareable: copied, and the copy is not frozen.
    Frozen,
    /// Frozen and shareable (`set_frozen(v, true)`) in A: by reference.
    Shareable,
    /// In the literal space: by reference.
    Literal,
}

#[derive(Clone, Debug)]
enum NodeSpec {
    Str(String, Share),
    Float(f64, Share),
    Function(u32, Share),
    Handle(u64),
    Array(Vec<Slot>, bool),
    Map(Vec<(Key, Slot)>),
}

#[derive(Clone, Debug)]
struct Spec {
    nodes: Vec<NodeSpec>,
    roots: Vec<Slot>,
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
            prop::bool::weighted(0.2)
        )
            .prop_map(|(s, frozen)| NodeSpec::Array(s, frozen)),
        2 => prop_oneof![
            6 => prop::collection::vec((key(), slot()), 0..8),
            1 => prop::collection::vec((key(), slot()), 28..70),
        ]
        .prop_map(NodeSpec::Map),
    ]
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        prop::collection::vec(node(), 0..60),
        prop::collection::vec(slot(), 1..6),
    )
        .prop_map(|(nodes, roots)| Spec { nodes, roots })
}

/// The graph of a spec, built in `a` (and `literals`).
fn build(spec: &Spec, a: &mut Heap, literals: &mut LiteralSpace) -> Vec<Value> {
    let imm = |a: &Heap, i: &Imm| match *i {
        Imm::Int(n) => int(n),
        Imm::Float(f) => a.alloc_float(f).unwrap(),
        Imm::Nil => Value::NIL,
        Imm::Bool(b) => Value::from_bool(b),
    };
    let mut nodes = Vec::with_capacity(spec.nodes.len());
    for n in &spec.nodes {
        let v = match n {
            NodeSpec::Str(s, Share::Literal) => literals.alloc_str(s).unwrap(),
            NodeSpec::Str(s, _) => a.alloc_str(s).unwrap(),
            NodeSpec::Float(f, Share::Literal) => literals.alloc_float(*f).unwrap(),
            NodeSpec::Float(f, _) => a.alloc_float(*f).unwrap(),
            NodeSpec::Function(i, Share::Literal) => literals.alloc_function(*i).unwrap(),
            NodeSpec::Function(i, _) => a.alloc_function(*i).unwrap(),
            NodeSpec::Handle(id) => {
                let target: HandleTarget = Arc::new(*id);
                a.alloc_handle(*id, target).unwrap()
            }
            NodeSpec::Array(slots, _) => {
                a.alloc_array_from(&vec![Value::NIL; slots.len()]).unwrap()
            }
            NodeSpec::Map(_) => a.alloc_map(0).unwrap(),
        };
        nodes.push(v);
    }
    let resolve = |a: &Heap, s: &Slot| match s {
        Slot::Imm(i) => imm(a, i),
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
            NodeSpec::Map(entries) => {
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
    // Freeze last: frozen objects refuse the stores above.
    for (n, &v) in spec.nodes.iter().zip(&nodes) {
        match n {
            NodeSpec::Str(_, Share::Frozen)
            | NodeSpec::Float(_, Share::Frozen)
            | NodeSpec::Function(_, Share::Frozen)
            | NodeSpec::Array(_, true) => a.set_frozen(v, false),
            // Leaves only: a shareable object references only shareable ones.
            NodeSpec::Str(_, Share::Shareable)
            | NodeSpec::Float(_, Share::Shareable)
            | NodeSpec::Function(_, Share::Shareable) => a.set_frozen(v, true),
            _ => {}
        }
    }
    spec.roots.iter().map(|s| resolve(a, s)).collect()
}

fn sorted<T: Ord>(mut v: Vec<T>) -> Vec<T> {
    v.sort_unstable();
    v
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn decoded_graphs_are_faithful_independent_copies(spec in spec()) {
        let mut a = Heap::new();
        let mut literals = LiteralSpace::new();
        let roots = build(&spec, &mut a, &mut literals);
        let before = snapshot(&a, &roots);

        let message = Message::copy(&a, &roots).unwrap();
        // (3) The sender is unchanged: same objects, contents, flags, figures.
        prop_assert_eq!(&snapshot(&a, &roots), &before);
        let (copied, shared) = expected_contents(&a, &roots);
        prop_assert_eq!(message.len(), roots.len());
        prop_assert_eq!(message.is_empty(), roots.is_empty());
        prop_assert_eq!(message.objects(), copied.len());
        prop_assert_eq!(
            sorted(message.shared_refs().map(|v| v.bits()).collect()),
            sorted(shared)
        );

        let mut b = Heap::new();
        let first = message.decode(&mut b).unwrap();
        let second = message.decode(&mut b).unwrap();
        // (1) and (2): faithful copies owned by B, shareables by reference.
        let copies = assert_isomorphic(&a, &roots, &b, &first);
        let others = assert_isomorphic(&a, &roots, &b, &second);
        prop_assert_eq!(copies.len(), copied.len());
        // (5) Two decodes share no object.
        prop_assert!(copies.is_disjoint(&others));
        // Decoding allocated nothing but the copies.
        prop_assert_eq!(b.stats().objects, copies.len() + others.len());

        // (4) A local collection of B keeping the first decode frees exactly
        // the second one and leaves the first intact.
        let report = collect(&mut b, &first);
        prop_assert_eq!(report.freed_objects, others.len());
        prop_assert_eq!(report.live_objects, copies.len());
        prop_assert_eq!(assert_isomorphic(&a, &roots, &b, &first), copies);

        drop(message);
        prop_assert_eq!(&snapshot(&a, &roots), &before);
    }
}
