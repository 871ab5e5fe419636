//! Human-readable times and sizes for `summary.md` and progress lines.
//!
//! Invariant: every string carries its unit, and keeps three significant
//! digits or more, so a table never hides a difference the CSV shows at
//! the same precision.

/// Seconds: `1.23 s`, `0.456 s`, `4.56 ms`.
pub fn secs(s: f64) -> String {
    if s >= 1.0 {
        format!("{s:.2} s")
    } else if s >= 0.01 {
        format!("{s:.3} s")
    } else {
        format!("{:.2} ms", s * 1e3)
    }
}

/// Nanoseconds as a pause: `850 ns`, `12.3 µs`, `4.56 ms`, `1.23 s`.
pub fn pause(ns: u64) -> String {
    let n = ns as f64;
    if ns < 1_000 {
        format!("{ns} ns")
    } else if ns < 1_000_000 {
        format!("{:.1} µs", n / 1e3)
    } else if ns < 1_000_000_000 {
        format!("{:.2} ms", n / 1e6)
    } else {
        format!("{:.2} s", n / 1e9)
    }
}

/// Bytes: `512 B`, `12.0 KiB`, `3.45 MiB`, `1.20 GiB`.
pub fn bytes(b: u64) -> String {
    let n = b as f64;
    if b < 1024 {
        format!("{b} B")
    } else if b < 1 << 20 {
        format!("{:.1} KiB", n / 1024.0)
    } else if b < 1 << 30 {
        format!("{:.2} MiB", n / (1024.0 * 1024.0))
    } else {
        format!("{:.2} GiB", n / (1024.0 * 1024.0 * 1024.0))
    }
}

/// A speedup: `1.93×`.
pub fn times(x: f64) -> String {
    format!("{x:.2}×")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_are_attached() {
        assert_eq!(secs(1.234), "1.23 s");
        assert_eq!(secs(0.0456), "0.046 s");
        assert_eq!(secs(0.00456), "4.56 ms");
        assert_eq!(pause(850), "850 ns");
        assert_eq!(pause(12_345), "12.3 µs");
        assert_eq!(pause(4_560_000), "4.56 ms");
        assert_eq!(pause(1_230_000_000), "1.23 s");
        assert_eq!(bytes(512), "512 B");
        assert_eq!(bytes(12 * 1024), "12.0 KiB");
        assert_eq!(bytes(3 << 20), "3.00 MiB");
        assert_eq!(bytes(3 << 30), "3.00 GiB");
        assert_eq!(times(1.926), "1.93×");
    }
}
