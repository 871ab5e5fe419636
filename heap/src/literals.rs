//! The literal space: a module's constants, outside every isolate's heap.
//!
//! Invariant: every object in the space is frozen and shareable, and nothing
//! is allocated in it once it is shared: allocation takes `&mut self`, and
//! `&LiteralSpace` gives no access to the inner heap. Local collections see a
//! literal as a foreign object (its pages' owner is `HeapId::LITERALS`) and
//! skip it, as BEAM keeps literals out of every process heap.

use crate::heap::{AllocError, Heap};
use crate::page::HeapId;
use crate::value::Value;

pub struct LiteralSpace {
    heap: Heap,
}

// SAFETY: shared access (`&LiteralSpace`) exposes nothing but `stats`, which
// only reads; every write goes through `&mut self`. Other threads read the
// objects through their `Value`s, and those objects are frozen.
unsafe impl Sync for LiteralSpace {}

impl Default for LiteralSpace {
    fn default() -> Self {
        LiteralSpace::new()
    }
}

impl LiteralSpace {
    pub fn new() -> LiteralSpace {
        LiteralSpace {
            heap: Heap::with_id(HeapId::LITERALS),
        }
    }

    fn frozen(&mut self, v: Value) -> Value {
        self.heap.set_frozen(v, true);
        v
    }

    pub fn alloc_str(&mut self, s: &str) -> Result<Value, AllocError> {
        let v = self.heap.alloc_str(s)?;
        Ok(self.frozen(v))
    }

    pub fn alloc_float(&mut self, f: f64) -> Result<Value, AllocError> {
        let v = self.heap.alloc_float(f)?;
        Ok(self.frozen(v))
    }

    pub fn alloc_function(&mut self, index: u32) -> Result<Value, AllocError> {
        let v = self.heap.alloc_function(index)?;
        Ok(self.frozen(v))
    }

    pub fn stats(&self) -> crate::HeapStats {
        self.heap.stats()
    }
}
