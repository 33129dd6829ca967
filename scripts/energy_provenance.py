#!/usr/bin/env python3
"""Where a report's energy comes from: circuit physics, assumed per-event constants, fitted.

usage: /usr/bin/python3 scripts/energy_provenance.py REPORT.json   (gcattn run or eval report)

Each energy component of the report (energy.components) is put in one of three classes
(docs/validation.md, "How much is physics"):
  physics  the array reads: cell currents of the SPICE-fitted cell model integrated over the
           pulse widths the data produce (qk_array_read, av_array_read);
  assumed  per-event constants estimated for the circuit, not published: line capacitances,
           the cell's storage node, query DAC, counters, adders, control, routing;
  fitted   the four closing parameters solved so that the calibration workload reproduces the
           published categories: kv_dac_power_uw (kv_write_dac), cpc_fj_per_conversion
           (charge_to_pulse), output_converter_fj_per_conversion (output_converter),
           static_power_mw (static).
"""
import json
import sys

CLASSES = {
    "physics": ["qk_array_read", "av_array_read"],
    "fitted": ["kv_write_dac", "charge_to_pulse", "output_converter", "static"],
    "assumed": ["kv_cell_write", "query_dac", "query_wordline", "qk_bitline", "phi_wordline",
                "av_bitline", "counter_steps", "digital_add", "control", "routing"],
}


def shares(report):
    comps = report["energy"]["components"]
    known = {c for names in CLASSES.values() for c in names}
    unknown = set(comps) - known
    if unknown:
        raise SystemExit(f"energy_provenance.py: unclassified components {sorted(unknown)}")
    per = {k: sum(comps[c]["per_token_head_pj"] for c in names if c in comps)
           for k, names in CLASSES.items()}
    total = sum(per.values())
    return per, total


def main():
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    with open(sys.argv[1]) as f:
        per, total = shares(json.load(f))
    print(f"energy per token and head: {total:.1f} pJ")
    for k, v in per.items():
        print(f"  {k:8s} {v:9.1f} pJ  {100 * v / total:5.1f} %")


if __name__ == "__main__":
    main()
