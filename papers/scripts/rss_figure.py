#!/usr/bin/env python3
"""Draws rss.csv (config, seconds, rss_kib) as an SVG line chart: RSS in MiB
over time, one line per config, with a summary table on stdout (median and
maximum RSS over the second half of each run: the steady state).

Usage: rss_figure.py RSS_CSV OUT_SVG   (standard library only)
"""
import csv
import statistics
import sys
from collections import defaultdict

COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"]
W, H, LEFT, RIGHT, TOP, BOTTOM = 760, 420, 70, 230, 30, 50


def main(src, dst):
    series = defaultdict(list)
    with open(src) as f:
        for row in csv.DictReader(f):
            series[row["config"]].append((float(row["seconds"]), int(row["rss_kib"]) / 1024))
    t_max = max(t for s in series.values() for t, _ in s) or 1
    m_max = max(m for s in series.values() for _, m in s) * 1.1 or 1
    pw, ph = W - LEFT - RIGHT, H - TOP - BOTTOM
    x = lambda t: LEFT + t / t_max * pw
    y = lambda m: TOP + ph - m / m_max * ph
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="12">',
           f'<rect width="{W}" height="{H}" fill="white"/>',
           f'<text x="{LEFT}" y="18">Resident memory over time: dead_isolates (children that freeze and end)</text>',
           f'<line x1="{LEFT}" y1="{TOP + ph}" x2="{LEFT + pw}" y2="{TOP + ph}" stroke="black"/>',
           f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + ph}" stroke="black"/>',
           f'<text x="{LEFT + pw / 2}" y="{H - 10}" text-anchor="middle">seconds</text>',
           f'<text x="15" y="{TOP + ph / 2}" transform="rotate(-90 15 {TOP + ph / 2})" text-anchor="middle">RSS (MiB)</text>']
    for i in range(6):
        m = m_max * i / 5
        t = t_max * i / 5
        out.append(f'<text x="{LEFT - 5}" y="{y(m) + 4}" text-anchor="end">{m:.0f}</text>')
        out.append(f'<line x1="{LEFT}" y1="{y(m)}" x2="{LEFT + pw}" y2="{y(m)}" stroke="#ddd"/>')
        out.append(f'<text x="{x(t)}" y="{TOP + ph + 16}" text-anchor="middle">{t:.0f}</text>')
    print(f"{'config':<28} {'samples':>7} {'median MiB':>11} {'max MiB':>8}  (second half)")
    for i, (name, points) in enumerate(series.items()):
        colour = COLOURS[i % len(COLOURS)]
        path = " ".join(f"{x(t):.1f},{y(m):.1f}" for t, m in points)
        out.append(f'<polyline fill="none" stroke="{colour}" stroke-width="1.5" points="{path}"/>')
        ly = TOP + 10 + i * 18
        out.append(f'<line x1="{LEFT + pw + 10}" y1="{ly}" x2="{LEFT + pw + 30}" y2="{ly}" stroke="{colour}" stroke-width="2"/>')
        out.append(f'<text x="{LEFT + pw + 35}" y="{ly + 4}">{name}</text>')
        half = [m for t, m in points if t >= points[-1][0] / 2] or [m for _, m in points]
        print(f"{name:<28} {len(points):>7} {statistics.median(half):>11.1f} {max(half):>8.1f}")
    out.append("</svg>")
    with open(dst, "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
