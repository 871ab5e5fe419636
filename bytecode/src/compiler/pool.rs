//! The module's constant pool under construction.
//!
//! Invariant: each distinct constant appears once (floats are told apart by
//! bit pattern, so `0.0` and `-0.0` are two entries), and the pool never
//! grows past the 65536 entries a `Const` operand can name.

use std::collections::HashMap;

use crate::module::Constant;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Key {
    Int(i64),
    Float(u64),
    Str(Box<str>),
    Func(u16),
}

#[derive(Debug, Default)]
pub(crate) struct ConstPool {
    items: Vec<Constant>,
    index: HashMap<Key, u16>,
}

impl ConstPool {
    /// The index of `c`, adding it when new; `None` when the pool is full.
    pub(crate) fn add(&mut self, c: Constant) -> Option<u16> {
        let key = match &c {
            Constant::Int(v) => Key::Int(*v),
            Constant::Float(v) => Key::Float(v.to_bits()),
            Constant::Str(s) => Key::Str(s.clone()),
            Constant::Func(f) => Key::Func(*f),
        };
        if let Some(&i) = self.index.get(&key) {
            return Some(i);
        }
        let i = u16::try_from(self.items.len()).ok()?;
        self.items.push(c);
        self.index.insert(key, i);
        Some(i)
    }

    pub(crate) fn into_constants(self) -> Vec<Constant> {
        self.items
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constants_are_deduplicated() {
        let mut p = ConstPool::default();
        assert_eq!(p.add(Constant::Str("a".into())), Some(0));
        assert_eq!(p.add(Constant::Int(1 << 40)), Some(1));
        assert_eq!(p.add(Constant::Str("a".into())), Some(0));
        assert_eq!(p.add(Constant::Float(0.0)), Some(2));
        assert_eq!(p.add(Constant::Float(-0.0)), Some(3));
        assert_eq!(p.add(Constant::Func(0)), Some(4));
        assert_eq!(p.into_constants().len(), 5);
    }
}
