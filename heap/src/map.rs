//! `ValueMap`: the insertion-ordered hash map behind map objects.
//!
//! Invariants:
//! - The first `len` of the `cap` entry slots at `entries` hold the pairs in
//!   insertion order; every key is hashable (see [`key_hash`]) and appears
//!   once.
//! - The slots are inline (they follow the map in its object's own slot,
//!   sized when the map was made: no malloc for a map that never grows), or
//!   an out-of-line buffer of exactly `cap` entries, owned by the map and
//!   counted in its heap's out-of-line bytes.
//! - While a map has at most `LINEAR_MAX` entries, `index` is empty and a
//!   lookup scans the entries (comparing hashes first); beyond that `index`
//!   is an open-addressing table (linear probing, power-of-two length, at
//!   most three quarters full) whose non-zero slots hold `position + 1`.
//!
//! Small maps used as records (`{"id": 1, "name": "x"}`) are the common
//! case: keeping them out of the process-wide allocator is what lets
//! isolates allocate them in parallel without contending on `malloc`.

use crate::hash;
use crate::object::{self, Kind};
use crate::value::Value;

/// A key that cannot be hashed (a mutable array or map).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Unhashable(pub Kind);

#[derive(Clone, Copy, Debug)]
pub(crate) struct Entry {
    pub key: Value,
    pub value: Value,
    pub hash: u64,
}

/// Most entries looked up by scanning, without an index.
pub const LINEAR_MAX: usize = 8;

/// Most entries a map is created with inline.
pub const INLINE_MAX: usize = 8;

#[derive(Debug)]
#[repr(C)]
pub struct ValueMap {
    len: usize,
    cap: usize,
    entries: *mut Entry,
    inline: bool,
    index: Vec<u32>,
}

impl Default for ValueMap {
    /// An empty map with no storage; it grows out of line.
    fn default() -> Self {
        ValueMap {
            len: 0,
            cap: 0,
            entries: std::ptr::NonNull::dangling().as_ptr(),
            inline: false,
            index: Vec::new(),
        }
    }
}

impl Drop for ValueMap {
    fn drop(&mut self) {
        self.release();
    }
}

/// The hash of a map key.
///
/// # Safety
/// `key` must be an immediate or point to a live object.
pub(crate) unsafe fn key_hash(key: Value) -> Result<u64, Unhashable> {
    if let Some(n) = key.as_int() {
        return Ok(hash::hash_int(n));
    }
    if key.is_flonum() {
        return Ok(hash::hash_float(key.flonum_unchecked()));
    }
    if !key.is_ptr() {
        return Ok(hash::mix(key.bits()));
    }
    // SAFETY: per the contract, `key` points to a live object.
    unsafe {
        let header = object::header(key);
        match header.kind {
            Kind::String => Ok(object::string_obj(key).hash),
            Kind::Float => Ok(hash::hash_float(object::boxed_float(key))),
            Kind::Function => Ok(hash::hash_int(header.aux32 as i64) ^ 0x66),
            Kind::Handle => Ok(hash::hash_int(object::handle(key).id as i64) ^ 0x68),
            kind => Err(Unhashable(kind)),
        }
    }
}

/// Key equality: numbers by value, strings by content, functions by index,
/// everything else by identity.
///
/// # Safety
/// Both values must be immediates or point to live objects.
pub(crate) unsafe fn key_eq(a: Value, b: Value) -> bool {
    if a == b {
        // Identical words: the same immediate or the same object (a NaN is
        // never a flonum, so a boxed NaN is equal only to itself, as in Python).
        return true;
    }
    // SAFETY: per the contract.
    unsafe {
        if let (Some(x), Some(y)) = (number(a), number(b)) {
            return x.equals(y);
        }
        if !(a.is_ptr() && b.is_ptr()) {
            return false;
        }
        let (ha, hb) = (object::header(a), object::header(b));
        match (ha.kind, hb.kind) {
            (Kind::String, Kind::String) => object::string_bytes(a) == object::string_bytes(b),
            (Kind::Function, Kind::Function) => ha.aux32 == hb.aux32,
            (Kind::Handle, Kind::Handle) => object::handle(a).id == object::handle(b).id,
            _ => false,
        }
    }
}

/// A number read from a value, for comparisons across representations.
#[derive(Clone, Copy, Debug)]
pub enum Number {
    Int(i64),
    Float(f64),
}

impl Number {
    /// Numeric equality, exact across integers and floats.
    pub fn equals(self, other: Number) -> bool {
        match (self, other) {
            (Number::Int(x), Number::Int(y)) => x == y,
            (Number::Float(x), Number::Float(y)) => x == y,
            (Number::Int(i), Number::Float(f)) | (Number::Float(f), Number::Int(i)) => {
                hash::exact_int(f) == Some(i)
            }
        }
    }
}

/// The number `v` holds, if it is one.
///
/// # Safety
/// `v` must be an immediate or point to a live object.
pub(crate) unsafe fn number(v: Value) -> Option<Number> {
    if let Some(n) = v.as_int() {
        Some(Number::Int(n))
    } else if v.is_flonum() {
        Some(Number::Float(v.flonum_unchecked()))
    } else if v.is_ptr() {
        // SAFETY: per the contract.
        unsafe {
            (object::header(v).kind == Kind::Float).then(|| Number::Float(object::boxed_float(v)))
        }
    } else {
        None
    }
}

impl ValueMap {
    pub fn new() -> ValueMap {
        ValueMap::default()
    }

    /// An empty map with out-of-line room for `n` entries.
    pub fn with_capacity(n: usize) -> ValueMap {
        let mut map = ValueMap::default();
        if n > 0 {
            map.move_out_of_line(n);
        }
        if n > LINEAR_MAX {
            map.index = vec![0; table_len_for(n)];
        }
        map
    }

    /// Bytes of a map object holding `cap` entries inline after `fixed`
    /// bytes (the object's fixed part, this struct included).
    pub const fn inline_size(fixed: usize, cap: usize) -> usize {
        fixed + cap * std::mem::size_of::<Entry>()
    }

    /// Writes a new, empty map at `this` whose `cap` entry slots are the
    /// memory at `slots`.
    ///
    /// # Safety
    /// `this` must be writable and `slots` must be room for `cap` entries
    /// that lives, and stays in place, as long as the map (in practice: the
    /// rest of the map object's own slot).
    pub(crate) unsafe fn init_inline(this: *mut ValueMap, slots: *mut u8, cap: usize) {
        let map = ValueMap {
            len: 0,
            cap,
            entries: slots as *mut Entry,
            inline: true,
            index: Vec::new(),
        };
        // SAFETY: per the contract.
        unsafe { this.write(map) }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn slots(&self) -> &[Entry] {
        // SAFETY: the first `len` slots are initialised (invariant).
        unsafe { std::slice::from_raw_parts(self.entries, self.len) }
    }

    fn slots_mut(&mut self) -> &mut [Entry] {
        // SAFETY: as in `slots`; `&mut self` makes the access unique.
        unsafe { std::slice::from_raw_parts_mut(self.entries, self.len) }
    }

    /// Bytes of out-of-line storage (capacity, not length).
    pub fn heap_bytes(&self) -> usize {
        let entries = if self.inline {
            0
        } else {
            self.cap * std::mem::size_of::<Entry>()
        };
        entries + self.index.capacity() * std::mem::size_of::<u32>()
    }

    /// True when inserting a new key would allocate storage.
    pub fn will_grow(&self) -> bool {
        let len = self.len + 1;
        len > self.cap || (len > LINEAR_MAX && len * 4 > self.index.len() * 3)
    }

    /// The pair at insertion position `i`.
    pub fn entry_at(&self, i: usize) -> Option<(Value, Value)> {
        self.slots().get(i).map(|e| (e.key, e.value))
    }

    /// The pairs in insertion order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (Value, Value)> + '_ {
        self.slots().iter().map(|e| (e.key, e.value))
    }

    /// Position of `key`'s entry.
    ///
    /// # Safety
    /// `key` and every key in the map must be immediates or live objects.
    unsafe fn find(&self, key: Value, hash: u64) -> Option<usize> {
        let entries = self.slots();
        if self.index.is_empty() {
            // SAFETY: per the contract.
            return entries
                .iter()
                .position(|e| e.hash == hash && unsafe { key_eq(e.key, key) });
        }
        let mask = self.index.len() - 1;
        let mut i = hash as usize & mask;
        loop {
            let slot = self.index[i];
            if slot == 0 {
                return None;
            }
            let e = &entries[slot as usize - 1];
            // SAFETY: per the contract.
            if e.hash == hash && unsafe { key_eq(e.key, key) } {
                return Some(slot as usize - 1);
            }
            i = (i + 1) & mask;
        }
    }

    /// The value stored under `key`.
    ///
    /// # Safety
    /// As for `find`.
    pub(crate) unsafe fn get(&self, key: Value) -> Result<Option<Value>, Unhashable> {
        // SAFETY: per the contract.
        unsafe {
            let hash = key_hash(key)?;
            Ok(self.find(key, hash).map(|i| self.slots()[i].value))
        }
    }

    /// Stores `value` under `key`, keeping the key's first insertion position.
    ///
    /// # Safety
    /// As for `find`.
    pub(crate) unsafe fn insert(&mut self, key: Value, value: Value) -> Result<(), Unhashable> {
        // SAFETY: per the contract.
        let hash = unsafe { key_hash(key)? };
        // SAFETY: per the contract.
        if let Some(i) = unsafe { self.find(key, hash) } {
            self.slots_mut()[i].value = value;
            return Ok(());
        }
        if self.len == self.cap {
            self.move_out_of_line((self.cap * 2).max(4));
        }
        // SAFETY: slot `len` is within the `cap` slots.
        unsafe { self.entries.add(self.len).write(Entry { key, value, hash }) };
        self.len += 1;
        // Keep the index whenever there is one (a map made with room for
        // many entries has it from the start); build it past LINEAR_MAX.
        if self.index.is_empty() {
            if self.len > LINEAR_MAX {
                self.rebuild_index(table_len_for(self.len));
            }
        } else if self.len * 4 > self.index.len() * 3 {
            self.rebuild_index(table_len_for(self.len));
        } else {
            self.place(self.len - 1);
        }
        Ok(())
    }

    /// Moves the entries to an out-of-line buffer of `cap` slots.
    fn move_out_of_line(&mut self, cap: usize) {
        let mut buffer: Vec<Entry> = Vec::with_capacity(cap);
        buffer.extend_from_slice(self.slots());
        self.free_entries();
        let mut buffer = std::mem::ManuallyDrop::new(buffer);
        self.cap = buffer.capacity();
        self.entries = buffer.as_mut_ptr();
        self.inline = false;
    }

    /// Frees an out-of-line entry buffer; the entries must be moved first.
    fn free_entries(&mut self) {
        if !self.inline {
            // SAFETY: an out-of-line buffer came from a `Vec<Entry>` of
            // exactly `cap` slots (invariant); entries need no drop.
            unsafe { drop(Vec::from_raw_parts(self.entries, 0, self.cap)) };
        }
    }

    /// Frees every out-of-line storage and empties the map; returns the
    /// bytes freed. The map stays valid (and empty).
    pub(crate) fn release(&mut self) -> usize {
        let bytes = self.heap_bytes();
        self.free_entries();
        self.index = Vec::new();
        self.len = 0;
        self.cap = 0;
        self.entries = std::ptr::NonNull::dangling().as_ptr();
        self.inline = false;
        bytes
    }

    fn rebuild_index(&mut self, len: usize) {
        self.index.clear();
        self.index.resize(len, 0);
        for pos in 0..self.len {
            self.place(pos);
        }
    }

    /// Puts entry `pos` into the index (which has room).
    fn place(&mut self, pos: usize) {
        let mask = self.index.len() - 1;
        let mut i = self.slots()[pos].hash as usize & mask;
        while self.index[i] != 0 {
            i = (i + 1) & mask;
        }
        self.index[i] = pos as u32 + 1;
    }
}

/// Index length for `n` entries: a power of two at most three quarters full.
fn table_len_for(n: usize) -> usize {
    (n * 4 / 3 + 1).next_power_of_two().max(16)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn int(n: i64) -> Value {
        Value::int(n).unwrap()
    }

    #[test]
    fn keeps_insertion_order_and_overwrites_in_place() {
        let mut m = ValueMap::new();
        // SAFETY: immediates only.
        unsafe {
            for k in [5, 1, 9, 1, 3] {
                m.insert(int(k), int(k * 10)).unwrap();
            }
            m.insert(int(9), Value::NIL).unwrap();
            let keys: Vec<_> = m.iter().map(|(k, _)| k.as_int().unwrap()).collect();
            assert_eq!(keys, [5, 1, 9, 3]);
            assert_eq!(m.get(int(9)).unwrap(), Some(Value::NIL));
            assert_eq!(m.get(int(4)).unwrap(), None);
        }
    }

    #[test]
    fn integral_float_and_int_are_one_key() {
        let mut m = ValueMap::new();
        // SAFETY: immediates only.
        unsafe {
            m.insert(int(2), Value::TRUE).unwrap();
            m.insert(Value::flonum(2.0).unwrap(), Value::FALSE).unwrap();
            assert_eq!(m.len(), 1);
            assert_eq!(m.get(int(2)).unwrap(), Some(Value::FALSE));
        }
    }

    #[test]
    fn a_map_made_with_room_finds_its_first_entries() {
        let mut m = ValueMap::with_capacity(20);
        // SAFETY: immediates only.
        unsafe {
            for k in 0..20 {
                m.insert(int(k), int(-k)).unwrap();
                for j in 0..=k {
                    assert_eq!(
                        m.get(int(j)).unwrap(),
                        Some(int(-j)),
                        "key {j} after {k} inserts"
                    );
                }
            }
        }
    }

    #[test]
    fn small_maps_scan_and_large_ones_index() {
        let mut m = ValueMap::new();
        // SAFETY: immediates only.
        unsafe {
            for k in 0..LINEAR_MAX as i64 {
                m.insert(int(k), int(k)).unwrap();
            }
            assert!(m.index.is_empty());
            m.insert(int(100), int(100)).unwrap();
            assert!(!m.index.is_empty());
            for k in (0..LINEAR_MAX as i64).chain([100]) {
                assert_eq!(m.get(int(k)).unwrap(), Some(int(k)));
            }
        }
    }

    #[test]
    fn grows_past_many_entries() {
        let mut m = ValueMap::new();
        const N: i64 = if cfg!(miri) { 300 } else { 10_000 };
        // SAFETY: immediates only.
        unsafe {
            for k in 0..N {
                m.insert(int(k * 7919), int(k)).unwrap();
            }
            for k in 0..N {
                assert_eq!(m.get(int(k * 7919)).unwrap(), Some(int(k)));
            }
        }
        assert_eq!(m.len(), N as usize);
        assert!(m.index.len() * 3 >= m.len() * 4);
    }
}
