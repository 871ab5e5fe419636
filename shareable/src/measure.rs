//! Pass 1 of a copy: discover the graph and measure the message.
//!
//! Invariant: a measured [`Plan`] numbers every non-shareable object
//! reachable from the roots exactly once, in breadth-first order (the
//! numbered list doubles as the work queue, so there is no recursion and no
//! separate stack), and its sizes are exactly what `encode` will write for
//! that numbering. Shareable objects and immediates are never numbered nor
//! traced: the message references them.

use heap::{AllocError, Heap, Value};

use crate::identity::Identity;
use crate::message::{
    FLOAT_WORDS, FUNCTION_WORDS, HANDLE_WORDS, STRING_WORDS, container_words, run_words,
};
use crate::view::{Obj, view};

/// What the copying pass needs: the objects to copy and the buffer sizes.
pub(crate) struct Plan {
    pub ids: Identity,
    /// Body words.
    pub words: usize,
    /// String bytes.
    pub text: usize,
    /// Handle records.
    pub handles: usize,
}

/// True when `v` is copied (rather than stored inline or referenced).
#[inline]
pub(crate) fn is_copied(heap: &Heap, v: Value) -> bool {
    v.is_ptr() && !heap.is_shareable(v)
}

impl Plan {
    /// Numbers `v` if it is to be copied and was not met before.
    #[inline]
    fn discover(&mut self, heap: &Heap, v: Value) -> Result<(), AllocError> {
        if is_copied(heap, v) {
            // Containment (docs/design.md invariant 1): a non-shareable object the
            // sender can reach is the sender's own.
            debug_assert_eq!(
                heap.owner_of(v),
                Some(heap.id()),
                "a non-shareable object of another heap is reachable"
            );
            self.ids.insert(v)?;
        }
        Ok(())
    }

    /// An empty plan for `roots` roots.
    pub(crate) fn new(roots: usize) -> Plan {
        Plan {
            ids: Identity::new(),
            words: run_words(roots),
            text: 0,
            handles: 0,
        }
    }

    /// Measures the graph reachable from `roots` in `heap` (the plan was
    /// made by `Plan::new(roots.len())`). Filled in place: a plan is a few
    /// hundred bytes, and moving it was a third of the cost of copying a
    /// one-integer message.
    pub(crate) fn measure(&mut self, heap: &Heap, roots: &[Value]) -> Result<(), AllocError> {
        for &root in roots {
            self.discover(heap, root)?;
        }
        let mut next = 0;
        while let Some(obj) = self.ids.get(next) {
            next += 1;
            match view(heap, obj) {
                Obj::Str(s) => {
                    self.words += STRING_WORDS;
                    self.text += s.len();
                }
                Obj::Float(_) => self.words += FLOAT_WORDS,
                Obj::Function(_) => self.words += FUNCTION_WORDS,
                Obj::Handle(..) => {
                    self.words += HANDLE_WORDS;
                    self.handles += 1;
                }
                Obj::Array(elems) => {
                    self.words += container_words(elems.len());
                    for &e in elems {
                        self.discover(heap, e)?;
                    }
                }
                Obj::Map(map) => {
                    self.words += container_words(2 * map.len());
                    for (k, x) in map.iter() {
                        self.discover(heap, k)?;
                        self.discover(heap, x)?;
                    }
                }
            }
        }
        Ok(())
    }
}
