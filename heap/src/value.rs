//! `Value`: one tagged 64-bit word.
//!
//! Invariant: the low bits of the word say what it is, and a pointer is only
//! ever an 8-byte-aligned address of a live object header. The word is kept
//! as a raw pointer: an object reference carries the provenance of the page
//! it was allocated in (strict provenance: addresses are only ever derived
//! from a page's pointer, never cast from integers), and an immediate is a
//! pointer without provenance.
//!
//! | low bits | meaning                                                       |
//! |----------|---------------------------------------------------------------|
//! | `…xxx1`  | integer, 63-bit signed, stored as `(n << 1) | 1`            |
//! | `…xx10`  | float immediate ("flonum"), see below                         |
//! | `…x100`  | special constant: nil, false, true                            |
//! | `…x000`  | pointer to an object header (never 0)                         |
//!
//! Floats: 62-bit integers rule out NaN-boxing (it leaves 48 to 51 bits for
//! integers), so floats are boxed in the heap, except that every float whose
//! exponent lies in [-255, 256] (all but the tiniest and hugest magnitudes)
//! and `+0.0` is stored in the word itself by rotating the IEEE bits left by 3
//! and dropping the two exponent bits that the range makes redundant. This is
//! CRuby's "flonum" trick, and the measurement behind keeping it is the
//! `value_repr` criterion bench (`cargo bench -p heap --bench alloc -- value_repr`): a
//! float-summing loop allocates no memory at all with flonums, where boxing
//! every float allocates 16 bytes per operation. Floats outside that range
//! (and `-0.0`) are boxed; arithmetic does not care which form it gets.

use std::fmt;

/// The range of integers a `Value` holds: 63-bit two's complement.
pub const INT_MIN: i64 = -(1 << 62);
pub const INT_MAX: i64 = (1 << 62) - 1;

const TAG_INT: u64 = 0b1;
const TAG_FLONUM_MASK: u64 = 0b11;
const TAG_FLONUM: u64 = 0b10;
const TAG_SPECIAL_MASK: u64 = 0b111;
const TAG_SPECIAL: u64 = 0b100;

const NIL_BITS: u64 = 0x04;
const FALSE_BITS: u64 = 0x0c;
const TRUE_BITS: u64 = 0x14;
/// Flonum encoding of +0.0 (its IEEE pattern lies outside the flonum range).
const FLONUM_POS_ZERO: u64 = 0x8000_0000_0000_0002;

/// A VM value: an immediate or a pointer to a heap object.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
#[repr(transparent)]
pub struct Value(*mut u8);

// SAFETY: a `Value` is a word; moving it between threads reads nothing. An
// object it points to is only read or written through a heap, under the
// heap's contract (the owner's thread, or a collector with every isolate
// stopped, or a shareable object that no one writes).
unsafe impl Send for Value {}
// SAFETY: as above; `&Value` gives access to the word only.
unsafe impl Sync for Value {}

/// The value whose word is `bits`, with no provenance: for immediates.
#[inline]
const fn word(bits: u64) -> Value {
    Value(std::ptr::without_provenance_mut(bits as usize))
}

impl Value {
    pub const NIL: Value = word(NIL_BITS);
    pub const FALSE: Value = word(FALSE_BITS);
    pub const TRUE: Value = word(TRUE_BITS);

    /// The raw word, for hashing by identity and for debugging.
    #[inline]
    pub fn bits(self) -> u64 {
        self.0.addr() as u64
    }

    #[inline]
    pub fn from_bool(b: bool) -> Value {
        if b { Value::TRUE } else { Value::FALSE }
    }

    /// An integer value, or `None` when `n` is outside [`INT_MIN`, `INT_MAX`].
    #[inline]
    pub fn int(n: i64) -> Option<Value> {
        if (INT_MIN..=INT_MAX).contains(&n) {
            Some(word(((n as u64) << 1) | TAG_INT))
        } else {
            None
        }
    }

    #[inline]
    pub fn is_int(self) -> bool {
        self.bits() & TAG_INT != 0
    }

    /// The integer, if this is one.
    #[inline]
    pub fn as_int(self) -> Option<i64> {
        if self.is_int() {
            Some(self.int_unchecked())
        } else {
            None
        }
    }

    /// The integer of a value known to be one (meaningless otherwise).
    #[inline]
    pub fn int_unchecked(self) -> i64 {
        (self.bits() as i64) >> 1
    }

    /// `a + b` on two integer values, `None` on overflow of the 63-bit range.
    /// Works on the tagged words directly: (2a+1) + (2b+1) - 1 = 2(a+b) + 1.
    #[inline]
    pub fn int_add(a: Value, b: Value) -> Option<Value> {
        (a.bits() as i64)
            .checked_add((b.bits() as i64) - 1)
            .map(|r| word(r as u64))
    }

    /// `a - b` on two integer values, `None` on overflow.
    #[inline]
    pub fn int_sub(a: Value, b: Value) -> Option<Value> {
        (a.bits() as i64)
            .checked_sub((b.bits() as i64) - 1)
            .map(|r| word(r as u64))
    }

    /// The float immediate for `f`, when `f` has one (see the module docs).
    #[inline]
    pub fn flonum(f: f64) -> Option<Value> {
        let bits = f.to_bits();
        let top = (bits >> 60) & 0b111;
        // Exponents whose top three bits are 011 or 100 fit; the pattern
        // 0x3000.. would collide with the encoding chosen for +0.0.
        if (top == 3 || top == 4) && bits != 0x3000_0000_0000_0000 {
            Some(word((bits.rotate_left(3) & !TAG_FLONUM_MASK) | TAG_FLONUM))
        } else if bits == 0 {
            Some(word(FLONUM_POS_ZERO))
        } else {
            None
        }
    }

    #[inline]
    pub fn is_flonum(self) -> bool {
        self.bits() & TAG_FLONUM_MASK == TAG_FLONUM
    }

    /// The float of a flonum (meaningless for other values).
    #[inline]
    pub fn flonum_unchecked(self) -> f64 {
        if self.bits() == FLONUM_POS_ZERO {
            return 0.0;
        }
        // The two dropped exponent bits are the complement and the copy of
        // the exponent bit that the rotation moved to bit 63.
        let b63 = self.bits() >> 63;
        let restored = (self.bits() & !TAG_FLONUM_MASK) | (2 - b63);
        f64::from_bits(restored.rotate_right(3))
    }

    #[inline]
    pub fn is_nil(self) -> bool {
        self.bits() == NIL_BITS
    }

    #[inline]
    pub fn is_bool(self) -> bool {
        self.bits() == TRUE_BITS || self.bits() == FALSE_BITS
    }

    /// Everything but nil and false is true.
    #[inline]
    pub fn is_truthy(self) -> bool {
        // nil (0x04) and false (0x0c) are the only words equal to 0x04 after
        // masking bit 3.
        self.bits() & !0x08 != NIL_BITS
    }

    #[inline]
    pub fn is_special(self) -> bool {
        self.bits() & TAG_SPECIAL_MASK == TAG_SPECIAL
    }

    /// True when the value is a pointer to a heap object.
    #[inline]
    pub fn is_ptr(self) -> bool {
        self.bits() & TAG_SPECIAL_MASK == 0
    }

    /// The object address of a pointer value (meaningless otherwise).
    #[inline]
    pub(crate) fn addr(self) -> usize {
        self.0.addr()
    }

    /// The object pointer of a pointer value (meaningless otherwise).
    #[inline]
    pub(crate) fn ptr(self) -> *mut u8 {
        self.0
    }

    /// The value pointing at the object header at `ptr`.
    #[inline]
    pub(crate) fn from_ptr(ptr: *mut u8) -> Value {
        debug_assert!(
            !ptr.is_null() && ptr.addr() & 0b111 == 0,
            "misaligned object address"
        );
        Value(ptr)
    }
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(n) = self.as_int() {
            write!(f, "Int({n})")
        } else if self.is_flonum() {
            write!(f, "Float({:?})", self.flonum_unchecked())
        } else if self.is_nil() {
            write!(f, "Nil")
        } else if *self == Value::TRUE {
            write!(f, "True")
        } else if *self == Value::FALSE {
            write!(f, "False")
        } else if self.is_ptr() {
            write!(f, "Obj({:#x})", self.bits())
        } else {
            write!(f, "Invalid({:#x})", self.bits())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn specials_are_distinct_and_truthiness_is_ruby_like() {
        assert!(!Value::NIL.is_truthy());
        assert!(!Value::FALSE.is_truthy());
        assert!(Value::TRUE.is_truthy());
        assert!(Value::int(0).unwrap().is_truthy());
        assert!(Value::flonum(0.0).unwrap().is_truthy());
        for v in [Value::NIL, Value::FALSE, Value::TRUE] {
            assert!(v.is_special() && !v.is_ptr() && !v.is_int() && !v.is_flonum());
        }
    }

    #[test]
    fn int_range_is_63_bits() {
        assert_eq!(Value::int(INT_MAX).unwrap().as_int(), Some(INT_MAX));
        assert_eq!(Value::int(INT_MIN).unwrap().as_int(), Some(INT_MIN));
        assert!(Value::int(INT_MAX + 1).is_none());
        assert!(Value::int(INT_MIN - 1).is_none());
    }

    #[test]
    fn tagged_add_and_sub_detect_overflow() {
        let max = Value::int(INT_MAX).unwrap();
        let min = Value::int(INT_MIN).unwrap();
        let one = Value::int(1).unwrap();
        assert_eq!(Value::int_add(max, one), None);
        assert_eq!(Value::int_sub(min, one), None);
        assert_eq!(Value::int_add(min, max).unwrap().as_int(), Some(-1));
    }

    #[test]
    fn common_floats_are_immediate_and_extremes_are_not() {
        for f in [0.0, 1.0, -1.5, 2.5, 1e9, 2.71, -1e-70, 1e76] {
            let v = Value::flonum(f).expect("fits");
            assert!(v.is_flonum());
            assert_eq!(v.flonum_unchecked().to_bits(), f.to_bits());
        }
        for f in [
            -0.0,
            f64::NAN,
            f64::INFINITY,
            1e300,
            1e-300,
            f64::MIN_POSITIVE,
        ] {
            assert!(Value::flonum(f).is_none(), "{f} must be boxed");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(if cfg!(miri) { 8 } else { 256 }))]

        #[test]
        fn ints_round_trip(n in INT_MIN..=INT_MAX) {
            let v = Value::int(n).unwrap();
            prop_assert!(v.is_int() && !v.is_ptr() && !v.is_flonum());
            prop_assert_eq!(v.as_int(), Some(n));
        }

        #[test]
        fn int_add_sub_match_checked_i64(a in INT_MIN..=INT_MAX, b in INT_MIN..=INT_MAX) {
            let (va, vb) = (Value::int(a).unwrap(), Value::int(b).unwrap());
            let want_add = a.checked_add(b).and_then(Value::int);
            let want_sub = a.checked_sub(b).and_then(Value::int);
            prop_assert_eq!(Value::int_add(va, vb), want_add);
            prop_assert_eq!(Value::int_sub(va, vb), want_sub);
        }

        #[test]
        fn flonums_round_trip_exactly(bits in any::<u64>()) {
            let f = f64::from_bits(bits);
            if let Some(v) = Value::flonum(f) {
                prop_assert!(v.is_flonum() && !v.is_int() && !v.is_ptr() && !v.is_special());
                prop_assert_eq!(v.flonum_unchecked().to_bits(), bits);
            }
        }
    }
}
