#!/usr/bin/env python3
"""Figures from a `gcattn run --report-json` report (docs/report-format.md), as PNG files:

  energy_breakdown.png   energy per token and head by category and by component
  gpu_comparison.png     latency and energy per token: accelerator vs GPUs (log axes)
  accuracy_per_layer.png cosine similarity and relative RMS error per layer, per reference
  leakage.png            retained signal against token age at the simulated token period

usage: /usr/bin/python3 scripts/plot_report.py REPORT.json [-o OUTDIR]
Needs only matplotlib (Debian python3-matplotlib).
"""
import argparse
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker  # noqa: E402

CATEGORIES = ["dac", "qk", "av", "digital"]
COLORS = {"dac": "#4c72b0", "qk": "#dd8452", "av": "#55a868", "digital": "#c44e52"}
REFS = [("softmax", "float softmax"), ("ideal", "ideal hardware"), ("attn_out", "trace attn_out")]
STYLE = {"softmax": "o-", "ideal": "s-", "attn_out": "x--"}  # attn_out often lies on softmax


def title(rep, what):
    run = rep["run"]
    tag = "" if rep.get("complete", True) else " (INCOMPLETE)"
    return (f"{what}{tag}\n{rep['trace'].get('model', '?')}: {run['tokens_simulated']} tokens, "
            f"{run['layers']} layers x {run['heads']} heads")


def energy_breakdown(rep, out):
    e = rep["energy"]
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(12, 4.8), gridspec_kw={"width_ratios": [1, 2]})
    vals = [e["per_token_head_pj"][c] for c in CATEGORIES]
    a1.bar(CATEGORIES, vals, color=[COLORS[c] for c in CATEGORIES])
    for i, v in enumerate(vals):
        a1.text(i, v, f"{v:.0f}", ha="center", va="bottom", fontsize=8)
    a1.set_ylabel("pJ per token and head")
    a1.set_title(f"total {e['per_token_head_pj']['total']:.0f} pJ per token and head")
    comps = sorted(e["components"].items(), key=lambda kv: (CATEGORIES.index(kv[1]["category"]), kv[0]))
    names = [k for k, _ in comps]
    cv = [v["per_token_head_pj"] for _, v in comps]
    a2.barh(names, cv, color=[COLORS[v["category"]] for _, v in comps])
    a2.invert_yaxis()
    a2.set_xscale("symlog", linthresh=1.0)
    a2.set_xlabel("pJ per token and head (symlog)")
    a2.set_title("components")
    fig.suptitle(title(rep, "Energy breakdown"), fontsize=10)
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)


def gpu_comparison(rep, out):
    g = rep["gpu"]
    labels = ["gcattn (simulated)"]
    lat = [g["accelerator"]["latency_per_token_ns"]]
    en = [g["accelerator"]["energy_per_token_pj"]]
    colors = ["#c44e52"]
    kind_color = {"measured": "#4c72b0", "measured_scaled": "#64b5cd", "paper_ratio": "#8172b3",
                  "bandwidth_floor": "#8c8c8c"}
    kind_label = {"measured": "measured", "measured_scaled": "measured, scaled to this shape",
                  "paper_ratio": "paper ratio", "bandwidth_floor": "BW floor"}
    for r in g["rows"]:
        labels.append(f"{r['name']}\n({kind_label.get(r['kind'], r['kind'])})")
        lat.append(r["latency_per_token_ns"])
        en.append(r["energy_per_token_pj"])
        colors.append(kind_color.get(r["kind"], "#999999"))
    fig, axes = plt.subplots(1, 2, figsize=(13, 5.5))
    for ax, vals, unit, scale, name in [(axes[0], lat, "s", 1e-9, "latency per token"),
                                        (axes[1], en, "J", 1e-12, "energy per token")]:
        xs = [i for i, v in enumerate(vals) if v is not None]
        ax.bar(xs, [vals[i] * scale for i in xs], color=[colors[i] for i in xs])
        ax.set_yscale("log")
        ax.set_ylabel(f"{name} ({unit}, log)")
        ax.set_xticks(range(len(labels)))
        ax.set_xticklabels(labels, rotation=60, ha="right", fontsize=7)
        for i in xs:
            ax.text(i, vals[i] * scale, f"{vals[i] * scale:.2g}", ha="center", va="bottom", fontsize=6)
        missing = [i for i, v in enumerate(vals) if v is None]
        for i in missing:
            ax.text(i, ax.get_ylim()[0], "n/a", ha="center", va="bottom", fontsize=6)
        ax.set_title(name)
    fig.suptitle(title(rep, "Accelerator vs GPUs (per token, all layers)"), fontsize=10)
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)


def accuracy_per_layer(rep, out):
    layers = rep["accuracy"]["layers"]
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(12, 4.5))
    drawn = False
    for key, label in REFS:
        pts = [(la["layer"], la[key]) for la in layers if la.get(key)]
        if not pts:
            continue
        drawn = True
        xs = [p[0] for p in pts]
        a1.plot(xs, [p[1]["cosine"] for p in pts], STYLE[key], label=label)
        a2.plot(xs, [p[1]["relative_rms"] for p in pts], STYLE[key], label=label)
    if not drawn:
        for ax in (a1, a2):
            ax.text(0.5, 0.5, "no accuracy data\n(functional off or --accuracy off)", ha="center",
                    va="center", transform=ax.transAxes)
    a1.set_xlabel("layer")
    a1.set_ylabel("cosine similarity (mean over tokens)")
    a1.set_ylim(min(0.0, a1.get_ylim()[0]), 1.05)
    a2.set_xlabel("layer")
    a2.set_ylabel("relative RMS error")
    for ax in (a1, a2):
        ax.grid(alpha=0.3)
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
        if drawn:
            ax.legend(fontsize=8)
    fig.suptitle(title(rep, "Accuracy of the accelerator's attention outputs per layer"), fontsize=10)
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)


def leakage(rep, out):
    lk = rep["leakage"]
    ages = [p["age_tokens"] for p in lk["curve"]]
    ret = [p["retention"] for p in lk["curve"]]
    fig, ax = plt.subplots(figsize=(7, 4.5))
    ax.plot(ages, ret, "-", color="#4c72b0")
    ax.axvline(lk["oldest_age_tokens"], color="#c44e52", ls="--",
               label=f"oldest stored token in this run: {lk['oldest_retention'] * 100:.1f} %")
    ax.set_xlabel("token age (tokens)")
    ax.set_ylabel("retained fraction of the stored deviation")
    ax.set_ylim(0, 1.05)
    ax.grid(alpha=0.3)
    sec = ax.secondary_xaxis("top", functions=(lambda a: a * lk["token_period_ns"] * 1e-3,
                                               lambda us: us / max(lk["token_period_ns"], 1e-12) * 1e3))
    sec.set_xlabel("age (us of simulated time)")
    mode = lk["mode"]
    detail = {"time": f"exp(-age / tau), tau = {lk['tau_s'] * 1e3:g} ms, token period {lk['token_period_ns']:.0f} ns",
              "token_age": f"exp(-{lk['decay_per_token']:g} x age in tokens)", "off": "leakage off"}[mode]
    ax.legend(fontsize=8, loc="lower left")
    fig.suptitle(title(rep, f"Leakage against token age ({detail})"), fontsize=9)
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("report", help="JSON report of gcattn run --report-json")
    ap.add_argument("-o", "--outdir", default=None, help="output directory (default: next to the report)")
    args = ap.parse_args()
    try:
        with open(args.report) as f:
            rep = json.load(f)
    except (OSError, json.JSONDecodeError) as e:
        sys.exit(f"plot_report.py: {args.report}: {e}")
    if rep.get("format") != "gcattn-run-report":
        sys.exit(f"plot_report.py: {args.report}: not a gcattn run report (format {rep.get('format')!r})")
    outdir = args.outdir or (os.path.splitext(args.report)[0] + "_plots")
    os.makedirs(outdir, exist_ok=True)
    made = []
    for name, fn in [("energy_breakdown.png", energy_breakdown), ("gpu_comparison.png", gpu_comparison),
                     ("accuracy_per_layer.png", accuracy_per_layer), ("leakage.png", leakage)]:
        path = os.path.join(outdir, name)
        fn(rep, path)
        made.append(path)
    print("\n".join(made))


if __name__ == "__main__":
    main()
