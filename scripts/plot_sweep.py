#!/usr/bin/env python3
"""Figures from a `gcattn sweep collect` table (docs/sweeps.md), as PNG files:

  pareto_energy_accuracy.png  energy per token against cosine similarity to softmax attention;
                              the Pareto front (less energy, higher cosine) highlighted
  pareto_latency_energy.png   latency per token against energy per token; front: both lower
  sensitivity_KEY.png         one per swept key: latency, energy and cosine against the key's
                              values, one line per combination of the other swept values

Only units in state "done" are drawn. Swept keys are the columns named section.key.
usage: /usr/bin/python3 scripts/plot_sweep.py RESULTS.csv [-o OUTDIR]
Needs only matplotlib (Debian python3-matplotlib).
"""
import argparse
import csv
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

METRICS = [("latency_per_token_ns", "latency per token (ns)"),
           ("energy_per_token_pj", "energy per token (pJ)"),
           ("cosine_softmax", "cosine vs softmax")]


def number(text):
    try:
        return float(text)
    except ValueError:
        return None


def read_rows(path):
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        rows = [r for r in reader if r["state"] == "done"]
        return reader.fieldnames, rows


def label(row, keys):
    return ", ".join(f"{k}={row[k]}" for k in keys)


def pareto(points, better_x, better_y):
    """Indices of the points no other point beats in both coordinates (better_*: -1 lower, +1 higher)."""
    front = []
    for i, (x, y) in enumerate(points):
        dominated = any(
            (better_x * (x2 - x) >= 0 and better_y * (y2 - y) >= 0) and (x2, y2) != (x, y)
            for x2, y2 in points)
        if not dominated:
            front.append(i)
    return sorted(front, key=lambda i: points[i][0])


def pareto_plot(rows, keys, xcol, ycol, xlabel, ylabel, better_x, better_y, path, title):
    pts, kept = [], []
    for r in rows:
        x, y = number(r[xcol]), number(r[ycol])
        if x is not None and y is not None:
            pts.append((x, y))
            kept.append(r)
    fig, ax = plt.subplots(figsize=(7, 5))
    if pts:
        ax.scatter([p[0] for p in pts], [p[1] for p in pts], s=18, color="#999999", label="units")
        front = pareto(pts, better_x, better_y)
        ax.plot([pts[i][0] for i in front], [pts[i][1] for i in front], "o-", color="#c44e52",
                label="Pareto front")
        for i in front:
            ax.annotate(label(kept[i], keys), pts[i], fontsize=6, xytext=(3, 3),
                        textcoords="offset points")
        ax.legend(fontsize=8)
    else:
        ax.text(0.5, 0.5, f"no unit has both {xcol} and {ycol}", ha="center", transform=ax.transAxes)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def axis_value(text):
    x = number(text)
    return x if x is not None else text


def value_order(v):
    """Numbers before strings, numbers by value."""
    return (isinstance(v, str), v)


def sensitivity_plot(rows, key, keys, path):
    others = [k for k in keys if k != key]
    groups = {}
    for r in rows:
        groups.setdefault(tuple(r[k] for k in others), []).append(r)
    values = sorted({axis_value(r[key]) for r in rows}, key=value_order)
    categorical = any(isinstance(v, str) for v in values)
    position = {v: i for i, v in enumerate(values)}
    fig, axes = plt.subplots(1, len(METRICS), figsize=(5 * len(METRICS), 4))
    for ax, (col, name) in zip(axes, METRICS):
        for other, members in sorted(groups.items(),
                                     key=lambda g: [value_order(axis_value(x)) for x in g[0]]):
            pts = sorted((axis_value(r[key]), number(r[col])) for r in members
                         if number(r[col]) is not None)
            if not pts:
                continue
            xs = [position[v] if categorical else v for v, _ in pts]
            ax.plot(xs, [y for _, y in pts], "o-", markersize=4,
                    label=", ".join(f"{k}={v}" for k, v in zip(others, other)) or None)
        if categorical:
            ax.set_xticks(range(len(values)))
            ax.set_xticklabels([str(v) for v in values], rotation=30, fontsize=7)
        ax.set_xlabel(key)
        ax.set_ylabel(name)
        ax.grid(alpha=0.3)
    if others and len(groups) <= 12:
        axes[-1].legend(fontsize=6)
    fig.suptitle(f"sensitivity to {key}" + (f" (one line per {', '.join(others)})" if others else ""),
                 fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("table", help="CSV from gcattn sweep collect")
    ap.add_argument("-o", "--outdir", help="output directory (default: TABLE without .csv, + _plots)")
    args = ap.parse_args()
    columns, rows = read_rows(args.table)
    if not rows:
        sys.exit(f"{args.table}: no unit in state done; nothing to plot")
    keys = [c for c in columns if "." in c]  # swept configuration keys are section.key
    if len({r["trace"] for r in rows}) > 1:
        keys.append("trace")
    outdir = args.outdir or os.path.splitext(args.table)[0] + "_plots"
    os.makedirs(outdir, exist_ok=True)
    n = len(rows)
    pareto_plot(rows, keys, "energy_per_token_pj", "cosine_softmax", "energy per token (pJ)",
                "cosine similarity to softmax attention", -1, +1,
                os.path.join(outdir, "pareto_energy_accuracy.png"),
                f"energy vs accuracy, {n} units (front: less energy, higher cosine)")
    pareto_plot(rows, keys, "latency_per_token_ns", "energy_per_token_pj", "latency per token (ns)",
                "energy per token (pJ)", -1, -1, os.path.join(outdir, "pareto_latency_energy.png"),
                f"latency vs energy, {n} units (front: both lower)")
    written = ["pareto_energy_accuracy.png", "pareto_latency_energy.png"]
    for key in keys:
        name = f"sensitivity_{key.replace('/', '_')}.png"
        sensitivity_plot(rows, key, keys, os.path.join(outdir, name))
        written.append(name)
    for w in written:
        print(os.path.join(outdir, w))


if __name__ == "__main__":
    main()
