#!/usr/bin/env bash
# Speed benchmark of docs/performance.md: replays a GPT-2-small-shaped synthetic trace
# (12 layers x 12 heads x d_head 64, 1024 tokens by default) with
#   1. gcattn run, full functional + timing + energy modelling (--accuracy off: the reference
#      models of the accuracy report are host-side analysis, not simulation),
#   2. gcattn run --functional off (timing and energy only),
#   3. the vectorised NumPy implementation of PAPER.md section 5 (scripts/bench/numpy_reference.py),
# on the same machine, and prints the ratios of their CPU times (whole processes, user + system,
# in ms resolution). The timing-only run is short (about a tenth of a second), so the noise of a
# shared machine (page-zeroing and page-cache costs in system time) moves it by tens of percent:
# it runs five times and the median counts. NumPy runs with OPENBLAS_NUM_THREADS=1 (one core, like
# the simulator).
#
# usage: scripts/bench/bench_run.sh [TOKENS]      (env: GCATTN=path/to/gcattn, PYTHON=python3)
set -euo pipefail
cd "$(dirname "$0")/../.."
tokens=${1:-1024}
gcattn=${GCATTN:-build/release/bin/gcattn}
python=${PYTHON:-/usr/bin/python3}
[[ -x $gcattn ]] || { echo "bench_run.sh: $gcattn not found; build first (cmake --build --preset release)" >&2; exit 2; }
export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1 OPENBLAS_NUM_THREADS=1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# CPU seconds (user + system) of a command; its stdout goes to $work/last.out.
cpu() {
  local t
  t=$( { TIMEFORMAT='%3U %3S'; time "$@" >"$work/last.out" 2>&1; } 2>&1 ) || { cat "$work/last.out" >&2; return 1; }
  awk '{printf "%.3f", $1 + $2}' <<<"$t"
}

echo "trace: synthetic GPT-2 small, $tokens tokens"
"$gcattn" trace synth --shape gpt2 --tokens "$tokens" --seed 1 -o "$work/trace.safetensors" >/dev/null
"$gcattn" calibrate --trace "$work/trace.safetensors" -o "$work/scalers.json" >/dev/null

full=$(cpu "$gcattn" run --trace "$work/trace.safetensors" --scalers "$work/scalers.json" --accuracy off \
  --report-json "$work/full.json" --outputs "$work/sim.npy")
echo "gcattn run (functional, timing, energy):   ${full} s CPU"
runs=()
for _ in 1 2 3 4 5; do
  runs+=("$(cpu "$gcattn" run --trace "$work/trace.safetensors" --scalers "$work/scalers.json" --functional off)")
done
off=$(printf '%s\n' "${runs[@]}" | sort -n | sed -n 3p)
echo "gcattn run --functional off:               ${off} s CPU (median of ${runs[*]})"
period=$("$python" -c "import json,sys; print(json.load(open(sys.argv[1]))['timing']['token_period_ns'])" "$work/full.json")
np_cpu=$(cpu "$python" scripts/bench/numpy_reference.py --trace "$work/trace.safetensors" --scalers "$work/scalers.json" \
  --token-period-ns "$period" --outputs "$work/numpy.npy")
echo "numpy reference (PAPER.md section 5):      ${np_cpu} s CPU"
"$python" - "$work/sim.npy" "$work/numpy.npy" <<'PY'
import sys
import numpy as np
a, b = np.load(sys.argv[1]), np.load(sys.argv[2])
d = np.abs(a - b)
print(f"outputs: simulator vs numpy max |diff| {d.max():.3g}, {100 * (d > 1e-6).mean():.4f} % of values differ "
      f"(leakage ages differ by the few ns between a layer step's phases)")
PY
awk -v f="$full" -v o="$off" -v n="$np_cpu" 'BEGIN {
  printf "ratio numpy / simulator (full):            %.1fx  (target >= 3)\n", n / f
  printf "ratio full / --functional off:             %.1fx  (target >= 50)\n", f / o }'
