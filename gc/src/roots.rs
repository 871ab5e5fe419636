//! The executor's side of a collection: enumerating roots.
//!
//! Invariant: at a safepoint, every value the executor will use again is
//! reported by `for_each_root` (registers of every frame, values held by the
//! isolate itself, messages it has received). A value not reported may be
//! freed by the collection.

use heap::Value;

/// Everything a collector needs from an executor: its roots.
pub trait Roots {
    /// Calls `visit` on every root value (immediates may be included).
    fn for_each_root(&self, visit: &mut dyn FnMut(Value));
}

/// A plain slice of values is a root set (handy for tests and tools).
impl Roots for [Value] {
    fn for_each_root(&self, visit: &mut dyn FnMut(Value)) {
        self.iter().for_each(|&v| visit(v));
    }
}

impl Roots for Vec<Value> {
    fn for_each_root(&self, visit: &mut dyn FnMut(Value)) {
        self.as_slice().for_each_root(visit)
    }
}
