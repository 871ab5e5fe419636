//! Large and deep messages: no recursion proportional to the graph, and
//! buffers sized once.

mod common;

use common::{collect, int, on_small_stack};
use heap::{Heap, Value};
use shareable::Message;

#[test]
fn a_million_cell_list_copies_and_decodes_on_a_small_stack() {
    on_small_stack(|| {
        const N: i64 = if cfg!(miri) { 3_000 } else { 1_000_000 };
        let a = Heap::new();
        let mut list = Value::NIL;
        for i in (0..N).rev() {
            list = a.alloc_array_from(&[int(i), list]).unwrap();
        }
        let message = Message::copy(&a, &[list]).unwrap();
        assert_eq!(message.objects(), N as usize);
        // Per cell: a header, one mask word and two slots.
        assert_eq!(message.bytes(), 8 * (2 + 4 * N as usize));
        drop(a);

        let mut b = Heap::new();
        let roots = message.decode(&mut b).unwrap();
        drop(message);
        let report = collect(&mut b, &roots);
        assert_eq!(report.live_objects, N as usize);
        let (mut cell, mut i) = (roots[0], 0);
        while cell != Value::NIL {
            let [value, next] = b.array_of(cell).unwrap() else {
                panic!("a cell has two elements")
            };
            assert_eq!(*value, int(i));
            assert_eq!(b.owner_of(cell), Some(b.id()));
            (cell, i) = (*next, i + 1);
        }
        assert_eq!(i, N);
    });
}

#[test]
fn a_ten_megabyte_array_round_trips() {
    const N: usize = if cfg!(miri) { 20_000 } else { 10 << 20 >> 3 };
    let a = Heap::new();
    let s = a.alloc_str("every 1000th").unwrap();
    let elems: Vec<Value> = (0..N)
        .map(|i| if i % 1000 == 0 { s } else { int(i as i64) })
        .collect();
    let arr = a.alloc_array(elems).unwrap();
    let message = Message::copy(&a, &[arr, arr]).unwrap();
    assert_eq!(message.objects(), 2);
    let words = 2 + 1 + 1 + 1 + N + N.div_ceil(62);
    assert_eq!(message.bytes(), 8 * words + "every 1000th".len());

    let mut b = Heap::new();
    let roots = message.decode(&mut b).unwrap();
    assert_eq!(roots[0], roots[1]);
    let copy = b.array_of(roots[0]).unwrap();
    assert_eq!(copy.len(), N);
    let s2 = copy[0];
    assert_ne!(s2, s);
    assert_eq!(b.str_of(s2), Some("every 1000th"));
    for (i, &e) in copy.iter().enumerate() {
        if i % 1000 == 0 {
            assert_eq!(e, s2);
        } else {
            assert_eq!(e, int(i as i64));
        }
    }
    assert!(b.footprint() >= N * 8);
}
