//! Values and the per-isolate heap.
//!
//! - [`Value`]: one tagged 64-bit word (integers, flonums, nil/true/false,
//!   object pointers).
//! - Objects ([`object`]): a header with kind and `frozen`/`shareable` flags;
//!   strings, arrays, insertion-ordered maps, function references, boxed floats.
//! - [`Heap`]: one per isolate. Aligned pages of one size class each, whose
//!   header names the owning heap (ownership is a mask and a load); free lists
//!   per size class; mark state in side bitmaps, never in object headers; a
//!   large-object space; out-of-line storage counted in the accounting; empty
//!   pages given back after a sweep, to a process-wide pool that new heaps
//!   draw from.
//! - [`LiteralSpace`]: a module's constants, frozen, shareable, immortal.
//!
//! The crate's contract, on which its safe API rests: a `Value` handed to the
//! heap is an immediate or points to a live object. Objects are freed only by
//! [`Heap::sweep`], which needs `&mut Heap` and runs at the executor's
//! safepoints, where every value the executor still uses is in its roots.
//! `unsafe` code lives here (docs/design.md invariant 8), each block with a
//! `SAFETY:` comment.
//!
//! Pages come from the global allocator, through the pool of empty pages
//! (`pool`), whose one system call (`madvise`) is the crate's one
//! dependency (`libc`).

mod alloc;
mod array;
mod collect;
mod compare;
mod hash;
mod heap;
mod literals;
mod map;
mod mutate;
pub mod object;
mod page;
mod pool;
mod read;
mod stats;
mod value;

pub use alloc::try_vec_with_capacity;
pub use collect::{SweepMode, SweepReport, mark_global, mark_global_alone, trace};
pub use compare::compare_numbers;
pub use hash::hash_bytes;
pub use heap::{AllocError, Heap};
pub use literals::LiteralSpace;
pub use map::{Number, Unhashable, ValueMap};
pub use mutate::MutateError;
pub use object::HandleTarget;
pub use page::{HeapId, MAX_SMALL_OBJECT, PAGE_SIZE};
pub use pool::{RESIDENT_POOLED_PAGES, pooled_pages};
pub use read::Type;
pub use stats::HeapStats;
pub use value::{INT_MAX, INT_MIN, Value};
