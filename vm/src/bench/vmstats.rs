//! The collector figures `vm bench` keeps from a run's `--stats-json` file,
//! and how the figures of a forked group combine.
//!
//! Invariant: every figure is read from the document `vm::stats::write_json`
//! writes (the run's `total` and `global` sections, and `peak_rss_bytes`),
//! never estimated; a document missing one of them is refused with the
//! field's name. For a group of forked processes, counts and byte figures
//! are sums over the processes (peak RSS too: the memory the group held),
//! and pause quantiles and maxima are the largest of any process (an upper
//! bound: per-process histograms are not kept). A quantile read from the
//! run's histogram (up to 1% high, see `vm::stats`) is at most the exactly
//! measured maximum already; it is clamped here again, so that
//! `p50 <= p99 <= max` holds for documents older builds wrote too.

use serde::Serialize;
use serde_json::Value as Json;

/// What one run's collectors did (`total` figures: every isolate together).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct GcFigures {
    pub global_collections: u64,
    pub global_pause_p50_ns: u64,
    pub global_pause_p99_ns: u64,
    pub global_pause_max_ns: u64,
    pub local_collections: u64,
    pub local_pause_p50_ns: u64,
    pub local_pause_p99_ns: u64,
    pub local_pause_max_ns: u64,
    pub dead_shareable_bytes_freed: u64,
    pub dead_isolate_bytes_at_end: u64,
    pub bytes_allocated: u64,
    /// `None` where the OS does not report it.
    pub peak_rss_bytes: Option<u64>,
}

fn field(doc: &Json, path: &[&str]) -> Result<u64, String> {
    let mut v = doc;
    for key in path {
        v = v
            .get(key)
            .ok_or_else(|| format!("no `{}`", path.join(".")))?;
    }
    v.as_u64()
        .ok_or_else(|| format!("`{}` is not a count", path.join(".")))
}

impl GcFigures {
    /// Reads the figures from a `--stats-json` document.
    pub fn from_stats_json(text: &str) -> Result<GcFigures, String> {
        let doc: Json =
            serde_json::from_str(text).map_err(|e| format!("statistics are not JSON: {e}"))?;
        let mut g = GcFigures {
            global_collections: field(&doc, &["global", "collections"])?,
            global_pause_p50_ns: field(&doc, &["global", "pauses", "p50_ns"])?,
            global_pause_p99_ns: field(&doc, &["global", "pauses", "p99_ns"])?,
            global_pause_max_ns: field(&doc, &["global", "pause_max_ns"])?,
            local_collections: field(&doc, &["total", "local_collections"])?,
            local_pause_p50_ns: field(&doc, &["total", "local_pauses", "p50_ns"])?,
            local_pause_p99_ns: field(&doc, &["total", "local_pauses", "p99_ns"])?,
            local_pause_max_ns: field(&doc, &["total", "local_pause_max_ns"])?,
            dead_shareable_bytes_freed: field(&doc, &["global", "dead_shareable_bytes_freed"])?,
            dead_isolate_bytes_at_end: field(&doc, &["global", "dead_isolate_bytes_at_end"])?,
            bytes_allocated: field(&doc, &["total", "bytes_allocated"])?,
            peak_rss_bytes: doc.get("peak_rss_bytes").and_then(Json::as_u64),
        };
        g.global_pause_p99_ns = g.global_pause_p99_ns.min(g.global_pause_max_ns);
        g.global_pause_p50_ns = g.global_pause_p50_ns.min(g.global_pause_p99_ns);
        g.local_pause_p99_ns = g.local_pause_p99_ns.min(g.local_pause_max_ns);
        g.local_pause_p50_ns = g.local_pause_p50_ns.min(g.local_pause_p99_ns);
        Ok(g)
    }

    /// The figures of a group of processes run side by side.
    pub fn combine(parts: &[GcFigures]) -> GcFigures {
        let sum = |f: fn(&GcFigures) -> u64| parts.iter().map(f).sum();
        let max = |f: fn(&GcFigures) -> u64| parts.iter().map(f).max().unwrap_or(0);
        GcFigures {
            global_collections: sum(|g| g.global_collections),
            global_pause_p50_ns: max(|g| g.global_pause_p50_ns),
            global_pause_p99_ns: max(|g| g.global_pause_p99_ns),
            global_pause_max_ns: max(|g| g.global_pause_max_ns),
            local_collections: sum(|g| g.local_collections),
            local_pause_p50_ns: max(|g| g.local_pause_p50_ns),
            local_pause_p99_ns: max(|g| g.local_pause_p99_ns),
            local_pause_max_ns: max(|g| g.local_pause_max_ns),
            dead_shareable_bytes_freed: sum(|g| g.dead_shareable_bytes_freed),
            dead_isolate_bytes_at_end: sum(|g| g.dead_isolate_bytes_at_end),
            bytes_allocated: sum(|g| g.bytes_allocated),
            peak_rss_bytes: parts.iter().map(|g| g.peak_rss_bytes).sum(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(global_collections: u64, rss: Option<u64>) -> String {
        serde_json::json!({
            "total": {
                "local_collections": 7, "local_pause_max_ns": 900,
                "local_pauses": { "count": 7, "p50_ns": 100, "p99_ns": 800 },
                "bytes_allocated": 1000,
            },
            "global": {
                "collections": global_collections, "pause_max_ns": 5000,
                "pauses": { "count": global_collections, "p50_ns": 2000, "p99_ns": 4000 },
                "dead_shareable_bytes_freed": 64, "dead_isolate_bytes_at_end": 32,
            },
            "peak_rss_bytes": rss,
        })
        .to_string()
    }

    #[test]
    fn reads_the_stats_document() {
        let g = GcFigures::from_stats_json(&doc(3, Some(4096))).unwrap();
        assert_eq!(g.global_collections, 3);
        assert_eq!(g.global_pause_p99_ns, 4000);
        assert_eq!(g.local_pause_p50_ns, 100);
        assert_eq!(g.local_pause_max_ns, 900);
        assert_eq!(g.dead_shareable_bytes_freed, 64);
        assert_eq!(g.peak_rss_bytes, Some(4096));
        let clamped = doc(3, None).replace("\"p99_ns\":800", "\"p99_ns\":950");
        let g = GcFigures::from_stats_json(&clamped).unwrap();
        assert_eq!(g.local_pause_p99_ns, 900);
        let err = GcFigures::from_stats_json("{\"total\": {}}").unwrap_err();
        assert!(err.contains("global.collections"), "{err}");
    }

    #[test]
    fn a_group_sums_counts_and_keeps_the_largest_pauses() {
        let a = GcFigures::from_stats_json(&doc(1, Some(10))).unwrap();
        let mut b = GcFigures::from_stats_json(&doc(2, Some(20))).unwrap();
        b.global_pause_max_ns = 9000;
        let g = GcFigures::combine(&[a, b.clone()]);
        assert_eq!(g.global_collections, 3);
        assert_eq!(g.local_collections, 14);
        assert_eq!(g.global_pause_max_ns, 9000);
        assert_eq!(g.peak_rss_bytes, Some(30));
        b.peak_rss_bytes = None;
        assert_eq!(GcFigures::combine(&[b]).peak_rss_bytes, None);
    }
}
