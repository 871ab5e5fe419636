//! The sweep's SVG figures (plotters, SVG backend only).
//!
//! Invariant: a figure plots exactly the figures `results.csv` lists for the
//! same configurations (median, minimum and maximum wall time, speedup, the
//! median run's collector figures), with every axis labelled with its unit
//! and every series named in a legend; a configuration without a figure
//! (failed) is left out, never drawn as zero. Per workload, in `figures/`:
//!
//! - `NAME-time.svg`: median wall time against isolate count (log scale),
//!   one line per policy, the forked baseline and each peer, with min-max
//!   bars: the Ractor-local GC talk's figure. Drawn for talk workloads and
//!   for any workload measured at two or more isolate counts.
//! - `NAME-speedup.svg`: speedup against the smallest isolate count, same
//!   series, with the ideal (linear) speedup dashed. Same condition.
//! - `NAME-pauses.svg`: p50, p99 and maximum pause (log scale) of each
//!   collector that ran, per policy (and the forked baseline), at the
//!   largest isolate count measured.
//! - `NAME-memory.svg` (workloads with `memory_figure`): dead shareable
//!   bytes freed by global collections, bytes dead isolates still held at
//!   the end, and peak RSS, per policy and isolate count.

use std::error::Error;
use std::path::{Path, PathBuf};

use std::ops::Range;

use plotters::coord::combinators::{BindKeyPoints, LogCoord, WithKeyPoints};
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged, ValueFormatter};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::{CoordTranslate, Shift};
use plotters::prelude::*;

use super::matrix::Runner;
use super::results::{Record, Speedup};
use super::vmstats::GcFigures;

type Drawn = Result<(), Box<dyn Error>>;

/// Reads one point's (value, low, high) from a configuration.
type PointOf<'a> = dyn Fn(&Record, Option<Speedup>) -> Option<(f64, f64, f64)> + 'a;

/// One line of a figure against isolate count.
struct Series {
    label: String,
    color: RGBColor,
    /// (isolates, value, low, high), ascending isolates.
    points: Vec<(f64, f64, f64, f64)>,
}

/// One group of bars: a label and one value per bar kind.
struct Group {
    label: String,
    values: Vec<f64>,
}

const PEER_COLORS: [RGBColor; 5] = [
    RGBColor(255, 127, 14),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
];
const BAR_COLORS: [RGBColor; 3] = [
    RGBColor(158, 202, 225),
    RGBColor(49, 130, 189),
    RGBColor(8, 48, 107),
];
const FONT: &str = "sans-serif";

fn color_of(runner: &Runner, peers: &[&Runner]) -> RGBColor {
    match runner {
        Runner::Vm(p) if p == "local" => RGBColor(31, 119, 180),
        Runner::Vm(p) if p == "global-only" => RGBColor(214, 39, 40),
        Runner::Forked => RGBColor(44, 160, 44),
        other => {
            let i = peers.iter().position(|r| *r == other).unwrap_or(0);
            PEER_COLORS[i % PEER_COLORS.len()]
        }
    }
}

fn legend_label(runner: &Runner) -> String {
    match runner {
        Runner::Vm(policy) => format!("vm --gc {policy}"),
        Runner::Forked => "forked processes".into(),
        Runner::Peer(name) => name.clone(),
    }
}

/// Draws every figure for the sweep's records into `dir`; returns the files
/// written, or the first drawing error.
pub fn draw_all(
    dir: &Path,
    records: &[Record],
    speedups: &[Option<Speedup>],
    memory_workloads: &[String],
    talk_workloads: &[String],
) -> Result<Vec<PathBuf>, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let mut written = Vec::new();
    let mut workloads: Vec<&str> = Vec::new();
    for r in records {
        if !workloads.contains(&r.config.workload.as_str()) {
            workloads.push(&r.config.workload);
        }
    }
    for workload in workloads {
        let mine: Vec<(&Record, Option<Speedup>)> = records
            .iter()
            .zip(speedups)
            .filter(|(r, _)| r.config.workload == workload)
            .map(|(r, s)| (r, *s))
            .collect();
        let mut runners: Vec<&Runner> = Vec::new();
        for (r, _) in &mine {
            if !runners.contains(&&r.config.runner) {
                runners.push(&r.config.runner);
            }
        }
        let peers: Vec<&Runner> = runners
            .iter()
            .copied()
            .filter(|r| matches!(r, Runner::Peer(_)))
            .collect();
        let mut counts: Vec<u32> = mine
            .iter()
            .filter(|(r, _)| r.wall().is_some())
            .map(|(r, _)| r.config.isolates)
            .collect();
        counts.sort_unstable();
        counts.dedup();
        let series = |value: &PointOf| {
            runners
                .iter()
                .map(|runner| Series {
                    label: legend_label(runner),
                    color: color_of(runner, &peers),
                    points: mine
                        .iter()
                        .filter(|(r, _)| r.config.runner == **runner)
                        .filter_map(|(r, s)| {
                            let (v, lo, hi) = value(r, *s)?;
                            Some((f64::from(r.config.isolates), v, lo, hi))
                        })
                        .collect(),
                })
                .filter(|s| !s.points.is_empty())
                .collect::<Vec<_>>()
        };
        let mut emit = |kind: &str, figure: &dyn Fn(&Path) -> Drawn| -> Result<(), String> {
            let path = dir.join(format!("{workload}-{kind}.svg"));
            figure(&path).map_err(|e| format!("figure {}: {e}", path.display()))?;
            written.push(path);
            Ok(())
        };
        let talk = talk_workloads.iter().any(|w| w == workload);
        if !counts.is_empty() && (talk || counts.len() >= 2) {
            let times = series(&|r, _| r.wall().map(|w| (w.median, w.min, w.max)));
            emit("time", &|path| time_figure(path, workload, &counts, &times))?;
            let ups = series(&|_, s| s.map(|s| (s.value, s.value, s.value)));
            emit("speedup", &|path| {
                speedup_figure(path, workload, &counts, &ups)
            })?;
        }
        let with_gc: Vec<&Record> = mine
            .iter()
            .map(|(r, _)| *r)
            .filter(|r| r.gc().is_some())
            .collect();
        if let Some(top) = with_gc.iter().map(|r| r.config.isolates).max() {
            let groups = pause_groups(with_gc.iter().filter(|r| r.config.isolates == top).copied());
            if !groups.is_empty() {
                emit("pauses", &|path| pause_figure(path, workload, top, &groups))?;
            }
        }
        if memory_workloads.iter().any(|w| w == workload) {
            let groups: Vec<Group> = with_gc
                .iter()
                .filter(|r| matches!(r.config.runner, Runner::Vm(_)))
                .map(|r| memory_group(r))
                .collect();
            if !groups.is_empty() {
                emit("memory", &|path| memory_figure(path, workload, &groups))?;
            }
        }
    }
    Ok(written)
}

/// p50, p99 and max pause in ms of each collector that ran.
fn pause_groups<'a>(records: impl Iterator<Item = &'a Record>) -> Vec<Group> {
    let ms = |ns: u64| ns as f64 / 1e6;
    let mut groups = Vec::new();
    for r in records {
        let g: &GcFigures = r.gc().expect("filtered on figures");
        let who = match &r.config.runner {
            Runner::Forked => "forked".to_string(),
            other => other.policy().to_string(),
        };
        if g.local_collections > 0 {
            groups.push(Group {
                label: format!("{who}: local GC ({})", g.local_collections),
                values: vec![
                    ms(g.local_pause_p50_ns),
                    ms(g.local_pause_p99_ns),
                    ms(g.local_pause_max_ns),
                ],
            });
        }
        if g.global_collections > 0 {
            groups.push(Group {
                label: format!("{who}: global GC ({})", g.global_collections),
                values: vec![
                    ms(g.global_pause_p50_ns),
                    ms(g.global_pause_p99_ns),
                    ms(g.global_pause_max_ns),
                ],
            });
        }
    }
    groups
}

fn memory_group(r: &Record) -> Group {
    let g = r.gc().expect("filtered on figures");
    let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
    Group {
        label: format!("{}, {} isol.", r.config.runner.policy(), r.config.isolates),
        values: vec![
            mib(g.dead_shareable_bytes_freed),
            mib(g.dead_isolate_bytes_at_end),
            g.peak_rss_bytes.map_or(0.0, mib),
        ],
    }
}

/// The isolate axis: log scale with a tick at each measured count.
fn isolate_axis(counts: &[u32]) -> WithKeyPoints<LogCoord<f64>> {
    let lo = f64::from(*counts.first().unwrap_or(&1));
    let hi = f64::from(*counts.last().unwrap_or(&1));
    ((lo / 1.3)..(hi * 1.3))
        .log_scale()
        .with_key_points(counts.iter().map(|&n| f64::from(n)).collect())
}

fn legend_box<'a, 'b: 'a, CT: CoordTranslate>(
    chart: &mut ChartContext<'a, SVGBackend<'b>, CT>,
    position: SeriesLabelPosition,
) -> Drawn {
    chart
        .configure_series_labels()
        .position(position)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.4))
        .label_font((FONT, 13))
        .draw()?;
    Ok(())
}

/// How far above the highest point the y axis of the time figure goes, so
/// that a legend of `entries` lines in the upper right covers no point (the
/// plotting area is about 380 px high, a legend line about 20 px).
fn legend_headroom(entries: usize) -> f64 {
    let legend = ((entries as f64 * 20.0 + 24.0) / 380.0).min(0.6);
    1.05 / (1.0 - legend)
}

/// A chart against isolate count (log scale) on `root`, its mesh drawn.
fn isolate_chart<'a, 'b>(
    root: &'a DrawingArea<SVGBackend<'b>, Shift>,
    caption: String,
    counts: &[u32],
    y: Range<f64>,
    y_desc: &str,
    y_label: &dyn Fn(&f64) -> String,
) -> Result<IsolateChart<'a, 'b>, Box<dyn Error>> {
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(root)
        .caption(caption, (FONT, 20))
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(64)
        .build_cartesian_2d(isolate_axis(counts), y)?;
    chart
        .configure_mesh()
        .x_desc("isolates (log scale)")
        .y_desc(y_desc)
        .x_label_formatter(&|x| format!("{}", x.round()))
        .y_label_formatter(y_label)
        .label_style((FONT, 13))
        .max_light_lines(1)
        .axis_desc_style((FONT, 14))
        .draw()?;
    Ok(chart)
}

type IsolateChart<'a, 'b> =
    ChartContext<'a, SVGBackend<'b>, Cartesian2d<WithKeyPoints<LogCoord<f64>>, RangedCoordf64>>;

/// Each series as a line with a dot at each point, named in the legend.
fn draw_lines(chart: &mut IsolateChart<'_, '_>, series: &[Series]) -> Drawn {
    for s in series {
        let style = s.color.stroke_width(2);
        chart
            .draw_series(LineSeries::new(s.points.iter().map(|p| (p.0, p.1)), style))?
            .label(s.label.clone())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], style));
        chart.draw_series(
            s.points
                .iter()
                .map(|p| Circle::new((p.0, p.1), 4, s.color.filled())),
        )?;
    }
    Ok(())
}

fn time_figure(path: &Path, workload: &str, counts: &[u32], series: &[Series]) -> Drawn {
    let top = series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.3))
        .fold(0.0, f64::max);
    let root = SVGBackend::new(path, (760, 480)).into_drawing_area();
    let mut chart = isolate_chart(
        &root,
        format!("{workload}: wall time"),
        counts,
        0.0..(top * legend_headroom(series.len())).max(1e-3),
        "wall time (s), median with min-max",
        &|y| format!("{y:.2}"),
    )?;
    draw_lines(&mut chart, series)?;
    for s in series {
        chart.draw_series(
            s.points
                .iter()
                .map(|p| PathElement::new(vec![(p.0, p.2), (p.0, p.3)], s.color.stroke_width(1))),
        )?;
    }
    legend_box(&mut chart, SeriesLabelPosition::UpperRight)?;
    root.present()?;
    Ok(())
}

fn speedup_figure(path: &Path, workload: &str, counts: &[u32], series: &[Series]) -> Drawn {
    let top = series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.1))
        .chain(counts.iter().map(|&n| f64::from(n) / f64::from(counts[0])))
        .fold(1.0, f64::max);
    let root = SVGBackend::new(path, (760, 480)).into_drawing_area();
    let mut chart = isolate_chart(
        &root,
        format!("{workload}: speedup over {} isolate(s)", counts[0]),
        counts,
        0.0..top * 1.15,
        "speedup (x, time at fewest isolates / time)",
        &|y| format!("{y:.1}"),
    )?;
    let ideal = BLACK.mix(0.5).stroke_width(1);
    chart
        .draw_series(DashedLineSeries::new(
            counts
                .iter()
                .map(|&n| (f64::from(n), f64::from(n) / f64::from(counts[0]))),
            6,
            4,
            ideal,
        ))?
        .label("ideal (linear)")
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], ideal));
    draw_lines(&mut chart, series)?;
    // Speedups rise to the right: the upper left stays clear.
    legend_box(&mut chart, SeriesLabelPosition::UpperLeft)?;
    root.present()?;
    Ok(())
}

/// The x axis of a bar figure: group `i` spans `i..i + 1`, with one tick
/// (and label) at its center. (plotters' own key-point override has no
/// label formatter for `f64` axes.)
struct GroupAxis {
    groups: usize,
}

impl Ranged for GroupAxis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let span = f64::from(limit.1 - limit.0);
        limit.0 + (value / self.groups.max(1) as f64 * span).round() as i32
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            (0..self.groups).map(|i| i as f64 + 0.5).collect()
        }
    }

    fn range(&self) -> Range<f64> {
        0.0..self.groups as f64
    }
}

/// Grouped bars: `kinds` names the bars of each group, in order.
struct Bars<'a> {
    title: String,
    x_desc: &'a str,
    y_desc: &'a str,
    kinds: &'a [&'a str],
    log: bool,
}

fn pause_figure(path: &Path, workload: &str, isolates: u32, groups: &[Group]) -> Drawn {
    let bars = Bars {
        title: format!("{workload}: GC pauses at {isolates} isolate(s)"),
        x_desc: "collector (collections in the run)",
        y_desc: "pause (ms, log scale)",
        kinds: &["p50", "p99", "max"],
        log: true,
    };
    bar_figure(path, &bars, groups)
}

fn memory_figure(path: &Path, workload: &str, groups: &[Group]) -> Drawn {
    let bars = Bars {
        title: format!("{workload}: memory of dead shareables and isolates"),
        x_desc: "policy, isolates",
        y_desc: "MiB",
        kinds: &[
            "dead shareables freed by global GC",
            "held by dead isolates at end",
            "peak RSS",
        ],
        log: false,
    };
    bar_figure(path, &bars, groups)
}

fn bar_figure(path: &Path, bars: &Bars, groups: &[Group]) -> Drawn {
    let n = groups.len();
    let width = (170 * n as u32 + 160).max(760);
    let root = SVGBackend::new(path, (width, 500)).into_drawing_area();
    root.fill(&WHITE)?;
    let labels: Vec<String> = groups.iter().map(|g| g.label.clone()).collect();
    let label_of = move |x: &f64| {
        let i = (x - 0.5).round();
        if i >= 0.0 && (i as usize) < labels.len() {
            labels[i as usize].clone()
        } else {
            String::new()
        }
    };
    let values = groups.iter().flat_map(|g| g.values.iter().copied());
    let max = values.clone().fold(0.0, f64::max);
    let mut builder = ChartBuilder::on(&root);
    builder
        .caption(&bars.title, (FONT, 20))
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(72);
    let x = GroupAxis { groups: n };
    if bars.log {
        let min = values
            .filter(|v| *v > 0.0)
            .fold(f64::INFINITY, f64::min)
            .min(max);
        let lo = 10f64.powf((min.max(1e-6) / 2.0).log10().floor());
        let hi = 10f64.powf((max.max(lo) * 3.0).log10().ceil());
        let mut chart = builder.build_cartesian_2d(x, (lo..hi).log_scale())?;
        draw_bars(&mut chart, bars, groups, lo, &label_of, &|y| format!("{y}"))?;
    } else {
        let mut chart = builder.build_cartesian_2d(x, 0.0..(max * 1.3).max(1e-3))?;
        draw_bars(&mut chart, bars, groups, 0.0, &label_of, &|y| {
            format!("{y:.1}")
        })?;
    }
    root.present()?;
    Ok(())
}

/// The mesh, bars and legend of a bar figure on `chart`, whose y axis
/// (linear or log) starts at `base`. Zero values draw no bar (a log axis
/// has no zero).
fn draw_bars<'a, 'b: 'a, Y>(
    chart: &mut ChartContext<'a, SVGBackend<'b>, Cartesian2d<GroupAxis, Y>>,
    bars: &Bars,
    groups: &[Group],
    base: f64,
    x_label: &dyn Fn(&f64) -> String,
    y_label: &dyn Fn(&f64) -> String,
) -> Drawn
where
    Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_desc(bars.x_desc)
        .y_desc(bars.y_desc)
        .x_label_formatter(x_label)
        .y_label_formatter(y_label)
        .label_style((FONT, 12))
        .max_light_lines(1)
        .axis_desc_style((FONT, 14))
        .draw()?;
    let k = bars.kinds.len() as f64;
    let slot = |i: usize, j: usize| {
        let left = i as f64 + 0.1 + 0.8 * j as f64 / k;
        (left, left + 0.8 / k)
    };
    for (j, kind) in bars.kinds.iter().enumerate() {
        let color = BAR_COLORS[j % BAR_COLORS.len()];
        chart
            .draw_series(
                groups
                    .iter()
                    .enumerate()
                    .filter(|(_, g)| g.values[j] > 0.0)
                    .map(|(i, g)| {
                        let (l, r) = slot(i, j);
                        Rectangle::new([(l, base), (r, g.values[j])], color.filled())
                    }),
            )?
            .label(*kind)
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], color.filled()));
    }
    legend_box(chart, SeriesLabelPosition::UpperRight)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::results::{self, tests::record};

    #[test]
    fn figures_are_drawn_for_series_and_collectors() {
        let dir = std::env::temp_dir().join(format!("vm-bench-figures-{}", std::process::id()));
        let local = Runner::Vm("local".into());
        let global = Runner::Vm("global-only".into());
        let mut records = vec![
            record("w", local.clone(), 1, &[1.0, 1.1]),
            record("w", local.clone(), 2, &[0.5, 0.6]),
            record("w", global.clone(), 1, &[1.2]),
            record("w", global.clone(), 2, &[0.9]),
            record("w", Runner::Forked, 1, &[1.0]),
            record("w", Runner::Forked, 2, &[0.5]),
            record("one", local.clone(), 1, &[0.1]),
        ];
        records[3].failure = Some("boom".into());
        for r in &mut records {
            for a in &mut r.repeats {
                let g = a.gc.as_mut().unwrap();
                g.local_collections = 3;
                g.local_pause_p50_ns = 20_000;
                g.local_pause_p99_ns = 90_000;
                g.local_pause_max_ns = 100_000;
                g.global_pause_p50_ns = 1_000_000;
                g.dead_shareable_bytes_freed = 3 << 20;
            }
        }
        let s = results::speedups(&records);
        let written = draw_all(&dir, &records, &s, &["w".into()], &[]).unwrap();
        let names: Vec<String> = written
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            names,
            [
                "w-time.svg",
                "w-speedup.svg",
                "w-pauses.svg",
                "w-memory.svg",
                "one-pauses.svg"
            ]
        );
        let time = std::fs::read_to_string(dir.join("w-time.svg")).unwrap();
        for text in [
            "wall time (s)",
            "isolates",
            "vm --gc local",
            "forked processes",
        ] {
            assert!(time.contains(text), "{text} missing from the time figure");
        }
        let pauses = std::fs::read_to_string(dir.join("w-pauses.svg")).unwrap();
        assert!(pauses.contains("p99") && pauses.contains("local: global GC"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
