//! Array storage: inline in the object while small, out of line once grown.
//!
//! Invariant: `ptr` addresses `cap` value slots of which the first `len` are
//! initialised. Either the slots are inline (they follow the fixed part in
//! the object's own slot, `ptr == inline_ptr()`, and nothing needs freeing),
//! or they are a buffer from the global allocator of exactly `cap` values,
//! owned by the array and counted in its heap's out-of-line bytes. Objects
//! never move, so the inline pointer stays valid for the object's life.
//!
//! Most arrays of a program are small and never grow (tuples, tree nodes):
//! keeping them inline saves a malloc and a free per array, which was a
//! fifth of the binary-trees benchmark's time.

use crate::value::Value;

/// Most elements an array is created with inline.
pub const INLINE_MAX: usize = 16;

/// The fixed part of an array; inline elements follow it.
#[repr(C)]
pub struct ArrayObj {
    pub header: crate::object::Header,
    len: usize,
    cap: usize,
    ptr: *mut Value,
}

impl ArrayObj {
    /// Bytes of an array object holding `cap` elements inline.
    pub const fn inline_size(cap: usize) -> usize {
        std::mem::size_of::<ArrayObj>() + cap * std::mem::size_of::<Value>()
    }

    fn inline_ptr(&self) -> *mut Value {
        // SAFETY: one past the fixed part, inside (or at the end of) the slot.
        unsafe { (self as *const ArrayObj as *mut ArrayObj).add(1) as *mut Value }
    }

    /// Writes a new array at `this` with `elems` copied inline.
    ///
    /// # Safety
    /// `this` must be a fresh slot of at least `inline_size(elems.len())`
    /// bytes whose header is already written.
    pub(crate) unsafe fn init_inline(this: *mut ArrayObj, elems: &[Value]) {
        // SAFETY: per the contract, the slot has room for the fixed part and
        // the elements, and nothing else refers to it yet.
        unsafe {
            let inline = this.add(1) as *mut Value;
            std::ptr::copy_nonoverlapping(elems.as_ptr(), inline, elems.len());
            (*this).len = elems.len();
            (*this).cap = elems.len();
            (*this).ptr = inline;
        }
    }

    /// Writes a new array at `this` that takes over `elems`'s buffer.
    ///
    /// # Safety
    /// `this` must be a fresh slot of at least `inline_size(0)` bytes whose
    /// header is already written.
    pub(crate) unsafe fn init_out_of_line(this: *mut ArrayObj, elems: Vec<Value>) {
        let mut elems = std::mem::ManuallyDrop::new(elems);
        // SAFETY: per the contract; the buffer's ownership moves to the array.
        unsafe {
            (*this).len = elems.len();
            (*this).cap = elems.capacity();
            (*this).ptr = elems.as_mut_ptr();
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn is_inline(&self) -> bool {
        self.ptr == self.inline_ptr()
    }

    /// Bytes of out-of-line storage (0 when inline).
    pub fn out_of_line_bytes(&self) -> usize {
        if self.is_inline() {
            0
        } else {
            self.cap * std::mem::size_of::<Value>()
        }
    }

    pub fn as_slice(&self) -> &[Value] {
        // SAFETY: the first `len` slots at `ptr` are initialised (invariant).
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }

    pub fn as_mut_slice(&mut self) -> &mut [Value] {
        // SAFETY: as in `as_slice`, and `&mut self` makes the access unique.
        unsafe { std::slice::from_raw_parts_mut(self.ptr, self.len) }
    }

    /// True when a push must first move the elements to a bigger buffer.
    pub fn is_full(&self) -> bool {
        self.len == self.cap
    }

    /// The capacity a full array grows to.
    pub fn grown_capacity(&self) -> usize {
        (self.cap * 2).max(4)
    }

    /// Moves the elements to a new out-of-line buffer of `new_cap` slots,
    /// freeing the old buffer if it was out of line. Returns `None` (and
    /// changes nothing) when the allocator refuses.
    pub fn regrow(&mut self, new_cap: usize) -> Option<()> {
        debug_assert!(new_cap >= self.len);
        let mut buffer: Vec<Value> = Vec::new();
        buffer.try_reserve_exact(new_cap).ok()?;
        buffer.extend_from_slice(self.as_slice());
        self.free_buffer();
        let mut buffer = std::mem::ManuallyDrop::new(buffer);
        self.cap = buffer.capacity();
        self.ptr = buffer.as_mut_ptr();
        Some(())
    }

    /// Appends `v`; the array must not be full.
    pub fn push_within_capacity(&mut self, v: Value) {
        assert!(self.len < self.cap, "push into a full array");
        // SAFETY: slot `len` is within the `cap` slots at `ptr`.
        unsafe { self.ptr.add(self.len).write(v) };
        self.len += 1;
    }

    pub fn pop(&mut self) -> Option<Value> {
        if self.len == 0 {
            return None;
        }
        self.len -= 1;
        // SAFETY: slot `len` was initialised.
        Some(unsafe { self.ptr.add(self.len).read() })
    }

    /// Frees the out-of-line buffer, if any; the array must not be used again
    /// until `ptr` is set anew.
    fn free_buffer(&mut self) {
        if !self.is_inline() {
            // SAFETY: an out-of-line buffer came from a `Vec<Value>` of
            // exactly `cap` slots (invariant); values need no drop.
            unsafe { drop(Vec::from_raw_parts(self.ptr, 0, self.cap)) };
        }
    }

    /// Frees the storage of a dead array; returns the out-of-line bytes freed.
    pub(crate) fn release(&mut self) -> usize {
        let bytes = self.out_of_line_bytes();
        self.free_buffer();
        self.len = 0;
        self.cap = 0;
        self.ptr = self.inline_ptr();
        bytes
    }
}
