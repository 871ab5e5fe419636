//! Median, minimum and maximum of a set of measurements.
//!
//! Invariant: a [`Summary`] exists only for a non-empty set of finite
//! values, and `min <= median <= max`. The median of an even count is the
//! mean of the two middle values; the *median run* (whose collector figures
//! a sweep keeps) is the lower of the two, so it is always a run that
//! happened.

use serde::Serialize;

/// Median, minimum and maximum of some values.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Summary {
    pub median: f64,
    pub min: f64,
    pub max: f64,
}

impl Summary {
    /// `None` for no values or any value that is not finite.
    pub fn of(values: &[f64]) -> Option<Summary> {
        if values.is_empty() || values.iter().any(|v| !v.is_finite()) {
            return None;
        }
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        let n = sorted.len();
        let median = if n % 2 == 1 {
            sorted[n / 2]
        } else {
            (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
        };
        Some(Summary {
            median,
            min: sorted[0],
            max: sorted[n - 1],
        })
    }
}

/// The index in `values` of the median run: the middle one when sorted, the
/// lower middle for an even count (ties keep the earlier run).
pub fn median_index(values: &[f64]) -> Option<usize> {
    if values.is_empty() {
        return None;
    }
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]).then(a.cmp(&b)));
    Some(order[(values.len() - 1) / 2])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn odd_and_even_counts() {
        let s = Summary::of(&[3.0, 1.0, 2.0]).unwrap();
        assert_eq!((s.median, s.min, s.max), (2.0, 1.0, 3.0));
        let s = Summary::of(&[4.0, 1.0, 3.0, 2.0]).unwrap();
        assert_eq!((s.median, s.min, s.max), (2.5, 1.0, 4.0));
        let s = Summary::of(&[0.5]).unwrap();
        assert_eq!((s.median, s.min, s.max), (0.5, 0.5, 0.5));
    }

    #[test]
    fn no_summary_of_nothing_or_of_nan() {
        assert_eq!(Summary::of(&[]), None);
        assert_eq!(Summary::of(&[1.0, f64::NAN]), None);
        assert_eq!(Summary::of(&[f64::INFINITY]), None);
    }

    #[test]
    fn median_run_is_a_real_run() {
        assert_eq!(median_index(&[3.0, 1.0, 2.0]), Some(2));
        assert_eq!(median_index(&[4.0, 1.0, 3.0, 2.0]), Some(3));
        assert_eq!(median_index(&[5.0, 5.0, 5.0]), Some(1));
        assert_eq!(median_index(&[7.0]), Some(0));
        assert_eq!(median_index(&[]), None);
    }

    #[test]
    fn summary_bounds_hold() {
        let values = [0.31, 0.29, 0.35, 0.30, 0.90, 0.28];
        let s = Summary::of(&values).unwrap();
        assert!(s.min <= s.median && s.median <= s.max);
        assert_eq!(s.min, 0.28);
        assert_eq!(s.max, 0.90);
        assert!((s.median - 0.305).abs() < 1e-12);
    }
}
