//! The deep copy's contract, case by case: immediates inline, shareable
//! objects by reference, frozen objects copied unfrozen, identity and
//! cycles, floats bit for bit, functions, handles and their reference
//! counts, map order, runs crossing mask-word boundaries, the message's
//! size, failure at the receiver's heap limit, and decoding on other threads.

mod common;

use std::sync::Arc;

use common::{assert_isomorphic, collect, int, snapshot};
use heap::{AllocError, HandleTarget, Heap, LiteralSpace, SweepMode, Value};
use shareable::Message;

/// Copies `roots` from `a`, decodes into a fresh heap, checks the copy is
/// faithful, and returns the receiver and the decoded roots.
fn round_trip(a: &Heap, roots: &[Value]) -> (Message, Heap, Vec<Value>) {
    let before = snapshot(a, roots);
    let message = Message::copy(a, roots).unwrap();
    assert_eq!(snapshot(a, roots), before, "the sender is unchanged");
    let mut b = Heap::new();
    let decoded = message.decode(&mut b).unwrap();
    assert_isomorphic(a, roots, &b, &decoded);
    (message, b, decoded)
}

#[test]
fn an_empty_message_is_empty() {
    let a = Heap::new();
    let (message, b, decoded) = round_trip(&a, &[]);
    assert!(message.is_empty());
    assert_eq!(
        (message.len(), message.objects(), message.bytes()),
        (0, 0, 0)
    );
    assert!(decoded.is_empty());
    assert_eq!(b.stats().objects, 0);
}

#[test]
fn immediates_travel_inline_and_allocate_nothing() {
    let a = Heap::new();
    let roots = [
        int(0),
        int(heap::INT_MIN),
        int(heap::INT_MAX),
        Value::flonum(2.5).unwrap(),
        Value::flonum(0.0).unwrap(),
        Value::NIL,
        Value::TRUE,
        Value::FALSE,
    ];
    let (message, b, decoded) = round_trip(&a, &roots);
    assert_eq!(decoded, roots);
    assert_eq!((message.len(), message.objects()), (roots.len(), 0));
    assert_eq!(message.shared_refs().count(), 0);
    assert!(!message.references_shared());
    // One mask word and a slot per root.
    assert_eq!(message.bytes(), 8 * (1 + roots.len()));
    assert_eq!(b.stats().objects, 0);
}

#[test]
fn literals_and_shareable_objects_are_passed_by_reference() {
    let mut literals = LiteralSpace::new();
    let lit_str = literals.alloc_str("literal").unwrap();
    let lit_fun = literals.alloc_function(3).unwrap();
    let lit_float = literals.alloc_float(1e300).unwrap();
    let mut a = Heap::new();
    let frozen_str = a.alloc_str("made shareable").unwrap();
    a.set_frozen(frozen_str, true);
    let array = a
        .alloc_array_from(&[lit_str, lit_fun, lit_float, frozen_str, lit_str])
        .unwrap();

    let (message, b, decoded) = round_trip(&a, &[lit_str, array]);
    assert_eq!(message.objects(), 1, "only the array is copied");
    assert_eq!(decoded[0], lit_str);
    assert_eq!(
        b.array_of(decoded[1]).unwrap(),
        &[lit_str, lit_fun, lit_float, frozen_str, lit_str]
    );
    let shared: Vec<Value> = message.shared_refs().collect();
    assert_eq!(shared.len(), 6, "once per reference");
    assert!(message.references_shared());
    for v in [lit_str, lit_fun, lit_float, frozen_str] {
        assert!(shared.contains(&v));
    }
    assert!(message.bytes() < 100, "no string bytes are copied");
}

#[test]
fn frozen_objects_that_are_not_shareable_are_copied_unfrozen() {
    let mut a = Heap::new();
    let s = a.alloc_str("frozen").unwrap();
    let arr = a.alloc_array_from(&[s, int(1)]).unwrap();
    a.set_frozen(s, false);
    a.set_frozen(arr, false);
    let (message, mut b, decoded) = round_trip(&a, &[arr]);
    assert_eq!(message.objects(), 2);
    let copy = decoded[0];
    assert!(!b.is_frozen(copy) && !b.is_frozen(b.array_of(copy).unwrap()[0]));
    b.array_push(copy, int(2)).unwrap();
    assert!(a.is_frozen(arr), "the original stays frozen");
}

#[test]
fn identity_and_cycles_are_preserved() {
    let mut a = Heap::new();
    let s = a.alloc_str("shared").unwrap();
    let cell = a.alloc_array_from(&[Value::NIL, s, s]).unwrap();
    a.array_set(cell, 0, cell).unwrap();
    let m = a.alloc_map(0).unwrap();
    a.map_insert(m, s, cell).unwrap();
    let self_key = a.alloc_str("self").unwrap();
    a.map_insert(m, self_key, m).unwrap();

    let (message, b, decoded) = round_trip(&a, &[cell, m, cell, s]);
    assert_eq!(message.objects(), 4);
    let [c, m2, c_again, s2] = decoded[..] else {
        panic!("four roots")
    };
    assert_eq!(c, c_again);
    let elems = b.array_of(c).unwrap();
    assert_eq!(elems, &[c, s2, s2]);
    assert_eq!(b.map_get(m2, s2), Ok(Some(c)));
    let self_key2 = b.map_of(m2).unwrap().entry_at(1).unwrap().0;
    assert_eq!(b.map_get(m2, self_key2), Ok(Some(m2)));
}

#[test]
fn boxed_floats_keep_their_bits() {
    let a = Heap::new();
    let nan_with_payload = f64::from_bits(0x7ff8_0000_dead_beef);
    let floats = [-0.0, nan_with_payload, f64::INFINITY, 1e300, 5e-324, 2.5];
    let roots: Vec<Value> = floats.iter().map(|&f| a.alloc_float(f).unwrap()).collect();
    let (message, b, decoded) = round_trip(&a, &roots);
    assert_eq!(message.objects(), 5, "2.5 is an immediate");
    for (&f, &v) in floats.iter().zip(&decoded) {
        assert_eq!(b.float_of(v).unwrap().to_bits(), f.to_bits());
    }
}

#[test]
fn functions_are_copied_with_their_index_unless_literal() {
    let mut literals = LiteralSpace::new();
    let lit = literals.alloc_function(9).unwrap();
    let a = Heap::new();
    let local = a.alloc_function(7).unwrap();
    let (message, b, decoded) = round_trip(&a, &[local, lit]);
    assert_eq!(message.objects(), 1);
    assert_eq!(b.function_of(decoded[0]), Some(7));
    assert_eq!(b.owner_of(decoded[0]), Some(b.id()));
    assert_eq!(decoded[1], lit);
}

#[test]
fn handles_hold_their_target_while_in_flight() {
    let target: HandleTarget = Arc::new("isolate record");
    let mut a = Heap::new();
    let h = a.alloc_handle(u64::MAX - 5, target.clone()).unwrap();
    let pair = a.alloc_array_from(&[h, h]).unwrap();
    assert_eq!(Arc::strong_count(&target), 2);

    let message = Message::copy(&a, &[pair]).unwrap();
    assert_eq!(Arc::strong_count(&target), 3, "the message holds one");
    collect(&mut a, &[]);
    assert_eq!(
        Arc::strong_count(&target),
        2,
        "the sender let go; the message keeps it"
    );

    let mut b = Heap::new();
    let first = message.decode(&mut b).unwrap();
    let second = message.decode(&mut b).unwrap();
    assert_eq!(
        Arc::strong_count(&target),
        4,
        "one handle object per decode"
    );
    let elems = b.array_of(first[0]).unwrap();
    assert_eq!(elems[0], elems[1], "one handle, referenced twice");
    let (id, t) = b.handle_of(elems[0]).unwrap();
    assert_eq!(id, u64::MAX - 5);
    assert!(Arc::ptr_eq(t, &target));

    drop(message);
    assert_eq!(Arc::strong_count(&target), 3);
    collect(&mut b, &second);
    assert_eq!(Arc::strong_count(&target), 2, "the first copy was swept");
    drop(b);
    assert_eq!(Arc::strong_count(&target), 1);
}

#[test]
fn maps_keep_insertion_order_and_overwrites() {
    let mut a = Heap::new();
    let m = a.alloc_map(0).unwrap();
    let keys: Vec<Value> = (0..150)
        .map(|i| {
            if i % 3 == 0 {
                a.alloc_str(&format!("k{i}")).unwrap()
            } else {
                int(1000 - i)
            }
        })
        .collect();
    for (i, &k) in keys.iter().enumerate() {
        let v = if i % 2 == 0 { m } else { int(i as i64) };
        a.map_insert(m, k, v).unwrap();
    }
    a.map_insert(m, keys[10], Value::TRUE).unwrap();
    let (_, b, decoded) = round_trip(&a, &[m]);
    let copy = b.map_of(decoded[0]).unwrap();
    assert_eq!(copy.len(), 150);
    assert_eq!(copy.entry_at(10).unwrap().1, Value::TRUE);
    assert_eq!(copy.entry_at(0).unwrap().1, decoded[0]);
    assert_eq!(copy.entry_at(1).unwrap().0, int(999));
}

#[test]
fn runs_of_every_length_around_mask_word_boundaries() {
    let mut literals = LiteralSpace::new();
    let lit = literals.alloc_str("lit").unwrap();
    let mut a = Heap::new();
    let target = a.alloc_str("target").unwrap();
    let mut roots = Vec::new();
    for n in [0usize, 1, 2, 61, 62, 63, 64, 123, 124, 125, 186, 187, 300] {
        for pattern in 0..4 {
            let elems: Vec<Value> = (0..n)
                .map(|i| match (i + pattern) % 4 {
                    0 => target,
                    1 => int(i as i64),
                    2 => lit,
                    _ => Value::NIL,
                })
                .collect();
            let arr = a.alloc_array_from(&elems).unwrap();
            let m = a.alloc_map(0).unwrap();
            for (i, &e) in elems.iter().enumerate() {
                let key = if i % 2 == 0 {
                    int(i as i64)
                } else {
                    a.alloc_str(&i.to_string()).unwrap()
                };
                a.map_insert(m, key, e).unwrap();
            }
            a.map_insert(m, int(-1), arr).unwrap();
            roots.push(arr);
            roots.push(m);
            roots.push(if pattern % 2 == 0 { target } else { lit });
        }
    }
    round_trip(&a, &roots);
}

#[test]
fn long_and_non_ascii_strings_keep_their_characters() {
    let a = Heap::new();
    let long = "ünïcödé ✓ 😀 ".repeat(500);
    let texts = ["", "ascii", "héllo wörld", long.as_str()];
    let roots: Vec<Value> = texts.iter().map(|t| a.alloc_str(t).unwrap()).collect();
    let (message, b, decoded) = round_trip(&a, &roots);
    let total: usize = texts.iter().map(|t| t.len()).sum();
    assert!(message.bytes() >= total && message.bytes() < total + 100);
    for (t, &v) in texts.iter().zip(&decoded) {
        assert_eq!(b.str_of(v), Some(*t));
        assert_eq!(b.str_char_count(v), Some(t.chars().count()));
        assert_eq!(b.str_is_ascii(v), t.is_ascii());
    }
}

#[test]
fn the_message_outlives_the_senders_objects() {
    let mut a = Heap::new();
    let s = a.alloc_str("gone soon").unwrap();
    let arr = a.alloc_array_from(&[s, s]).unwrap();
    let message = Message::copy(&a, &[arr]).unwrap();
    let report = collect(&mut a, &[]);
    assert_eq!(report.freed_objects, 2);
    drop(a);
    let mut b = Heap::new();
    let decoded = message.decode(&mut b).unwrap();
    let elems = b.array_of(decoded[0]).unwrap();
    assert_eq!(b.str_of(elems[0]), Some("gone soon"));
    assert_eq!(elems[0], elems[1]);
}

/// A graph of every kind, for the failure tests.
fn assorted(a: &mut Heap) -> Value {
    let target: HandleTarget = Arc::new(1u8);
    let mut elems = Vec::new();
    for i in 0..200 {
        elems.push(a.alloc_str(&format!("string number {i}")).unwrap());
        elems.push(a.alloc_float(1e300 * i as f64).unwrap());
        elems.push(a.alloc_handle(i, target.clone()).unwrap());
        elems.push(a.alloc_array_from(&[int(i as i64); 20]).unwrap());
    }
    let m = a.alloc_map(0).unwrap();
    for (i, &e) in elems.iter().enumerate().take(100) {
        let key = a.alloc_str(&format!("key {i}")).unwrap();
        a.map_insert(m, key, e).unwrap();
    }
    elems.push(m);
    a.alloc_array(elems).unwrap()
}

#[test]
fn decoding_past_the_heap_limit_fails_cleanly_at_every_point() {
    let mut a = Heap::new();
    let root = assorted(&mut a);
    let message = Message::copy(&a, &[root]).unwrap();
    let mut reference = Heap::new();
    message.decode(&mut reference).unwrap();
    let needed = reference.footprint();

    let steps = if cfg!(miri) { 4 } else { 40 };
    let mut failures = 0;
    for step in 0..=steps {
        let limit = needed * step / steps;
        let mut b = Heap::new();
        let keep = b.alloc_str("kept").unwrap();
        b.set_limit(Some(limit + b.footprint()));
        match message.decode(&mut b) {
            Ok(roots) => {
                assert_isomorphic(&a, &[root], &b, &roots);
            }
            Err(e) => {
                assert_eq!(e, AllocError::HeapLimit);
                failures += 1;
            }
        }
        // Whatever was built is garbage; the heap is consistent.
        let report = collect(&mut b, &[keep]);
        assert_eq!(report.live_objects, 1);
        assert_eq!(b.str_of(keep), Some("kept"));
        assert_eq!(b.stats().out_of_line, 0);
        // And decoding works once there is room.
        b.set_limit(None);
        let roots = message.decode(&mut b).unwrap();
        assert_isomorphic(&a, &[root], &b, &roots);
    }
    assert!(
        failures >= steps * 7 / 8,
        "most limits are too small ({failures} failures)"
    );
}

#[test]
fn a_message_decodes_on_other_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Message>();

    let mut literals = LiteralSpace::new();
    let lit = literals.alloc_str("literal").unwrap();
    let a = Heap::new();
    let s = a.alloc_str("copied").unwrap();
    let arr = a.alloc_array_from(&[s, lit, int(5)]).unwrap();
    let message = Arc::new(Message::copy(&a, &[arr]).unwrap());
    let literals = Arc::new(literals);
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let message = Arc::clone(&message);
            let literals = Arc::clone(&literals);
            std::thread::spawn(move || {
                let mut b = Heap::new();
                let roots = message.decode(&mut b).unwrap();
                let elems = b.array_of(roots[0]).unwrap();
                assert_eq!(b.str_of(elems[0]), Some("copied"));
                assert_eq!(b.str_of(elems[1]), Some("literal"));
                assert_eq!(elems[2], int(5));
                b.sweep(SweepMode::Local);
                drop(literals);
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
}
