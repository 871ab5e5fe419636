//! Creating objects. Every constructor takes `&Heap`: allocation never frees
//! or moves anything, so it may run while other objects are borrowed.
//!
//! Invariant: a constructor either returns a fully initialised object whose
//! header matches its layout, or fails without allocating.

use crate::array::INLINE_MAX;
use crate::heap::{AllocError, Heap, init_object};
use crate::map::{self, ValueMap};
use crate::object::{
    self, ArrayObj, FLAG_ASCII, FloatObj, FunctionObj, HandleObj, HandleTarget, Header, Kind,
    MapObj, StringObj,
};
use crate::value::Value;

impl Heap {
    /// A float value: an immediate when it has one, else a boxed float.
    #[inline]
    pub fn alloc_float(&self, f: f64) -> Result<Value, AllocError> {
        if let Some(v) = Value::flonum(f) {
            return Ok(v);
        }
        self.box_float(f)
    }

    #[cold]
    fn box_float(&self, f: f64) -> Result<Value, AllocError> {
        let ptr = self.alloc_object(Kind::Float, std::mem::size_of::<FloatObj>())?;
        // SAFETY: fresh slot of the right size.
        unsafe {
            init_object(
                ptr,
                FloatObj {
                    header: Header::new(Kind::Float),
                    value: f,
                },
            )
        };
        Ok(Value::from_ptr(ptr.as_ptr()))
    }

    pub fn alloc_str(&self, s: &str) -> Result<Value, AllocError> {
        self.alloc_str_parts(&[s])
    }

    /// A string made of `parts` one after the other (one copy, no temporary).
    pub fn alloc_str_parts(&self, parts: &[&str]) -> Result<Value, AllocError> {
        let len = parts
            .iter()
            .try_fold(0usize, |acc, p| acc.checked_add(p.len()))
            .ok_or(AllocError::OutOfMemory)?;
        let size = object::string_size(len);
        let ptr = self.alloc_object(Kind::String, size)?;
        // SAFETY: the slot has room for the fixed part and `len` bytes; the
        // bytes are UTF-8 because every part is a `str`.
        unsafe {
            let data = ptr.as_ptr().add(std::mem::size_of::<StringObj>());
            let mut at = 0;
            for part in parts {
                std::ptr::copy_nonoverlapping(part.as_ptr(), data.add(at), part.len());
                at += part.len();
            }
            let bytes = std::slice::from_raw_parts(data, len);
            let mut header = Header::new(Kind::String);
            if bytes.is_ascii() {
                header.flags |= FLAG_ASCII;
                header.aux32 = u32::try_from(len).unwrap_or(u32::MAX);
            } else {
                let chars = std::str::from_utf8_unchecked(bytes).chars().count();
                header.aux32 = u32::try_from(chars).unwrap_or(u32::MAX);
            }
            let hash = crate::hash::hash_bytes(bytes);
            init_object(ptr, StringObj { header, len, hash });
        }
        Ok(Value::from_ptr(ptr.as_ptr()))
    }

    /// An array of `elems`: small ones are copied inline, larger ones keep
    /// the vector's buffer as their storage.
    pub fn alloc_array(&self, elems: Vec<Value>) -> Result<Value, AllocError> {
        if elems.len() <= INLINE_MAX {
            return self.alloc_array_from(&elems);
        }
        let bytes = elems.capacity() * std::mem::size_of::<Value>();
        self.check_limit(bytes)?;
        let ptr = self.alloc_object(Kind::Array, ArrayObj::inline_size(0))?;
        // SAFETY: fresh slot of the right size, header written.
        unsafe { ArrayObj::init_out_of_line(ptr.as_ptr() as *mut ArrayObj, elems) };
        self.resize_out_of_line(0, bytes);
        Ok(Value::from_ptr(ptr.as_ptr()))
    }

    /// An array holding a copy of `elems` (inline when small).
    pub fn alloc_array_from(&self, elems: &[Value]) -> Result<Value, AllocError> {
        if elems.len() > INLINE_MAX {
            let mut storage = try_vec_with_capacity(elems.len())?;
            storage.extend_from_slice(elems);
            return self.alloc_array(storage);
        }
        let ptr = self.alloc_object(Kind::Array, ArrayObj::inline_size(elems.len()))?;
        // SAFETY: fresh slot with room for the elements inline, header written.
        unsafe { ArrayObj::init_inline(ptr.as_ptr() as *mut ArrayObj, elems) };
        Ok(Value::from_ptr(ptr.as_ptr()))
    }

    /// An empty map with room for `capacity` entries: inline in the object
    /// when small, out of line otherwise.
    pub fn alloc_map(&self, capacity: usize) -> Result<Value, AllocError> {
        let fixed = std::mem::size_of::<MapObj>();
        if capacity <= map::INLINE_MAX {
            let ptr = self.alloc_object(Kind::Map, ValueMap::inline_size(fixed, capacity))?;
            // SAFETY: fresh slot with room for the fixed part and `capacity`
            // entries after it, header written; the slot never moves.
            unsafe {
                let obj = ptr.as_ptr() as *mut MapObj;
                let slots = ptr.as_ptr().add(fixed);
                ValueMap::init_inline(std::ptr::addr_of_mut!((*obj).map), slots, capacity);
            }
            return Ok(Value::from_ptr(ptr.as_ptr()));
        }
        // Room for the entries (24 bytes each) and the index (4 per slot).
        self.check_limit(capacity.saturating_mul(32))?;
        let map = ValueMap::with_capacity(capacity);
        let bytes = map.heap_bytes();
        let ptr = self.alloc_object(Kind::Map, fixed)?;
        let header = Header::new(Kind::Map);
        // SAFETY: fresh slot of the right size.
        unsafe { init_object(ptr, MapObj { header, map }) };
        self.resize_out_of_line(0, bytes);
        Ok(Value::from_ptr(ptr.as_ptr()))
    }

    /// A handle to isolate `id`, keeping `target` alive while it lives.
    pub fn alloc_handle(&self, id: u64, target: HandleTarget) -> Result<Value, AllocError> {
        let ptr = self.alloc_object(Kind::Handle, std::mem::size_of::<HandleObj>())?;
        let header = Header::new(Kind::Handle);
        // SAFETY: fresh slot of the right size.
        unsafe { init_object(ptr, HandleObj { header, id, target }) };
        Ok(Value::from_ptr(ptr.as_ptr()))
    }

    /// A reference to function `index` of the module.
    pub fn alloc_function(&self, index: u32) -> Result<Value, AllocError> {
        let ptr = self.alloc_object(Kind::Function, std::mem::size_of::<FunctionObj>())?;
        let mut header = Header::new(Kind::Function);
        header.aux32 = index;
        // SAFETY: fresh slot of the right size.
        unsafe { init_object(ptr, FunctionObj { header, _pad: 0 }) };
        Ok(Value::from_ptr(ptr.as_ptr()))
    }
}

/// A vector with room for `n` values, or `OutOfMemory` instead of aborting
/// when the system refuses (a program may ask for absurd sizes).
pub fn try_vec_with_capacity(n: usize) -> Result<Vec<Value>, AllocError> {
    let mut v = Vec::new();
    v.try_reserve_exact(n)
        .map_err(|_| AllocError::OutOfMemory)?;
    Ok(v)
}
