//! Hashing of byte strings and of map keys.
//!
//! Invariant: values that are equal as map keys hash equally. Numbers are keys
//! by value, so an integral float hashes as the integer it equals (`1` and
//! `1.0` are the same key); strings hash by content; functions by index.

/// Final avalanche of a 64-bit word (the splitmix64 finaliser).
#[inline]
pub fn mix(mut x: u64) -> u64 {
    x ^= x >> 30;
    x = x.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x ^= x >> 27;
    x = x.wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// Hash of a byte string, eight bytes a step.
pub fn hash_bytes(bytes: &[u8]) -> u64 {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut h = (bytes.len() as u64) ^ 0x243f_6a88_85a3_08d3;
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let word = u64::from_le_bytes(chunk.try_into().expect("chunks of eight"));
        h = (h.rotate_left(5) ^ word).wrapping_mul(K);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut buf = [0u8; 8];
        buf[..rest.len()].copy_from_slice(rest);
        h = (h.rotate_left(5) ^ u64::from_le_bytes(buf)).wrapping_mul(K);
    }
    mix(h)
}

/// Hash of an integer key.
#[inline]
pub fn hash_int(n: i64) -> u64 {
    mix(n as u64 ^ 0x5851_f42d_4c95_7f2d)
}

/// Hash of a float key: integral floats hash like the integer they equal.
pub fn hash_float(f: f64) -> u64 {
    match exact_int(f) {
        Some(n) => hash_int(n),
        None => mix(f.to_bits()),
    }
}

/// The integer `f` equals exactly, if any in the VM's integer range.
pub fn exact_int(f: f64) -> Option<i64> {
    // Every integral f64 in the 63-bit range converts exactly.
    if f.fract() == 0.0 && f >= crate::value::INT_MIN as f64 && f < -(crate::value::INT_MIN as f64)
    {
        Some(f as i64)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integral_floats_hash_like_ints() {
        assert_eq!(hash_float(3.0), hash_int(3));
        assert_eq!(hash_float(-0.0), hash_int(0));
        assert_ne!(hash_float(3.5), hash_int(3));
        assert_eq!(exact_int(4.611686018427388e18), None);
        assert_eq!(
            exact_int(-4.611686018427388e18),
            Some(crate::value::INT_MIN)
        );
    }

    #[test]
    fn byte_hash_depends_on_every_byte_and_length() {
        let base = hash_bytes(b"hello, world");
        assert_ne!(base, hash_bytes(b"hello, worle"));
        assert_ne!(base, hash_bytes(b"hello, world\0"));
        assert_ne!(hash_bytes(b""), hash_bytes(b"\0"));
    }
}
