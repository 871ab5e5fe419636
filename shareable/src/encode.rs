//! Pass 2 of a copy: write the message's buffers, allocated once.
//!
//! Invariant: each buffer is allocated once with exactly the size the
//! measuring pass computed, and filled without growing (debug builds assert
//! that the buffers neither moved nor ended short); the records follow the
//! plan's numbering, and a slot is a link exactly when the measuring pass
//! numbered its object. Slots are visited in the very order the measuring
//! pass visited them, which lets a link to an object at its discovery take
//! the next number without a lookup. The sender's heap is only read.

use std::sync::Arc;

use heap::{AllocError, HandleTarget, Heap, Value};

use crate::identity::Identity;
use crate::measure::{Plan, is_copied};
use crate::message::{MASK_BITS, Message, header, mask_words, meta, split64, tag};
use crate::view::{Obj, view};

/// The message's buffers while they are written.
struct Writer<'p> {
    body: Vec<Value>,
    text: String,
    handles: Vec<HandleTarget>,
    /// The plan's objects, in number order.
    objects: &'p [Value],
    ids: &'p Identity,
    /// The number the measuring pass gave the next object it discovered:
    /// slots are written in the order the measuring pass read them, so a
    /// slot holding `objects[next_new]` is that object's discovery.
    next_new: usize,
    /// Some slot holds a shareable reference.
    references_shared: bool,
}

fn oom<E>(_: E) -> AllocError {
    AllocError::OutOfMemory
}

impl Writer<'_> {
    /// Writes a run of the `n` values of `values`.
    fn run(&mut self, heap: &Heap, n: usize, values: impl IntoIterator<Item = Value>) {
        let masks = self.body.len();
        let n_masks = mask_words(n);
        self.body.resize(masks + n_masks, meta(0));
        let (mut chunk, mut mask, mut j) = (0, 0u64, 0);
        for v in values {
            if is_copied(heap, v) {
                let i = self.number(v);
                self.body.push(meta(i as u64));
                mask |= 1 << j;
            } else {
                if v.is_ptr() {
                    // A shareable reference leaves the sender's isolate.
                    self.references_shared = true;
                    heap.publish(v);
                }
                self.body.push(v);
            }
            j += 1;
            if j == MASK_BITS {
                self.body[masks + chunk] = meta(mask);
                (chunk, mask, j) = (chunk + 1, 0, 0);
            }
        }
        if j != 0 {
            self.body[masks + chunk] = meta(mask);
        }
        debug_assert_eq!(self.body.len(), masks + n_masks + n, "run of {n} slots");
    }

    /// The number of a copied object: the next new one when this slot is
    /// where the measuring pass discovered it (no lookup: most links of a
    /// tree-shaped message), else its number in the identity map.
    #[inline]
    fn number(&mut self, v: Value) -> usize {
        if self.objects.get(self.next_new) == Some(&v) {
            self.next_new += 1;
            self.next_new - 1
        } else {
            let i = self.ids.index_of(v);
            debug_assert!(i.is_some_and(|i| i < self.next_new), "numbered before");
            i.expect("the measuring pass numbered it")
        }
    }

    /// Writes the record of `obj`.
    fn record(&mut self, heap: &Heap, obj: Value) {
        match view(heap, obj) {
            Obj::Str(s) => {
                self.body.push(header(tag::STRING, s.len() as u64));
                self.text.push_str(s);
            }
            Obj::Float(f) => {
                let (hi, lo) = split64(f.to_bits());
                self.body.extend([header(tag::FLOAT, hi), meta(lo)]);
            }
            Obj::Function(index) => self.body.push(header(tag::FUNCTION, index.into())),
            Obj::Handle(id, target) => {
                let (hi, lo) = split64(id);
                self.body.extend([header(tag::HANDLE, hi), meta(lo)]);
                self.handles.push(Arc::clone(target));
            }
            Obj::Array(elems) => {
                self.body.push(header(tag::ARRAY, elems.len() as u64));
                self.run(heap, elems.len(), elems.iter().copied());
            }
            Obj::Map(map) => {
                self.body.push(header(tag::MAP, map.len() as u64));
                self.run(heap, 2 * map.len(), map.iter().flat_map(|(k, x)| [k, x]));
            }
        }
    }
}

/// Copies `roots` and the objects `plan` numbered into a new message.
pub(crate) fn encode(heap: &Heap, roots: &[Value], plan: &Plan) -> Result<Message, AllocError> {
    let mut w = Writer {
        body: Vec::new(),
        text: String::new(),
        handles: Vec::new(),
        objects: plan.ids.objects(),
        ids: &plan.ids,
        next_new: 0,
        references_shared: false,
    };
    w.body.try_reserve_exact(plan.words).map_err(oom)?;
    w.text.try_reserve_exact(plan.text).map_err(oom)?;
    w.handles.try_reserve_exact(plan.handles).map_err(oom)?;
    let buffers = (w.body.as_ptr(), w.text.as_ptr(), w.handles.as_ptr());

    w.run(heap, roots.len(), roots.iter().copied());
    for &obj in plan.ids.objects() {
        w.record(heap, obj);
    }

    debug_assert_eq!(w.next_new, w.objects.len(), "every object discovered once");
    debug_assert_eq!(
        (w.body.len(), w.text.len(), w.handles.len()),
        (plan.words, plan.text, plan.handles),
        "the copy wrote what the measuring pass measured"
    );
    debug_assert!(
        buffers == (w.body.as_ptr(), w.text.as_ptr(), w.handles.as_ptr()),
        "a buffer was reallocated during the copy"
    );
    debug_assert_eq!(
        (w.body.capacity(), w.text.capacity(), w.handles.capacity()),
        (plan.words, plan.text, plan.handles),
        "boxing the buffers must not reallocate them"
    );
    debug_assert_eq!(
        w.references_shared,
        w.body.iter().any(|v| v.is_ptr()),
        "the flag says whether the body holds a shareable reference"
    );
    Ok(Message {
        body: w.body.into_boxed_slice(),
        text: w.text.into_boxed_str(),
        handles: w.handles.into_boxed_slice(),
        roots: roots.len(),
        objects: plan.ids.objects().len(),
        references_shared: w.references_shared,
    })
}
