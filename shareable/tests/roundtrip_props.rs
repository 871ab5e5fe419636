//! Property test: random object graphs (arrays, maps with integer, float and
//! string keys, strings with non-ASCII characters, boxed and immediate
//! floats, functions, handles, shared substructure, cycles, frozen and
//! shareable parts, literals, shareable graphs of another heap C; see
//! `common/graph.rs`) built in heap A, copied into a message and decoded into
//! heap B. Checks: (1) the decoded graph is isomorphic to the original, with
//! a bijection between object identities; (2) every copy is owned by B and
//! every shareable reference is the very same value; (3) A is unchanged;
//! (4) B's graph survives a local collection of B keeping the decoded roots;
//! (5) two decodes of one message are disjoint copies.

mod common;

use common::graph::{World, spec};
use common::{assert_isomorphic, collect, expected_contents, snapshot};
use heap::Heap;
use proptest::prelude::*;
use shareable::Message;

fn sorted<T: Ord>(mut v: Vec<T>) -> Vec<T> {
    v.sort_unstable();
    v
}

proptest! {
    #![proptest_config(ProptestConfig { cases: if cfg!(miri) { 4 } else { 200 }, ..ProptestConfig::default() })]

    #[cfg_attr(miri, ignore = "minutes per case under Miri; the deterministic tests run there")]
    #[test]
    fn decoded_graphs_are_faithful_independent_copies(spec in spec()) {
        // The world stays alive to the end: C and the literal space own the
        // shareable objects the graph references.
        let world = World::build(&spec, None);
        let (a, roots) = (&world.a, &world.roots);
        let before = snapshot(a, roots);

        let message = Message::copy(a, roots).unwrap();
        // (3) The sender is unchanged: same objects, contents, flags, figures.
        prop_assert_eq!(&snapshot(a, roots), &before);
        let (copied, shared) = expected_contents(a, roots);
        prop_assert_eq!(message.len(), roots.len());
        prop_assert_eq!(message.is_empty(), roots.is_empty());
        prop_assert_eq!(message.objects(), copied.len());
        prop_assert_eq!(
            sorted(message.shared_refs().map(|v| v.bits()).collect()),
            sorted(shared.clone())
        );
        prop_assert_eq!(message.references_shared(), !shared.is_empty());

        let mut b = Heap::new();
        let first = message.decode(&mut b).unwrap();
        let second = message.decode(&mut b).unwrap();
        // (1) and (2): faithful copies owned by B, shareables by reference.
        let copies = assert_isomorphic(a, roots, &b, &first);
        let others = assert_isomorphic(a, roots, &b, &second);
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
        prop_assert_eq!(assert_isomorphic(a, roots, &b, &first), copies);

        drop(message);
        prop_assert_eq!(&snapshot(a, roots), &before);
    }
}
