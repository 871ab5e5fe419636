//! Equality and ordering of values, as the language's `==` and `<` see them.
//!
//! Invariant: numbers compare by mathematical value across integers and
//! floats (exactly, with no rounding of large integers); strings compare by
//! content (ordering by bytes, which for UTF-8 is code-point order); arrays
//! and maps are equal when their contents are, element by element (maps: same
//! keys, in any order, with equal values); everything else by identity. Deep
//! equality walks with an explicit stack, so it neither overflows the Rust
//! stack on deep structures nor loops on cyclic ones (a pair already being
//! compared counts as equal).

use std::cmp::Ordering;
use std::collections::HashSet;

use crate::heap::Heap;
use crate::map::{self, Number};
use crate::object::{self, Kind};
use crate::value::Value;

impl Heap {
    /// The language's `==`.
    pub fn values_equal(&self, a: Value, b: Value) -> bool {
        // Neither the work list nor the set of pairs allocates until two
        // containers are compared.
        let mut pending = Vec::new();
        let mut seen: HashSet<(u64, u64)> = HashSet::default();
        if !self.shallow_equal(a, b, &mut pending, &mut seen) {
            return false;
        }
        while let Some((x, y)) = pending.pop() {
            if !self.shallow_equal(x, y, &mut pending, &mut seen) {
                return false;
            }
        }
        true
    }

    /// Compares `x` and `y` one level deep, pushing the pairs of elements
    /// still to compare.
    fn shallow_equal(
        &self,
        x: Value,
        y: Value,
        pending: &mut Vec<(Value, Value)>,
        seen: &mut HashSet<(u64, u64)>,
    ) -> bool {
        if x == y {
            return self.float_of(x).is_none_or(|f| !f.is_nan());
        }
        // SAFETY: crate contract: values are immediates or live objects.
        if let (Some(p), Some(q)) = unsafe { (map::number(x), map::number(y)) } {
            return p.equals(q);
        }
        if !(x.is_ptr() && y.is_ptr()) {
            return false;
        }
        // SAFETY: as above.
        let (kx, ky) = unsafe { (object::header(x).kind, object::header(y).kind) };
        if kx != ky {
            return false;
        }
        match kx {
            Kind::String | Kind::Function | Kind::Handle => {
                // SAFETY: as above.
                unsafe { map::key_eq(x, y) }
            }
            Kind::Array | Kind::Map if !seen.insert((x.bits(), y.bits())) => true,
            Kind::Array => {
                let (ex, ey) = (
                    self.array_of(x).unwrap_or(&[]),
                    self.array_of(y).unwrap_or(&[]),
                );
                if ex.len() != ey.len() {
                    return false;
                }
                pending.extend(ex.iter().copied().zip(ey.iter().copied()));
                true
            }
            Kind::Map => {
                let (Some(mx), Some(my)) = (self.map_of(x), self.map_of(y)) else {
                    return false;
                };
                if mx.len() != my.len() {
                    return false;
                }
                for (k, vx) in mx.iter() {
                    match self.map_get(y, k) {
                        Ok(Some(vy)) => pending.push((vx, vy)),
                        _ => return false,
                    }
                }
                true
            }
            Kind::Float | Kind::Free => false,
        }
    }

    /// The language's `<` family: numbers and strings; `None` when the two
    /// values are not comparable (mixed types, or a NaN).
    pub fn compare(&self, a: Value, b: Value) -> Option<Ordering> {
        if let (Some(x), Some(y)) = (a.as_int(), b.as_int()) {
            return Some(x.cmp(&y));
        }
        if let (Some(x), Some(y)) = (self.number_of(a), self.number_of(b)) {
            return compare_numbers(x, y);
        }
        let (x, y) = (self.str_of(a)?, self.str_of(b)?);
        Some(x.cmp(y))
    }
}

/// Exact comparison of two numbers.
pub fn compare_numbers(x: Number, y: Number) -> Option<Ordering> {
    match (x, y) {
        (Number::Int(i), Number::Int(j)) => Some(i.cmp(&j)),
        (Number::Float(f), Number::Float(g)) => f.partial_cmp(&g),
        (Number::Int(i), Number::Float(f)) => compare_int_float(i, f),
        (Number::Float(f), Number::Int(i)) => compare_int_float(i, f).map(Ordering::reverse),
    }
}

/// Compares an integer with a float without rounding the integer.
fn compare_int_float(i: i64, f: f64) -> Option<Ordering> {
    const TWO_POW_63: f64 = 9_223_372_036_854_775_808.0;
    if f.is_nan() {
        return None;
    }
    if f >= TWO_POW_63 {
        return Some(Ordering::Less);
    }
    if f < -TWO_POW_63 {
        return Some(Ordering::Greater);
    }
    let whole = f.trunc();
    // |whole| < 2^63, so the conversion is exact.
    match i.cmp(&(whole as i64)) {
        Ordering::Equal => 0.0f64.partial_cmp(&(f - whole)),
        unequal => Some(unequal),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn int_float_comparison_is_exact() {
        let big = (1i64 << 53) + 1;
        assert_eq!(
            compare_int_float(big, (1i64 << 53) as f64),
            Some(Ordering::Greater)
        );
        assert_eq!(compare_int_float(2, 2.5), Some(Ordering::Less));
        assert_eq!(compare_int_float(-2, -2.5), Some(Ordering::Greater));
        assert_eq!(compare_int_float(3, 3.0), Some(Ordering::Equal));
        assert_eq!(compare_int_float(0, f64::NAN), None);
        assert_eq!(compare_int_float(i64::MAX, 1e300), Some(Ordering::Less));
    }
}
