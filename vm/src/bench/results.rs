//! The results of a sweep: what each configuration's runs gave, and the
//! figures derived from them (median times, speedups, kept GC figures).
//!
//! Invariant: derived figures come only from a configuration's timed
//! repeats, and only when every run of it (warm-ups included) succeeded: a
//! failed configuration has no median, no speedup and no kept figures, so a
//! partial set of repeats can never pass for a measurement. The collector
//! figures kept for a configuration are those of its median run (see
//! [`summary::median_index`]); every repeat's figures stay in
//! `results.json`.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use super::check::{self, Observed};
use super::machine::Machine;
use super::matrix::{Config, Note, Runner, Settings};
use super::run::Attempt;
use super::summary::{self, Summary};
use super::vmstats::GcFigures;

/// What became of a configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Ok,
    /// Ran, but its first line changed between runs or disagrees with the
    /// configurations doing the same work.
    Mismatch,
    /// A run failed: it could not start, exited non-zero, timed out or
    /// wrote no statistics.
    Failed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Mismatch => "mismatch",
            Status::Failed => "failed",
        }
    }
}

/// One configuration and what its runs gave.
#[derive(Clone, Debug)]
pub struct Record {
    pub config: Config,
    pub warmups: Vec<Attempt>,
    pub repeats: Vec<Attempt>,
    /// The first failure (the configuration stops at it).
    pub failure: Option<String>,
    pub mismatches: Vec<String>,
    /// Output outside the contract, worth a note but not a failure.
    pub warnings: Vec<String>,
}

/// A finished sweep: everything the output files are written from.
#[derive(Debug)]
pub struct Sweep {
    /// The suite file, as given.
    pub suite: PathBuf,
    pub settings: Settings,
    pub machine: Machine,
    pub records: Vec<Record>,
    /// Parallel to `records`.
    pub speedups: Vec<Option<Speedup>>,
    pub notes: Vec<Note>,
    /// Figures written, relative to the output directory.
    pub figures: Vec<PathBuf>,
    pub elapsed: Duration,
}

impl Sweep {
    /// Configurations with the given status.
    pub fn count(&self, status: Status) -> usize {
        self.records.iter().filter(|r| r.status() == status).count()
    }

    /// Whether the sweep passes: no `vm` or forked configuration failed and
    /// no first line mismatched (a failing peer is reported, not fatal).
    pub fn passed(&self) -> bool {
        self.records.iter().all(|r| match r.status() {
            Status::Ok => true,
            Status::Mismatch => false,
            Status::Failed => matches!(r.config.runner, Runner::Peer(_)),
        })
    }
}

/// Time at some isolate count relative to the series' smallest count.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Speedup {
    pub base_isolates: u32,
    pub value: f64,
}

impl Record {
    pub fn new(config: Config) -> Record {
        Record {
            config,
            warmups: Vec::new(),
            repeats: Vec::new(),
            failure: None,
            mismatches: Vec::new(),
            warnings: Vec::new(),
        }
    }

    pub fn status(&self) -> Status {
        if self.failure.is_some() {
            Status::Failed
        } else if !self.mismatches.is_empty() {
            Status::Mismatch
        } else {
            Status::Ok
        }
    }

    /// Wall seconds of each timed repeat.
    pub fn times(&self) -> Vec<f64> {
        self.repeats.iter().map(|a| a.wall.as_secs_f64()).collect()
    }

    /// Median, minimum and maximum wall time; `None` if the configuration
    /// failed.
    pub fn wall(&self) -> Option<Summary> {
        if self.failure.is_some() {
            return None;
        }
        Summary::of(&self.times())
    }

    /// The median run, whose figures represent the configuration.
    pub fn kept(&self) -> Option<&Attempt> {
        if self.failure.is_some() {
            return None;
        }
        summary::median_index(&self.times()).map(|i| &self.repeats[i])
    }

    /// The collector figures of the median run.
    pub fn gc(&self) -> Option<&GcFigures> {
        self.kept().and_then(|a| a.gc.as_ref())
    }

    /// The first line the median run printed (its first process's).
    pub fn first_line(&self) -> Option<&str> {
        self.kept()
            .and_then(|a| a.first_lines.first())
            .and_then(|l| l.as_deref())
    }

    /// Each metric over every repeat (and every process of a group).
    pub fn metrics(&self) -> BTreeMap<String, Summary> {
        let mut values: BTreeMap<String, Vec<f64>> = BTreeMap::new();
        if self.failure.is_none() {
            for a in &self.repeats {
                for (name, v) in &a.metrics {
                    values.entry(name.clone()).or_default().push(*v);
                }
            }
        }
        values
            .into_iter()
            .filter_map(|(name, v)| Summary::of(&v).map(|s| (name, s)))
            .collect()
    }

    /// The first lines of every process of every successful run.
    fn observed(&self) -> Observed<'_> {
        let lines = if self.failure.is_some() {
            Vec::new()
        } else {
            self.warmups
                .iter()
                .chain(&self.repeats)
                .flat_map(|a| a.first_lines.iter().map(Option::as_deref))
                .collect()
        };
        Observed {
            id: &self.config.id,
            group: self.config.checksum_group.as_deref(),
            lines,
        }
    }
}

/// Runs the first-line check over a finished sweep and records what it
/// finds on each record; also notes output lines outside the contract.
pub fn check_first_lines(records: &mut [Record]) {
    let found = {
        let observed: Vec<Observed> = records.iter().map(Record::observed).collect();
        check::mismatches(&observed)
    };
    for (record, found) in records.iter_mut().zip(found) {
        record.mismatches = found;
        let mut stray: Vec<&str> = record
            .warmups
            .iter()
            .chain(&record.repeats)
            .flat_map(|a| a.stray_lines.iter().map(String::as_str))
            .collect();
        stray.sort_unstable();
        stray.dedup();
        if let Some(first) = stray.first() {
            record.warnings = vec![format!(
                "{} output line(s) outside the contract (neither the first line nor \
                 `metric NAME VALUE`), e.g. `{first}`",
                stray.len()
            )];
        }
    }
}

/// Each record's speedup: the median time of the same workload and runner
/// (same policy) at its smallest measured isolate count, divided by this
/// record's median time.
pub fn speedups(records: &[Record]) -> Vec<Option<Speedup>> {
    let medians: Vec<Option<f64>> = records.iter().map(|r| r.wall().map(|s| s.median)).collect();
    let mut base: BTreeMap<(&str, &Runner), (u32, f64)> = BTreeMap::new();
    for (r, median) in records.iter().zip(&medians) {
        if let Some(m) = median {
            let key = (r.config.workload.as_str(), &r.config.runner);
            let entry = base.entry(key).or_insert((r.config.isolates, *m));
            if r.config.isolates < entry.0 {
                *entry = (r.config.isolates, *m);
            }
        }
    }
    records
        .iter()
        .zip(&medians)
        .map(|(r, median)| {
            let m = (*median)?;
            let &(base_isolates, b) = base.get(&(r.config.workload.as_str(), &r.config.runner))?;
            (m > 0.0).then_some(Speedup {
                base_isolates,
                value: b / m,
            })
        })
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::time::Duration;

    pub(crate) fn config(workload: &str, runner: Runner, isolates: u32) -> Config {
        Config {
            id: format!(
                "{workload}.{}-{}.i{isolates}",
                runner.name(),
                runner.policy()
            ),
            workload: workload.into(),
            runner,
            isolates,
            size: 100,
            threads: Some(2),
            processes: Vec::new(),
            command: "vm run".into(),
            checksum_group: Some(workload.into()),
        }
    }

    pub(crate) fn attempt(secs: f64, line: &str) -> Attempt {
        Attempt {
            wall: Duration::from_secs_f64(secs),
            failure: None,
            first_lines: vec![Some(line.into())],
            metrics: vec![("m".into(), secs * 10.0)],
            stray_lines: Vec::new(),
            gc: Some(GcFigures {
                global_collections: (secs * 100.0) as u64,
                ..GcFigures::default()
            }),
        }
    }

    pub(crate) fn record(workload: &str, runner: Runner, isolates: u32, times: &[f64]) -> Record {
        let mut r = Record::new(config(workload, runner, isolates));
        r.repeats = times.iter().map(|&t| attempt(t, "42")).collect();
        r
    }

    #[test]
    fn median_run_figures_are_kept() {
        let r = record("w", Runner::Vm("local".into()), 1, &[0.3, 0.1, 0.2]);
        let wall = r.wall().unwrap();
        assert_eq!((wall.median, wall.min, wall.max), (0.2, 0.1, 0.3));
        assert_eq!(r.gc().unwrap().global_collections, 20);
        assert_eq!(r.metrics()["m"].median, 2.0);
        assert_eq!(r.first_line(), Some("42"));
        assert_eq!(r.status(), Status::Ok);
    }

    #[test]
    fn a_failed_configuration_has_no_figures() {
        let mut r = record("w", Runner::Forked, 1, &[0.3]);
        r.failure = Some("exited with status 1".into());
        assert_eq!(r.status(), Status::Failed);
        assert_eq!(r.wall(), None);
        assert!(r.gc().is_none() && r.metrics().is_empty());
    }

    #[test]
    fn speedup_is_against_the_smallest_count_of_the_same_series() {
        let local = Runner::Vm("local".into());
        let global = Runner::Vm("global-only".into());
        let records = [
            record("w", local.clone(), 1, &[1.0]),
            record("w", local.clone(), 2, &[0.5]),
            record("w", global.clone(), 2, &[0.8]),
            record("w", global.clone(), 1, &[1.2]),
            record("v", local.clone(), 2, &[0.4]),
        ];
        let s = speedups(&records);
        assert_eq!(s[0].unwrap().value, 1.0);
        assert_eq!(s[1].unwrap().value, 2.0);
        assert!((s[2].unwrap().value - 1.5).abs() < 1e-12);
        assert_eq!(s[2].unwrap().base_isolates, 1);
        assert_eq!(
            s[4],
            Some(Speedup {
                base_isolates: 2,
                value: 1.0
            })
        );
    }

    #[test]
    fn first_line_check_marks_records() {
        let mut records = vec![
            record("w", Runner::Vm("local".into()), 1, &[0.1, 0.1]),
            record("w", Runner::Vm("local".into()), 2, &[0.1]),
            record("w", Runner::Peer("ruby".into()), 1, &[0.1]),
        ];
        records[2].repeats[0].first_lines = vec![Some("43".into())];
        records[1].repeats[0].stray_lines = vec!["ns per op: 4".into()];
        check_first_lines(&mut records);
        assert_eq!(records[0].status(), Status::Ok);
        assert_eq!(records[1].status(), Status::Ok);
        assert_eq!(records[1].warnings.len(), 1);
        assert_eq!(records[2].status(), Status::Mismatch);
    }
}
