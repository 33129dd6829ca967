#!/usr/bin/env python3
"""Figures of docs/nonidealities.md: accuracy against each variation and noise sigma, and the
bottom-up area breakdown.

For every parameter and sigma it runs `gcattn run --seeds N` on the shipped GPT-2 trace (a few
dozen tokens, to stay cheap) and plots the mean and standard deviation over the chips of the
cosine similarity with the nominal chip (the same hardware without variation and noise: what the
non-ideality alone costs) and with float softmax attention (the end-to-end accuracy, which on
this trace is dominated by the nominal hardware's own error), report section monte_carlo.
The area breakdown comes from the same report's `area` section.

With --perplexity it also draws the closed-loop figure: for every parameter and sigma,
`gcattn eval --seeds N` of the shipped hardware-aware GPT-2 (traces/models/shakespeare-gpt2-
gaincell) on held-out text with every attention on the simulated accelerator, the mean and
standard deviation of the perplexity over the chips (report section eval.monte_carlo).

  /usr/bin/python3 scripts/plot_nonidealities.py -o docs/figures                # about a minute
  /usr/bin/python3 scripts/plot_nonidealities.py -o docs/figures --perplexity   # about 15 minutes
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# (parameter, unit, sweep): each sweep spans from no effect to a clearly degraded chip.
SWEEPS = [
    ("variation.cell_gain_sigma", "-", [0.0, 0.05, 0.1, 0.2, 0.4]),
    ("variation.cell_offset_sigma_v", "V", [0.0, 0.01, 0.02, 0.05, 0.1]),
    ("variation.tau_sigma", "-", [0.0, 0.5, 1.0, 2.0, 3.0]),
    ("variation.converter_offset_sigma_lsb", "LSB", [0.0, 0.1, 0.25, 0.5, 1.0]),
    ("noise.read_sigma", "-", [0.0, 0.05, 0.1, 0.2, 0.4]),
    ("noise.write_sigma_v", "V", [0.0, 0.01, 0.02, 0.05, 0.1]),
]


def run(binary, trace, tokens, seeds, sets, report):
    cmd = [binary, "run", "--trace", trace, "--tokens", str(tokens), "--seeds", str(seeds),
           "--report-json", report]
    for s in sets:
        cmd += ["--set", s]
    env = dict(os.environ, SYSTEMC_DISABLE_COPYRIGHT_MESSAGE="1")
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env=env)
    with open(report) as f:
        return json.load(f)


HELDOUT = os.path.join(ROOT, "..", "shared", "data", "tinyshakespeare.txt")
MODEL = os.path.join(ROOT, "traces", "models", "shakespeare-gpt2-gaincell")


def heldout_text(path, nbytes, out):
    """The first nbytes of the held-out split (the last 10 %, as the training script splits)."""
    data = open(path, "rb").read()
    with open(out, "wb") as f:
        f.write(data[len(data) * 9 // 10:][:nbytes])


def plot_perplexity(points, args):
    fig, axes = plt.subplots(2, 3, figsize=(13, 7.5), sharey=True)
    for ax, (key, unit, _) in zip(axes.flat, SWEEPS):
        rows = points[key]["rows"]
        ax.errorbar([p["sigma"] for p in rows], [p["mean"] for p in rows],
                    yerr=[p["std"] for p in rows], marker="o", capsize=3)
        ax.set_xlabel(f"{key} ({unit})")
        ax.grid(alpha=0.3)
    for ax in axes[:, 0]:
        ax.set_ylabel("held-out perplexity (mean +- std over chips)")
    fig.suptitle(f"Closed-loop perplexity of the hardware-aware GPT-2 on the simulated accelerator: "
                 f"{args.eval_tokens} held-out tokens, {args.seeds} chips per point")
    fig.tight_layout()
    fig.savefig(os.path.join(args.out_dir, "nonidealities_perplexity.png"), dpi=110)


def perplexity_sweeps(args, tmp):
    text = os.path.join(tmp, "heldout.txt")
    heldout_text(args.text, args.eval_tokens + 1, text)
    report = os.path.join(tmp, "e.json")
    env = dict(os.environ, SYSTEMC_DISABLE_COPYRIGHT_MESSAGE="1")
    points = {}
    for key, unit, sweep in SWEEPS:
        rows = []
        for sigma in sweep:
            cmd = [args.binary, "eval", "--model", MODEL, "--text", text, "--tokens",
                   str(args.eval_tokens), "--seeds", str(args.seeds), "--set", f"{key}={sigma}",
                   "--report-json", report]
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env=env)
            with open(report) as f:
                s = json.load(f)["eval"]["monte_carlo"]["summary"]["perplexity"]
            rows.append({"sigma": sigma, "mean": s["mean"], "std": s["std"]})
            print(f"{key}={sigma}: perplexity {s['mean']:.3f} +- {s['std']:.3f}", file=sys.stderr)
        points[key] = {"unit": unit, "rows": rows}
    plot_perplexity(points, args)
    return points


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-o", "--out-dir", default="docs/figures")
    ap.add_argument("--binary", default=os.path.join(ROOT, "build/release/bin/gcattn"))
    ap.add_argument("--trace", default=os.path.join(ROOT, "traces/shakespeare-gpt2-mini.safetensors"))
    ap.add_argument("--tokens", type=int, default=48)
    ap.add_argument("--seeds", type=int, default=4)
    ap.add_argument("--json", help="also write the measured points here")
    ap.add_argument("--perplexity", action="store_true",
                    help="also the closed-loop perplexity figure (gcattn eval --seeds)")
    ap.add_argument("--text", default=HELDOUT, help="text whose last 10 %% is the held-out split")
    ap.add_argument("--eval-tokens", type=int, default=1024)
    ap.add_argument("--replot-perplexity", metavar="JSON",
                    help="only redraw the perplexity figure from the points a --json run wrote")
    args = ap.parse_args()
    os.makedirs(args.out_dir, exist_ok=True)
    if args.replot_perplexity:  # the figure again from a --json *_perplexity.json file
        with open(args.replot_perplexity) as f:
            plot_perplexity(json.load(f), args)
        return
    if args.perplexity:
        with tempfile.TemporaryDirectory() as tmp:
            ppl = perplexity_sweeps(args, tmp)
        if args.json:
            with open(os.path.splitext(args.json)[0] + "_perplexity.json", "w") as f:
                json.dump(ppl, f, indent=1)

    points = {}
    area = None
    with tempfile.TemporaryDirectory() as tmp:
        report = os.path.join(tmp, "r.json")
        for key, unit, sweep in SWEEPS:
            rows = []
            for sigma in sweep:
                r = run(args.binary, args.trace, args.tokens, args.seeds, [f"{key}={sigma}"], report)
                s = r["monte_carlo"]["summary"]
                rows.append({"sigma": sigma,
                             "softmax_mean": s["softmax"]["cosine"]["mean"],
                             "softmax_std": s["softmax"]["cosine"]["std"],
                             "nominal_mean": s["nominal"]["cosine"]["mean"] if s["nominal"] else 1.0,
                             "nominal_std": s["nominal"]["cosine"]["std"] if s["nominal"] else 0.0})
                area = r["area"]
                print(f"{key}={sigma}: cosine vs softmax {rows[-1]['softmax_mean']:.4f} "
                      f"+- {rows[-1]['softmax_std']:.4f}, vs nominal {rows[-1]['nominal_mean']:.4f}",
                      file=sys.stderr)
            points[key] = {"unit": unit, "rows": rows}

    fig, axes = plt.subplots(2, 3, figsize=(13, 7.5), sharey=True)
    # sigma = 0 is the nominal chip itself: cosine 1 against it by definition.
    for ax, (key, unit, _) in zip(axes.flat, SWEEPS):
        rows = points[key]["rows"]
        x = [p["sigma"] for p in rows]
        for ref, label in (("nominal", "vs the nominal chip"), ("softmax", "vs float softmax")):
            ax.errorbar(x, [p[ref + "_mean"] for p in rows], yerr=[p[ref + "_std"] for p in rows],
                        marker="o", capsize=3, label=label)
        ax.set_xlabel(f"{key} ({unit})")
        ax.grid(alpha=0.3)
    for ax in axes[:, 0]:
        ax.set_ylabel("cosine similarity (mean +- std over chips)")
    axes[0, 0].legend()
    fig.suptitle(f"Accuracy against each non-ideality: shakespeare-gpt2-mini, {args.tokens} tokens, "
                 f"{args.seeds} chips per point")
    fig.tight_layout()
    fig.savefig(os.path.join(args.out_dir, "nonidealities_accuracy.png"), dpi=110)

    fig, ax = plt.subplots(figsize=(8, 4.5))
    head = [i for i in area["head"] if i["name"] != "subtiles"]
    labels = [f"sub-tiles: {i['name']}" for i in area["subtile"]] + [i["name"] for i in head]
    values = [i["total_um2"] * area["subtiles_per_head"] * 1e-6 for i in area["subtile"]] + \
             [i["total_um2"] * 1e-6 for i in head]
    ax.barh(labels, values)
    ax.invert_yaxis()
    ax.set_xlabel("mm^2 per head")
    ax.set_title(f"Area per head: {area['head_mm2']:.3f} mm^2 (calibrated to the published ~0.5 mm^2)")
    for i, v in enumerate(values):
        ax.text(v, i, f" {v:.3f}", va="center")
    fig.tight_layout()
    fig.savefig(os.path.join(args.out_dir, "area_breakdown.png"), dpi=110)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"points": points, "area": area}, f, indent=1)
    print(f"wrote {args.out_dir}/nonidealities_accuracy.png, area_breakdown.png")


if __name__ == "__main__":
    main()
