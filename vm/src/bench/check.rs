//! The first-line check: a workload's result line must not change between
//! repeats, nor between configurations that do the same work.
//!
//! Invariant: a configuration is flagged only by evidence from successful
//! runs. Inside one configuration every run (warm-ups included) and every
//! process of a forked group must print the same, non-empty first line.
//! Across configurations with the same checksum group, the line most of
//! them print is taken as the reference (ties go to the earliest in the
//! plan), and each one printing something else is flagged: one wrong peer
//! does not make the `vm` look wrong, and vice versa.

use std::collections::BTreeMap;

/// What one configuration's successful runs printed.
#[derive(Clone, Debug)]
pub struct Observed<'a> {
    pub id: &'a str,
    /// Configurations sharing a group must agree; `None`: not compared.
    pub group: Option<&'a str>,
    /// The first line of every process of every successful run.
    pub lines: Vec<Option<&'a str>>,
}

/// The mismatches of each configuration, parallel to `observed`.
pub fn mismatches(observed: &[Observed]) -> Vec<Vec<String>> {
    let mut found: Vec<Vec<String>> = vec![Vec::new(); observed.len()];
    // The one line each configuration consistently prints.
    let mut line_of: Vec<Option<&str>> = vec![None; observed.len()];
    for (i, o) in observed.iter().enumerate() {
        if o.lines.is_empty() {
            continue;
        }
        if o.lines.iter().any(Option::is_none) {
            found[i].push("printed no first line".into());
            continue;
        }
        let mut distinct: Vec<&str> = o.lines.iter().flatten().copied().collect();
        distinct.sort_unstable();
        distinct.dedup();
        if distinct.len() > 1 {
            found[i].push(format!(
                "first line differs between runs: {}",
                distinct
                    .iter()
                    .map(|l| format!("`{l}`"))
                    .collect::<Vec<_>>()
                    .join(" vs ")
            ));
        } else {
            line_of[i] = Some(distinct[0]);
        }
    }
    let mut groups: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, o) in observed.iter().enumerate() {
        if let (Some(group), Some(_)) = (o.group, line_of[i]) {
            groups.entry(group).or_default().push(i);
        }
    }
    for members in groups.values() {
        // Count each line; the first member printing it fixes its rank on ties.
        let mut counts: Vec<(&str, usize, usize)> = Vec::new();
        for &i in members {
            let line = line_of[i].expect("grouped members have a line");
            match counts.iter_mut().find(|(l, _, _)| *l == line) {
                Some(entry) => entry.1 += 1,
                None => counts.push((line, 1, i)),
            }
        }
        let Some(&(reference, _, first)) = counts
            .iter()
            .max_by(|a, b| a.1.cmp(&b.1).then(b.2.cmp(&a.2)))
        else {
            continue;
        };
        for &i in members {
            let line = line_of[i].expect("grouped members have a line");
            if line != reference {
                found[i].push(format!(
                    "first line `{line}` differs from `{reference}` (printed by {} and the others agreeing with it)",
                    observed[first].id
                ));
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obs<'a>(id: &'a str, group: Option<&'a str>, lines: &[&'a str]) -> Observed<'a> {
        Observed {
            id,
            group,
            lines: lines.iter().map(|l| Some(*l)).collect(),
        }
    }

    #[test]
    fn agreeing_configurations_pass() {
        let o = [
            obs("a", Some("w"), &["42", "42"]),
            obs("b", Some("w"), &["42"]),
            obs("c", None, &["21", "21"]),
        ];
        assert!(mismatches(&o).iter().all(Vec::is_empty));
    }

    #[test]
    fn a_line_changing_between_repeats_is_flagged() {
        let o = [obs("a", Some("w"), &["1", "2", "1"])];
        let m = mismatches(&o);
        assert_eq!(m[0].len(), 1);
        assert!(m[0][0].contains("`1` vs `2`"), "{:?}", m);
    }

    #[test]
    fn the_odd_one_out_is_flagged_not_the_majority() {
        let o = [
            obs("vm-local", Some("w"), &["7"]),
            obs("vm-global", Some("w"), &["8"]),
            obs("ruby", Some("w"), &["8"]),
            obs("other", Some("v"), &["7"]),
        ];
        let m = mismatches(&o);
        assert!(m[0][0].contains("`7` differs from `8`") && m[0][0].contains("vm-global"));
        assert!(m[1].is_empty() && m[2].is_empty() && m[3].is_empty());
    }

    #[test]
    fn ties_go_to_the_earliest_and_silence_is_flagged() {
        let o = [
            obs("first", Some("w"), &["1"]),
            obs("second", Some("w"), &["2"]),
            Observed {
                id: "mute",
                group: Some("w"),
                lines: vec![None],
            },
            obs("failed", Some("w"), &[]),
        ];
        let m = mismatches(&o);
        assert!(m[0].is_empty());
        assert!(m[1][0].contains("differs from `1`"));
        assert_eq!(m[2], ["printed no first line"]);
        assert!(m[3].is_empty());
    }
}
