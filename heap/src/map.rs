//! `ValueMap`: the insertion-ordered hash map behind map objects.
//!
//! Invariant: `entries` holds the pairs in insertion order; `index` is an
//! open-addressing table (linear probing, power-of-two length, at most three
//! quarters full) whose non-zero slots hold `entry position + 1`. Every key is
//! hashable (see [`key_hash`]) and appears once. Both vectors are out-of-line
//! storage that the owning heap counts in its accounting.

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

#[derive(Debug, Default)]
pub struct ValueMap {
    entries: Vec<Entry>,
    index: Vec<u32>,
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

    pub fn with_capacity(n: usize) -> ValueMap {
        let mut map = ValueMap {
            entries: Vec::with_capacity(n),
            index: Vec::new(),
        };
        if n > 0 {
            map.index = vec![0; table_len_for(n)];
        }
        map
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Bytes of out-of-line storage (capacity, not length).
    pub fn heap_bytes(&self) -> usize {
        self.entries.capacity() * std::mem::size_of::<Entry>()
            + self.index.capacity() * std::mem::size_of::<u32>()
    }

    /// True when inserting a new key would reallocate storage.
    pub fn will_grow(&self) -> bool {
        self.entries.len() == self.entries.capacity()
            || (self.entries.len() + 1) * 4 > self.index.len() * 3
    }

    /// The pair at insertion position `i`.
    pub fn entry_at(&self, i: usize) -> Option<(Value, Value)> {
        self.entries.get(i).map(|e| (e.key, e.value))
    }

    /// The pairs in insertion order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (Value, Value)> + '_ {
        self.entries.iter().map(|e| (e.key, e.value))
    }

    /// Position of `key`'s entry.
    ///
    /// # Safety
    /// `key` and every key in the map must be immediates or live objects.
    unsafe fn find(&self, key: Value, hash: u64) -> Option<usize> {
        if self.index.is_empty() {
            return None;
        }
        let mask = self.index.len() - 1;
        let mut i = hash as usize & mask;
        loop {
            let slot = self.index[i];
            if slot == 0 {
                return None;
            }
            let e = &self.entries[slot as usize - 1];
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
            Ok(self.find(key, hash).map(|i| self.entries[i].value))
        }
    }

    /// Stores `value` under `key`, keeping the key's first insertion position.
    ///
    /// # Safety
    /// As for `find`.
    pub(crate) unsafe fn insert(&mut self, key: Value, value: Value) -> Result<(), Unhashable> {
        // SAFETY: per the contract.
        unsafe {
            let hash = key_hash(key)?;
            if let Some(i) = self.find(key, hash) {
                self.entries[i].value = value;
                return Ok(());
            }
            self.entries.push(Entry { key, value, hash });
        }
        if self.entries.len() * 4 > self.index.len() * 3 {
            self.rebuild_index(table_len_for(self.entries.len()));
        } else {
            self.place(self.entries.len() - 1);
        }
        Ok(())
    }

    fn rebuild_index(&mut self, len: usize) {
        self.index.clear();
        self.index.resize(len, 0);
        for pos in 0..self.entries.len() {
            self.place(pos);
        }
    }

    /// Puts entry `pos` into the index (which has room).
    fn place(&mut self, pos: usize) {
        let mask = self.index.len() - 1;
        let mut i = self.entries[pos].hash as usize & mask;
        while self.index[i] != 0 {
            i = (i + 1) & mask;
        }
        self.index[i] = pos as u32 + 1;
    }
}

/// Index length for `n` entries: a power of two at most three quarters full.
fn table_len_for(n: usize) -> usize {
    (n * 4 / 3 + 1).next_power_of_two().max(8)
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
    fn grows_past_many_entries() {
        let mut m = ValueMap::new();
        // SAFETY: immediates only.
        unsafe {
            for k in 0..10_000 {
                m.insert(int(k * 7919), int(k)).unwrap();
            }
            for k in 0..10_000 {
                assert_eq!(m.get(int(k * 7919)).unwrap(), Some(int(k)));
            }
        }
        assert_eq!(m.len(), 10_000);
        assert!(m.index.len() * 3 >= m.len() * 4);
    }
}
