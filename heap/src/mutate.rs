//! Changing objects: arrays, maps, and the frozen/shareable flags.
//!
//! Invariant: only the owner mutates, and only objects that are not frozen
//! (docs/design.md invariants 1 and 2: a non-frozen object reachable by an isolate
//! is always its own). Every mutator takes `&mut Heap`, so no borrowed view of
//! the object can be alive while it changes, and keeps the heap's accounting
//! of out-of-line storage exact.

use crate::heap::{AllocError, Heap};
use crate::map::Unhashable;
use crate::object::{self, FLAG_FROZEN, FLAG_SHAREABLE, Kind};
use crate::page::{self, HeapId, PagePtr};
use crate::read::Type;
use crate::value::Value;

/// Why a mutation was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MutateError {
    /// The object is frozen.
    Frozen(Type),
    /// The target is not of the type the operation needs.
    WrongType(Type),
    /// A map key of this type cannot be hashed.
    Unhashable(Type),
    /// An array index outside `0..len`.
    IndexOutOfRange {
        index: i64,
        len: usize,
    },
    Alloc(AllocError),
}

impl From<AllocError> for MutateError {
    fn from(e: AllocError) -> Self {
        MutateError::Alloc(e)
    }
}

impl Heap {
    /// Checks that `v` is a mutable object of `kind`.
    fn mutable(&self, v: Value, kind: Kind) -> Result<(), MutateError> {
        let ty = self.type_of(v);
        if !v.is_ptr() {
            return Err(MutateError::WrongType(ty));
        }
        // SAFETY: crate contract: pointer values address live objects.
        let header = unsafe { object::header(v) };
        if header.kind != kind {
            return Err(MutateError::WrongType(ty));
        }
        if header.is_frozen() {
            return Err(MutateError::Frozen(ty));
        }
        debug_assert_eq!(
            self.owner_of(v),
            Some(self.id),
            "mutating another heap's object"
        );
        Ok(())
    }

    /// Appends `x` to the array `a`.
    pub fn array_push(&mut self, a: Value, x: Value) -> Result<(), MutateError> {
        self.mutable(a, Kind::Array)?;
        // SAFETY: checked: a mutable array of ours; `&mut self` excludes borrows.
        let array = unsafe { object::array_mut(a) };
        if array.is_full() {
            let old = array.out_of_line_bytes();
            let new_cap = array.grown_capacity();
            self.check_limit(new_cap * std::mem::size_of::<Value>())?;
            array.regrow(new_cap).ok_or(AllocError::OutOfMemory)?;
            self.resize_out_of_line(old, array.out_of_line_bytes());
        }
        array.push_within_capacity(x);
        Ok(())
    }

    /// Removes and returns the last element of `a` (`None` when empty).
    pub fn array_pop(&mut self, a: Value) -> Result<Option<Value>, MutateError> {
        self.mutable(a, Kind::Array)?;
        // SAFETY: checked as in `array_push`.
        Ok(unsafe { object::array_mut(a).pop() })
    }

    /// Stores `x` at `index` of `a`.
    pub fn array_set(&mut self, a: Value, index: i64, x: Value) -> Result<(), MutateError> {
        self.mutable(a, Kind::Array)?;
        // SAFETY: checked as in `array_push`.
        let elems = unsafe { object::array_mut(a).as_mut_slice() };
        let len = elems.len();
        match usize::try_from(index).ok().filter(|&i| i < len) {
            Some(i) => {
                elems[i] = x;
                Ok(())
            }
            None => Err(MutateError::IndexOutOfRange { index, len }),
        }
    }

    /// Stores `x` under `key` in map `m`.
    pub fn map_insert(&mut self, m: Value, key: Value, x: Value) -> Result<(), MutateError> {
        self.mutable(m, Kind::Map)?;
        let key_type = self.type_of(key);
        // SAFETY: checked as in `array_push`; keys are live (crate contract).
        let map = unsafe { &mut object::map_mut(m).map };
        let old = map.heap_bytes();
        if map.will_grow() {
            self.check_limit(old.max(64))?;
        }
        // SAFETY: the map's keys and `key` are live (crate contract).
        unsafe { map.insert(key, x) }.map_err(|Unhashable(_)| MutateError::Unhashable(key_type))?;
        let new = map.heap_bytes();
        self.resize_out_of_line(old, new);
        Ok(())
    }

    /// Sets the frozen flag of one object, and the shareable flag when
    /// `shareable`. The mechanism behind `shareable::make_shareable`, which
    /// checks the whole graph first; it does not look at the object's fields.
    /// Only objects of this heap (or of the literal space being built) may be
    /// changed; immediates need nothing.
    pub fn set_frozen(&mut self, v: Value, shareable: bool) {
        if !v.is_ptr() {
            return;
        }
        let page = PagePtr::of(v.ptr());
        debug_assert!(
            page.owner() == self.id || self.id == HeapId::LITERALS,
            "freezing another heap's object"
        );
        // SAFETY: `v` is a live object of ours (checked above in debug
        // builds; crate contract); the header is written before the object
        // can be seen by another isolate.
        unsafe {
            let header = v.ptr().cast::<object::Header>();
            let newly_shareable = shareable && (*header).flags & FLAG_SHAREABLE == 0;
            (*header).flags |= FLAG_FROZEN | if shareable { FLAG_SHAREABLE } else { 0 };
            if newly_shareable {
                let (w, b) = page::bit(page.granule(v.addr()));
                (*page.header()).shareable[w] |= b;
                let bytes = crate::collect::object_bytes(page, v.ptr());
                self.shareable_bytes.set(self.shareable_bytes.get() + bytes);
            }
        }
    }
}
