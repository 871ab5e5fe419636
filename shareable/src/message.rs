//! [`Message`]: a deep copy of some values, owned by no heap, and the layout
//! of its buffer.
//!
//! Invariant: a message is immutable once built, and its buffer holds no
//! pointer to a non-shareable object: every word is an immediate, a pointer
//! to a shareable object, or a non-negative integer of the layout below. So a
//! message may cross threads, be decoded any number of times, and outlive the
//! sender's objects; the shareable objects it names are the only heap objects
//! it keeps alive (see [`Message::shared_refs`]).
//!
//! # Layout
//!
//! A message is three exactly-sized buffers: `body: Box<[Value]>`, the
//! structure; `text: Box<str>`, the bytes of every copied string, one after
//! the other in object order; `handles: Box<[HandleTarget]>`, the isolate
//! records of copied handles (an `Arc` each, held while the message lives),
//! in object order. The last two are empty, hence not allocated, unless the
//! message holds strings or handles.
//!
//! Copied objects are numbered `0..objects` in the order the measuring pass
//! discovered them (breadth first from the roots). The body is:
//!
//! | words             | content                                           |
//! |-------------------|---------------------------------------------------|
//! | `run(len)`        | the roots                                         |
//! | record 0          | copied object 0                                   |
//! | …                 | …                                                 |
//! | record `objects-1`| copied object `objects - 1`                       |
//!
//! A *run* of `n` slots is `⌈n/62⌉` mask words followed by `n` slot words.
//! A slot is the value itself when it is an immediate or a shareable object,
//! and otherwise a *link* `int(i)` naming copied object `i`; bit `j % 62` of
//! mask word `j / 62` is set exactly when slot `j` is a link (an integer slot
//! and a link look alike; the mask tells them apart).
//!
//! | record   | words                                                        |
//! |----------|--------------------------------------------------------------|
//! | string   | `hdr(STRING, byte length)`; the bytes are the next ones of `text` |
//! | float    | `hdr(FLOAT, high 32 bits)`, `int(low 32 bits)` of the `f64`  |
//! | function | `hdr(FUNCTION, function index)`                              |
//! | handle   | `hdr(HANDLE, high 32 bits)`, `int(low 32 bits)` of the isolate id; the target is the next of `handles` |
//! | array    | `hdr(ARRAY, n)`, `run(n)`: the elements                      |
//! | map      | `hdr(MAP, n)`, `run(2n)`: key, value, key, value… in insertion order |
//!
//! where `hdr(tag, x) = int(x << 3 | tag)`. Every metadata word is an integer
//! value below 2^62 (lengths are bounded by memory, the rest by 32 bits).
//!
//! Why a buffer of `Value`s rather than raw `u64`s: the heap has no safe way to
//! rebuild an immediate from its bits, so immediates and shareable pointers
//! stay `Value`s (decoding them is a plain copy) and the metadata, which must
//! then be a `Value` too, is written as integer values. An array of
//! immediates decodes with one slice copy.
//!
//! [`Message::bytes`] is the size of the three buffers: 8 bytes a body word,
//! the string bytes, and one `HandleTarget` (16 bytes) a handle.

use std::fmt;

use heap::{AllocError, HandleTarget, Heap, Value};

/// A deep copy of some values, owned by no heap: the form of a message in
/// flight. See the crate documentation for what is copied and what is shared.
///
/// ```
/// use heap::{Heap, Value};
/// use shareable::Message;
///
/// let sender = Heap::new();
/// let s = sender.alloc_str("hello").unwrap();
/// let pair = sender.alloc_array_from(&[s, s]).unwrap();
/// let message = Message::copy(&sender, &[pair, Value::TRUE]).unwrap();
/// assert_eq!((message.len(), message.objects()), (2, 2));
///
/// let mut receiver = Heap::new();
/// let roots = message.decode(&mut receiver).unwrap();
/// let elems = receiver.array_of(roots[0]).unwrap();
/// assert_eq!(receiver.str_of(elems[0]), Some("hello"));
/// assert_eq!(elems[0], elems[1], "identity is preserved");
/// assert_eq!(roots[1], Value::TRUE);
/// ```
pub struct Message {
    pub(crate) body: Box<[Value]>,
    pub(crate) text: Box<str>,
    pub(crate) handles: Box<[HandleTarget]>,
    pub(crate) roots: usize,
    pub(crate) objects: usize,
    /// Some slot of the body is a shareable reference.
    pub(crate) references_shared: bool,
}

impl Message {
    /// Copies `roots` (and everything reachable from them) out of `heap`:
    /// first measures the graph, then allocates the message's storage once,
    /// then copies. Identity and cycles inside the graph are preserved.
    /// Shareable objects (`heap.is_shareable(v)`: frozen and shareable, which
    /// includes every literal of the module's literal space) are not copied:
    /// the message holds a reference to them. Immediates are stored inline.
    ///
    /// Fails with [`AllocError::OutOfMemory`] only when the system refuses the
    /// message's buffers; the sender's objects are never written.
    ///
    /// The shareable objects of `heap` that the message references are
    /// marked as published (`Heap::publish`, as the copy writes each
    /// reference): from now on other isolates may hold them, so they outlive
    /// the sender's isolate. This is the only write to the sender's heap,
    /// and it touches only page-side bitmaps.
    pub fn copy(heap: &Heap, roots: &[Value]) -> Result<Message, AllocError> {
        let mut plan = crate::measure::Plan::new(roots.len());
        plan.measure(heap, roots)?;
        crate::encode::encode(heap, roots, &plan)
    }

    /// Materializes the message into `heap` (the receiver's) and returns the
    /// roots, in order. Identity and cycles are preserved; shareable
    /// references come back as the very same `Value`. Each call makes an
    /// independent copy.
    ///
    /// Like every allocation, decoding never collects: the caller roots the
    /// returned values before its next safepoint. On failure (the heap's
    /// limit, or the system's memory) nothing is returned and the objects
    /// already built are unreachable garbage.
    pub fn decode(&self, heap: &mut Heap) -> Result<Vec<Value>, AllocError> {
        crate::decode::decode(self, heap)
    }

    /// Bytes of copied storage the message holds: its body, its string bytes
    /// and its handle records (what the statistics call "bytes copied").
    pub fn bytes(&self) -> usize {
        self.body.len() * std::mem::size_of::<Value>()
            + self.text.len()
            + self.handles.len() * std::mem::size_of::<HandleTarget>()
    }

    /// Objects copied (shareable references and immediates excluded).
    pub fn objects(&self) -> usize {
        self.objects
    }

    /// Number of roots.
    pub fn len(&self) -> usize {
        self.roots
    }

    pub fn is_empty(&self) -> bool {
        self.roots == 0
    }

    /// Whether the message references any shareable object: when it does
    /// not, a global collector may skip it (known without reading the body).
    pub fn references_shared(&self) -> bool {
        self.references_shared
    }

    /// The shareable objects the message references, once per reference (an
    /// object referenced from two places is listed twice). A global
    /// collector treats them as roots while the message is in flight.
    pub fn shared_refs(&self) -> impl Iterator<Item = Value> + '_ {
        // Metadata and links are integers: the only pointers in the body are
        // shareable references (module invariant).
        self.body.iter().copied().filter(|v| v.is_ptr())
    }

    /// The run of the roots.
    pub(crate) fn root_run(&self) -> Run<'_> {
        Run::split(&self.body, self.roots).0
    }

    /// The records of the copied objects, in object order.
    pub(crate) fn records(&self) -> Records<'_> {
        Records {
            body: Run::split(&self.body, self.roots).1,
            text: &self.text,
            handles: &self.handles,
        }
    }
}

impl fmt::Debug for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Message")
            .field("roots", &self.roots)
            .field("objects", &self.objects)
            .field("bytes", &self.bytes())
            .field("shared_refs", &self.shared_refs().count())
            .finish()
    }
}

// ---------------------------------------------------------------------------
// The word format, shared by the measuring, encoding and decoding passes.

/// Record tags (the low three bits of a header word).
pub(crate) mod tag {
    pub const STRING: u64 = 1;
    pub const FLOAT: u64 = 2;
    pub const FUNCTION: u64 = 3;
    pub const HANDLE: u64 = 4;
    pub const ARRAY: u64 = 5;
    pub const MAP: u64 = 6;
}

/// Slots described by one mask word (an integer value has 62 non-negative bits).
pub(crate) const MASK_BITS: usize = 62;

/// Body words of the records of each kind (containers: see [`container_words`]).
pub(crate) const STRING_WORDS: usize = 1;
pub(crate) const FLOAT_WORDS: usize = 2;
pub(crate) const FUNCTION_WORDS: usize = 1;
pub(crate) const HANDLE_WORDS: usize = 2;

/// Mask words of a run of `n` slots.
#[inline]
pub(crate) fn mask_words(n: usize) -> usize {
    n.div_ceil(MASK_BITS)
}

/// Body words of a run of `n` slots.
#[inline]
pub(crate) fn run_words(n: usize) -> usize {
    n + mask_words(n)
}

/// Body words of an array or map record whose run has `slots` slots.
#[inline]
pub(crate) fn container_words(slots: usize) -> usize {
    1 + run_words(slots)
}

/// A metadata word: the integer value `x`.
#[inline]
pub(crate) fn meta(x: u64) -> Value {
    // Below 2^62 by the layout's bounds (module docs), so always an integer.
    Value::int(x as i64).expect("metadata below 2^62")
}

/// The integer of a metadata word.
#[inline]
pub(crate) fn read_meta(w: Value) -> u64 {
    debug_assert!(w.is_int(), "metadata word expected, found {w:?}");
    w.int_unchecked() as u64
}

/// A record header.
#[inline]
pub(crate) fn header(tag: u64, x: u64) -> Value {
    meta((x << 3) | tag)
}

/// The high and low 32 bits of a 64-bit payload, as the layout splits it.
#[inline]
pub(crate) fn split64(x: u64) -> (u64, u64) {
    (x >> 32, x & 0xffff_ffff)
}

/// A run: mask words and slot words.
#[derive(Clone, Copy)]
pub(crate) struct Run<'m> {
    masks: &'m [Value],
    slots: &'m [Value],
}

impl<'m> Run<'m> {
    /// The run of `n` slots at the start of `body`, and the words after it.
    fn split(body: &'m [Value], n: usize) -> (Run<'m>, &'m [Value]) {
        let (masks, rest) = body.split_at(mask_words(n));
        let (slots, rest) = rest.split_at(n);
        (Run { masks, slots }, rest)
    }

    pub(crate) fn len(&self) -> usize {
        self.slots.len()
    }

    /// The slot words as stored (links still as integers).
    pub(crate) fn slots(&self) -> &'m [Value] {
        self.slots
    }

    /// `(position, object index)` of every link, in position order.
    pub(crate) fn links(self) -> impl Iterator<Item = (usize, usize)> + 'm {
        let slots = self.slots;
        self.masks.iter().enumerate().flat_map(move |(k, &m)| {
            SetBits(read_meta(m)).map(move |j| {
                let pos = k * MASK_BITS + j;
                (pos, read_meta(slots[pos]) as usize)
            })
        })
    }

    /// The slots with every link replaced by `table[i]`.
    pub(crate) fn resolve<'t>(self, table: &'t [Value]) -> impl Iterator<Item = Value> + 't
    where
        'm: 't,
    {
        self.slots
            .chunks(MASK_BITS)
            .zip(self.masks)
            .flat_map(move |(chunk, &m)| {
                let mask = read_meta(m);
                chunk.iter().enumerate().map(move |(j, &w)| {
                    if mask >> j & 1 != 0 {
                        table[read_meta(w) as usize]
                    } else {
                        w
                    }
                })
            })
    }
}

/// Positions of the set bits of a word, lowest first.
struct SetBits(u64);

impl Iterator for SetBits {
    type Item = usize;

    #[inline]
    fn next(&mut self) -> Option<usize> {
        if self.0 == 0 {
            return None;
        }
        let j = self.0.trailing_zeros() as usize;
        self.0 &= self.0 - 1;
        Some(j)
    }
}

/// One copied object, as its record describes it.
pub(crate) enum Record<'m> {
    String(&'m str),
    Float(f64),
    Function(u32),
    Handle(u64, &'m HandleTarget),
    Array(Run<'m>),
    /// Keys and values alternate.
    Map(Run<'m>),
}

/// The records of a message, in object order.
pub(crate) struct Records<'m> {
    body: &'m [Value],
    text: &'m str,
    handles: &'m [HandleTarget],
}

impl<'m> Records<'m> {
    fn take_meta(&mut self) -> u64 {
        let (&w, rest) = self.body.split_first().expect("record payload word");
        self.body = rest;
        read_meta(w)
    }

    fn take_run(&mut self, n: usize) -> Run<'m> {
        let (run, rest) = Run::split(self.body, n);
        self.body = rest;
        run
    }
}

impl<'m> Iterator for Records<'m> {
    type Item = Record<'m>;

    fn next(&mut self) -> Option<Record<'m>> {
        let (&head, rest) = self.body.split_first()?;
        self.body = rest;
        let word = read_meta(head);
        let x = word >> 3;
        Some(match word & 0b111 {
            tag::STRING => {
                let (s, rest) = self.text.split_at(x as usize);
                self.text = rest;
                Record::String(s)
            }
            tag::FLOAT => Record::Float(f64::from_bits((x << 32) | self.take_meta())),
            tag::FUNCTION => Record::Function(x as u32),
            tag::HANDLE => {
                let id = (x << 32) | self.take_meta();
                let (target, rest) = self.handles.split_first().expect("handle target");
                self.handles = rest;
                Record::Handle(id, target)
            }
            tag::ARRAY => Record::Array(self.take_run(x as usize)),
            tag::MAP => Record::Map(self.take_run(2 * x as usize)),
            other => unreachable!("record tag {other} is not in the layout"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use heap::LiteralSpace;

    fn int(n: i64) -> Value {
        Value::int(n).unwrap()
    }

    /// Pins the layout of the module docs on a small message.
    #[test]
    fn the_body_follows_the_documented_layout() {
        let mut literals = LiteralSpace::new();
        let lit = literals.alloc_str("lit").unwrap();
        let heap = Heap::new();
        let s = heap.alloc_str("héllo").unwrap();
        let f = heap.alloc_float(1e300).unwrap();
        let arr = heap.alloc_array_from(&[int(7), s, lit, s, f]).unwrap();
        let message = Message::copy(&heap, &[arr, int(-3)]).unwrap();

        let bits = 1e300f64.to_bits();
        let expected = [
            // The roots: one mask word (slot 0 is a link), then the slots.
            meta(0b01),
            meta(0),
            int(-3),
            // Object 0, the array: header, mask (slots 1 and 3 link to
            // object 1, slot 4 to object 2), slots.
            header(tag::ARRAY, 5),
            meta(0b11010),
            int(7),
            meta(1),
            lit,
            meta(1),
            meta(2),
            // Object 1, the string (its bytes are in `text`).
            header(tag::STRING, "héllo".len() as u64),
            // Object 2, the boxed float.
            header(tag::FLOAT, bits >> 32),
            meta(bits & 0xffff_ffff),
        ];
        assert_eq!(&message.body[..], &expected[..]);
        assert_eq!(&*message.text, "héllo");
        assert_eq!(message.objects(), 3);
        assert_eq!(message.bytes(), 8 * expected.len() + "héllo".len());
        assert_eq!(message.shared_refs().collect::<Vec<_>>(), [lit]);
        let kinds: Vec<&str> = message
            .records()
            .map(|r| match r {
                Record::String(_) => "string",
                Record::Float(_) => "float",
                Record::Function(_) => "function",
                Record::Handle(..) => "handle",
                Record::Array(_) => "array",
                Record::Map(_) => "map",
            })
            .collect();
        assert_eq!(kinds, ["array", "string", "float"]);
        assert_eq!(message.root_run().links().collect::<Vec<_>>(), [(0, 0)]);
    }
}
