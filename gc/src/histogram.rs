//! A histogram of pause times with bounded memory and relative error, for
//! the p50 and p99 of collection pauses.
//!
//! Invariant: a duration of `d` nanoseconds lands in bucket
//! `octave(d) * SUB + sub(d)`, eight buckets per power of two, so any
//! quantile read back is within 1/8 (12.5%) above the true value; the
//! buckets are allocated only when the first pause is recorded, so an
//! isolate that never collects pays one pointer.

use std::time::Duration;

const SUB_BITS: u32 = 3;
const SUB: usize = 1 << SUB_BITS;
/// Octaves of nanoseconds covered: up to 2^40 ns (about 18 minutes).
const OCTAVES: usize = 41;
const BUCKETS: usize = OCTAVES * SUB;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PauseHistogram {
    counts: Option<Box<[u32; BUCKETS]>>,
    total: u64,
}

fn bucket(nanos: u64) -> usize {
    if nanos < SUB as u64 {
        return nanos as usize;
    }
    let octave = 63 - nanos.leading_zeros();
    let sub = (nanos >> (octave - SUB_BITS)) as usize & (SUB - 1);
    ((octave - SUB_BITS + 1) as usize * SUB + sub).min(BUCKETS - 1)
}

/// The largest duration of a bucket, in nanoseconds.
fn upper_bound(index: usize) -> u64 {
    if index < SUB {
        return index as u64;
    }
    let octave = (index / SUB) as u32 + SUB_BITS - 1;
    let sub = (index % SUB) as u64;
    ((SUB as u64 + sub + 1) << (octave - SUB_BITS)) - 1
}

impl PauseHistogram {
    pub fn record(&mut self, pause: Duration) {
        let nanos = u64::try_from(pause.as_nanos()).unwrap_or(u64::MAX);
        let counts = self.counts.get_or_insert_with(|| Box::new([0; BUCKETS]));
        counts[bucket(nanos)] += 1;
        self.total += 1;
    }

    pub fn count(&self) -> u64 {
        self.total
    }

    /// The `q`-quantile (0.5 for the median, 0.99 for p99), rounded up to
    /// its bucket's bound; zero when empty.
    pub fn quantile(&self, q: f64) -> Duration {
        let Some(counts) = &self.counts else {
            return Duration::ZERO;
        };
        let rank = ((q * self.total as f64).ceil() as u64).clamp(1, self.total);
        let mut seen = 0;
        for (index, &n) in counts.iter().enumerate() {
            seen += n as u64;
            if seen >= rank {
                return Duration::from_nanos(upper_bound(index));
            }
        }
        Duration::ZERO
    }

    /// Adds another histogram's counts to this one.
    pub fn merge(&mut self, other: &PauseHistogram) {
        if let Some(theirs) = &other.counts {
            let mine = self.counts.get_or_insert_with(|| Box::new([0; BUCKETS]));
            for (m, t) in mine.iter_mut().zip(theirs.iter()) {
                *m += t;
            }
            self.total += other.total;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_bound_their_durations_within_an_eighth() {
        for nanos in (0..100_000u64).chain([1 << 20, 123_456_789, 1 << 39]) {
            let b = bucket(nanos);
            let hi = upper_bound(b);
            assert!(hi >= nanos, "{nanos} above its bucket's bound {hi}");
            assert!(
                hi - nanos <= nanos / 8 + 1,
                "{nanos} -> {hi} is more than an eighth off"
            );
            if b > 0 {
                assert!(
                    upper_bound(b - 1) < nanos,
                    "{nanos} belongs to an earlier bucket"
                );
            }
        }
    }

    #[test]
    fn quantiles_of_a_known_distribution() {
        let mut h = PauseHistogram::default();
        assert_eq!(h.quantile(0.5), Duration::ZERO);
        for micros in 1..=100 {
            h.record(Duration::from_micros(micros));
        }
        let p50 = h.quantile(0.5).as_nanos() as f64;
        let p99 = h.quantile(0.99).as_nanos() as f64;
        assert!((50_000.0..=50_000.0 * 1.125).contains(&p50), "{p50}");
        assert!((99_000.0..=99_000.0 * 1.125).contains(&p99), "{p99}");
        let mut other = PauseHistogram::default();
        other.record(Duration::from_secs(1));
        h.merge(&other);
        assert_eq!(h.count(), 101);
        assert!(h.quantile(1.0) >= Duration::from_secs(1));
    }
}
