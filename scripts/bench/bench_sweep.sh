#!/usr/bin/env bash
# Overhead of `gcattn sweep` (docs/performance.md): a 100-unit sweep (10 kv_dac.levels x 10
# player.host_gap_ns) of 64-token runs on the shipped trace, against the same 100 `gcattn run`
# commands in a plain shell loop. Prints
#   - the loop's and the sweep's CPU seconds (user + system of all processes) at -j 1: their
#     difference per unit is the sweep's overhead per unit, quoted against a unit's own cost;
#   - the wall time of the sweep at -j 1 and -j N (N = the cores): how busy the pool keeps them;
#   - from the collected table, the mean wall time a unit takes end to end (unit_wall_s) and
#     inside the simulation (wall_time_s).
# usage: scripts/bench/bench_sweep.sh [JOBS]      (env: GCATTN=path/to/gcattn)
set -euo pipefail
cd "$(dirname "$0")/../.."
jobs=${1:-$(nproc)}
gcattn=$(realpath "${GCATTN:-build/release/bin/gcattn}")
[[ -x $gcattn ]] || { echo "bench_sweep.sh: $gcattn not found; build first" >&2; exit 2; }
export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
trace=$PWD/traces/shakespeare-gpt2-mini.safetensors
levels=(2 3 4 5 6 8 12 16 32 64)
gaps=(0 70 140 280 560 1000 2000 4000 8000 16000)
cat >"$work/spec.json" <<SPEC
{"base": {"config": "paper"},
 "axes": {"kv_dac.levels": [$(IFS=,; echo "${levels[*]}")], "player.host_gap_ns": [$(IFS=,; echo "${gaps[*]}")]},
 "traces": ["$trace"],
 "run": {"tokens": 64, "mode": "lt", "accuracy": true}}
SPEC

# Wall and CPU seconds of a command: "WALL CPU".
measure() {
  local t
  t=$( { TIMEFORMAT='%3R %3U %3S'; time "$@" >"$work/last.out" 2>&1; } 2>&1 ) || { cat "$work/last.out" >&2; return 1; }
  awk '{printf "%.3f %.3f", $1, $2 + $3}' <<<"$t"
}

loop() {
  local i=0
  for l in "${levels[@]}"; do
    for g in "${gaps[@]}"; do
      "$gcattn" run --trace "$trace" --config paper --set "kv_dac.levels=$l" --set "player.host_gap_ns=$g" \
        --tokens 64 --mode lt --accuracy on --report-json "$work/loop-$i.json" >/dev/null
      i=$((i + 1))
    done
  done
}

read -r loop_wall loop_cpu <<<"$(measure loop)"
read -r one_wall one_cpu <<<"$(measure "$gcattn" sweep run "$work/spec.json" --out "$work/j1" -j 1)"
read -r n_wall n_cpu <<<"$(measure "$gcattn" sweep run "$work/spec.json" --out "$work/jn" -j "$jobs")"
"$gcattn" sweep collect "$work/jn" -o "$work/jn.csv" >/dev/null
grep -q "100 of 100 units done" "$work/last.out" || { cat "$work/last.out" >&2; exit 1; }
echo "100 units of 64 tokens (shakespeare-gpt2-mini, 4 layers x 4 heads), $(nproc) cores"
echo "shell loop of gcattn run:  ${loop_wall} s wall, ${loop_cpu} s CPU"
echo "gcattn sweep run -j 1:     ${one_wall} s wall, ${one_cpu} s CPU"
echo "gcattn sweep run -j $jobs:     ${n_wall} s wall, ${n_cpu} s CPU"
awk -v lc="$loop_cpu" -v oc="$one_cpu" -v ow="$one_wall" -v nw="$n_wall" -v j="$jobs" 'BEGIN {
  per = lc / 100; over = (oc - lc) / 100
  printf "CPU per unit: %.1f ms as a plain gcattn run, sweep overhead %.1f ms = %.1f %% (target < 10 %%)\n", 1000 * per, 1000 * over, 100 * over / per
  printf "speed-up -j %d over -j 1: %.2fx (cores busy: %.0f %%)\n", j, ow / nw, 100 * ow / nw / j }'
/usr/bin/python3 - "$work/jn.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
u = sum(float(r["unit_wall_s"]) for r in rows) / len(rows)
w = sum(float(r["wall_time_s"]) for r in rows) / len(rows)
print(f"per unit (table): {1000 * u:.1f} ms end to end (unit_wall_s), {1000 * w:.1f} ms of it simulating (wall_time_s)")
PY
