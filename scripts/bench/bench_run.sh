#!/usr/bin/env bash
# Speed benchmark of docs/performance.md, on a GPT-2-small-shaped synthetic trace (12 layers x
# 12 heads x d_head 64, 1,024 tokens by default: 12,288 layer steps, the window filling up to its
# 1,024 tokens), all in one run on the same machine so that the ratios compare like with like:
#   1. the user's default command: gcattn run --trace T (calibration in the run, accuracy on),
#      with all cores and with --threads 1;
#   2. gcattn run --scalers S --accuracy off (the simulation alone);
#   3. gcattn calibrate;
#   4. gcattn run --functional off (timing and energy only) on GPT-2 small and GPT-2 XL shapes
#      (tokens per second, whole process: start-up included; median of three);
#   5. scripts/bench/numpy_reference.py, the vectorised NumPy golden model (PAPER.md section 5),
#      with OPENBLAS_NUM_THREADS=1: its matrix products are small (one layer step), and OpenBLAS's
#      threads busy-wait between them, which on a shared machine made it several times slower in
#      wall time (572 s wall for 108 s CPU in one run), not faster.
# Wall-clock seconds (the simulator uses both cores: CPU time would hide that) and CPU seconds
# are printed, the median of three runs for each gcattn command; ratios are NumPy wall time /
# gcattn wall time. Outputs of the simulator and NumPy
# are compared too.
#
# usage: scripts/bench/bench_run.sh [TOKENS] [XL_TOKENS]   (env: GCATTN, PYTHON, THREADS)
set -euo pipefail
cd "$(dirname "$0")/../.."
tokens=${1:-1024}
xl_tokens=${2:-1024}
gcattn=${GCATTN:-build/release/bin/gcattn}
python=${PYTHON:-/usr/bin/python3}
threads=${THREADS:-0}
[[ -x $gcattn ]] || { echo "bench_run.sh: $gcattn not found; build first (cmake --build --preset release)" >&2; exit 2; }
export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# "WALL CPU" seconds of a command (CPU = user + system); its output goes to $work/last.out.
timed() {
  local t
  t=$( { TIMEFORMAT='%3R %3U %3S'; time "$@" >"$work/last.out" 2>&1; } 2>&1 ) || { cat "$work/last.out" >&2; return 1; }
  awk '{printf "%.3f %.3f", $1, $2 + $3}' <<<"$t"
}
median3() { printf '%s\n' "$@" | sort -n | sed -n 2p; }
# timed, three times: the run of median wall time ("WALL CPU"); this machine's load varies by tens
# of percent from one run to the next (outputs of the last run stay in place: they are identical).
timed3() {
  local runs=() r
  for _ in 1 2 3; do r=$(timed "$@") || return 1; runs+=("$r"); done
  printf '%s\n' "${runs[@]}" | sort -n -k1,1 | sed -n 2p
}
show() { printf '%-52s %8.2f s wall %8.2f s CPU\n' "$1" "$2" "$3"; }

echo "machine: $(nproc) cores; gcattn --threads ${threads} (0: all cores)"
echo "trace: synthetic GPT-2 small, $tokens tokens; GPT-2 XL, $xl_tokens tokens"
"$gcattn" trace synth --shape gpt2 --tokens "$tokens" --seed 1 -o "$work/trace.safetensors" >/dev/null
"$gcattn" trace synth --shape gpt2-xl --tokens "$xl_tokens" --seed 1 -o "$work/xl.safetensors" >/dev/null
T=$work/trace.safetensors

read -r cal_w cal_c <<<"$(timed3 "$gcattn" calibrate --trace "$T" -o "$work/scalers.json" --threads "$threads")"
show "gcattn calibrate" "$cal_w" "$cal_c"
read -r def_w def_c <<<"$(timed3 "$gcattn" run --trace "$T" --threads "$threads" --report-json "$work/default.json")"
show "gcattn run (default: calibrate + accuracy)" "$def_w" "$def_c"
read -r def1_w def1_c <<<"$(timed3 "$gcattn" run --trace "$T" --threads 1 --report-json "$work/default1.json")"
show "gcattn run (default) --threads 1" "$def1_w" "$def1_c"
"$python" - "$work/default.json" "$work/default1.json" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
for r in (a, b):
    r.pop("wall_time_s"); r.pop("command_line")
print("reports, all cores vs --threads 1:", "identical" if a == b else "DIFFERENT")
PY
read -r sim_w sim_c <<<"$(timed3 "$gcattn" run --trace "$T" --scalers "$work/scalers.json" --accuracy off \
  --threads "$threads" --report-json "$work/full.json" --outputs "$work/sim.npy")"
show "gcattn run --scalers S --accuracy off" "$sim_w" "$sim_c"

# GPT-2 XL scalers from a short prefix (timing-only runs only need them to convert K, V, Q).
"$gcattn" calibrate --trace "$work/xl.safetensors" --tokens 32 -o "$work/xl-scalers.json" >/dev/null
off=() offxl=()
for _ in 1 2 3; do
  off+=("$(timed "$gcattn" run --trace "$T" --scalers "$work/scalers.json" --functional off | cut -d' ' -f1)")
  offxl+=("$(timed "$gcattn" run --trace "$work/xl.safetensors" --scalers "$work/xl-scalers.json" --functional off | cut -d' ' -f1)")
done
off_w=$(median3 "${off[@]}")
offxl_w=$(median3 "${offxl[@]}")
printf '%-52s %8.3f s wall (median of %s)\n' "gcattn run --functional off, GPT-2 small" "$off_w" "${off[*]}"
printf '%-52s %8.3f s wall (median of %s)\n' "gcattn run --functional off, GPT-2 XL" "$offxl_w" "${offxl[*]}"

period=$("$python" -c "import json,sys; print(json.load(open(sys.argv[1]))['timing']['token_period_ns'])" "$work/full.json")
read -r np_w np_c <<<"$(OPENBLAS_NUM_THREADS=1 timed "$python" scripts/bench/numpy_reference.py --trace "$T" --scalers "$work/scalers.json" \
  --token-period-ns "$period" --outputs "$work/numpy.npy")"
show "numpy reference (PAPER.md section 5)" "$np_w" "$np_c"
"$python" - "$work/sim.npy" "$work/numpy.npy" <<'PY'
import sys
import numpy as np
a, b = np.load(sys.argv[1]), np.load(sys.argv[2])
d = np.abs(a - b)
print(f"outputs: simulator vs numpy max |diff| {d.max():.3g}, {100 * (d > 1e-6).mean():.4f} % of values differ "
      f"(leakage ages differ by the few ns between a layer step's phases)")
PY
awk -v n="$np_w" -v d="$def_w" -v d1="$def1_w" -v s="$sim_w" -v c="$cal_w" -v o="$off_w" -v x="$offxl_w" \
    -v t="$tokens" -v xt="$xl_tokens" 'BEGIN {
  printf "ratio numpy / gcattn run (default):         %6.1fx  (target >= 6)\n", n / d
  printf "ratio numpy / run --scalers --accuracy off: %6.1fx  (target >= 12); %.0f tokens/s\n", n / s, t / s
  printf "ratio numpy / gcattn calibrate:             %6.1fx  (target >= 10)\n", n / c
  printf "default run, --threads 1 / all cores:       %6.2fx\n", d1 / d
  printf "timing-only GPT-2 small:                    %6.0f tokens/s  (target >= 20000)\n", t / o
  printf "timing-only GPT-2 XL:                       %6.0f tokens/s  (target >= 1000)\n", xt / x }'
