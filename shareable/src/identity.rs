//! [`Identity`]: the objects being copied, numbered in discovery order, and
//! the map from an object to its number.
//!
//! Invariant: `objects()` lists each inserted object exactly once, in the
//! order of insertion, and `index_of(v)` is `v`'s position in it. Up to
//! [`INLINE`] objects live in an array on the stack and are found by a linear
//! scan, so copying a small message allocates nothing here; past that, the
//! list moves to a vector and an open-addressing table of positions (linear
//! probing, power-of-two length, at most half full) indexes it. The table
//! stores positions, not keys: the key of a slot is `objects()[slot - 1]`.

use heap::{AllocError, Value};

/// Objects kept inline before the first allocation.
pub(crate) const INLINE: usize = 16;

/// Table length when the list first spills.
const FIRST_TABLE: usize = 4 * INLINE;

pub(crate) struct Identity {
    inline: [Value; INLINE],
    /// Every object once more than `INLINE` were inserted; empty before.
    spilled: Vec<Value>,
    /// Slot `s` holds `position + 1` of an object of `spilled`, or 0.
    table: Vec<u32>,
    len: usize,
}

/// Home slot of `v` in a table of `mask + 1` slots (Fibonacci hashing of the
/// address; objects are 16-byte aligned, so the low bits carry nothing).
#[inline]
fn home(v: Value, mask: usize) -> usize {
    let h = (v.bits() >> 4).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    (h >> 32) as usize & mask
}

impl Identity {
    pub(crate) fn new() -> Identity {
        Identity {
            inline: [Value::NIL; INLINE],
            spilled: Vec::new(),
            table: Vec::new(),
            len: 0,
        }
    }

    /// The objects in insertion order.
    #[inline]
    pub(crate) fn objects(&self) -> &[Value] {
        if self.len <= INLINE {
            &self.inline[..self.len]
        } else {
            &self.spilled
        }
    }

    /// The object numbered `i`.
    #[inline]
    pub(crate) fn get(&self, i: usize) -> Option<Value> {
        self.objects().get(i).copied()
    }

    /// The number of `v`, if it was inserted.
    #[inline]
    pub(crate) fn index_of(&self, v: Value) -> Option<usize> {
        if self.len <= INLINE {
            return self.inline[..self.len].iter().position(|&x| x == v);
        }
        let mask = self.table.len() - 1;
        let mut s = home(v, mask);
        loop {
            match self.table[s] {
                0 => return None,
                p if self.spilled[p as usize - 1] == v => return Some(p as usize - 1),
                _ => s = (s + 1) & mask,
            }
        }
    }

    /// Inserts `v` unless present; true when it was new.
    #[inline]
    pub(crate) fn insert(&mut self, v: Value) -> Result<bool, AllocError> {
        if self.len < INLINE {
            if self.inline[..self.len].contains(&v) {
                return Ok(false);
            }
            self.inline[self.len] = v;
            self.len += 1;
            return Ok(true);
        }
        if self.len == INLINE {
            if self.inline.contains(&v) {
                return Ok(false);
            }
            self.spill()?;
        }
        self.insert_spilled(v)
    }

    /// Moves the inline objects to the vector and builds the table.
    #[cold]
    fn spill(&mut self) -> Result<(), AllocError> {
        self.spilled
            .try_reserve(FIRST_TABLE / 2)
            .map_err(|_| AllocError::OutOfMemory)?;
        self.spilled.extend_from_slice(&self.inline);
        self.rebuild(FIRST_TABLE)
    }

    fn insert_spilled(&mut self, v: Value) -> Result<bool, AllocError> {
        if (self.spilled.len() + 1) * 2 > self.table.len() {
            self.rebuild(self.table.len() * 2)?;
        }
        let mask = self.table.len() - 1;
        let mut s = home(v, mask);
        loop {
            match self.table[s] {
                0 => break,
                p if self.spilled[p as usize - 1] == v => return Ok(false),
                _ => s = (s + 1) & mask,
            }
        }
        let position =
            u32::try_from(self.spilled.len() + 1).map_err(|_| AllocError::OutOfMemory)?;
        if self.spilled.len() == self.spilled.capacity() {
            self.spilled
                .try_reserve(self.spilled.len())
                .map_err(|_| AllocError::OutOfMemory)?;
        }
        self.spilled.push(v);
        self.table[s] = position;
        self.len += 1;
        Ok(true)
    }

    /// Replaces the table by one of `slots` slots indexing every object.
    fn rebuild(&mut self, slots: usize) -> Result<(), AllocError> {
        let mut table = Vec::new();
        table
            .try_reserve_exact(slots)
            .map_err(|_| AllocError::OutOfMemory)?;
        table.resize(slots, 0u32);
        let mask = slots - 1;
        for (p, &v) in self.spilled.iter().enumerate() {
            let mut s = home(v, mask);
            while table[s] != 0 {
                s = (s + 1) & mask;
            }
            table[s] = p as u32 + 1;
        }
        self.table = table;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use heap::Heap;

    #[test]
    fn numbers_objects_in_insertion_order_across_the_spill() {
        let heap = Heap::new();
        let objects: Vec<Value> = (0..1000)
            .map(|i| heap.alloc_str(&i.to_string()).unwrap())
            .collect();
        let mut ids = Identity::new();
        for (i, &v) in objects.iter().enumerate() {
            assert!(ids.index_of(v).is_none());
            assert!(ids.insert(v).unwrap());
            assert!(!ids.insert(v).unwrap(), "second insert of {i} is not new");
            assert_eq!(ids.index_of(v), Some(i));
            // Earlier objects keep their numbers through every rebuild.
            assert_eq!(ids.index_of(objects[i / 2]), Some(i / 2));
        }
        assert_eq!(ids.objects(), &objects[..]);
        assert_eq!(ids.get(999), Some(objects[999]));
        assert_eq!(ids.get(1000), None);
        assert!(ids.table.len() >= 2 * objects.len());
    }

    #[test]
    fn small_sets_do_not_allocate() {
        let heap = Heap::new();
        let mut ids = Identity::new();
        for i in 0..INLINE {
            ids.insert(heap.alloc_str(&i.to_string()).unwrap()).unwrap();
        }
        assert_eq!(ids.objects().len(), INLINE);
        assert_eq!(ids.spilled.capacity(), 0);
        assert_eq!(ids.table.capacity(), 0);
    }
}
