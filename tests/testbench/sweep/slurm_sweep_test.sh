#!/usr/bin/env bash
# The Slurm backend against a real single-node cluster (slurm_cluster.sh, a ctest fixture): a
# small sweep submitted with sbatch must collect to the local backend's table (wall-clock
# columns aside); a job sbatch refuses gives a clear error and leaves nothing queued.
# usage: slurm_sweep_test.sh GCATTN SOURCE_DIR WORK_DIR CLUSTER_DIR
set -euo pipefail
gcattn=$1 source_dir=$2 work=$3 cluster=$4
export SLURM_CONF=$cluster/slurm.conf SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1
rm -rf "$work"
mkdir -p "$work"
cat >"$work/spec.json" <<SPEC
{"base": {"config": "paper", "set": {"player.host_gap_ns": 140}},
 "axes": {"kv_dac.levels": [4, 8], "output.levels": [16, 32]},
 "traces": ["$source_dir/traces/shakespeare-gpt2-mini.safetensors"],
 "run": {"tokens": 4, "mode": "lt", "accuracy": true}}
SPEC

fail() { echo "FAIL: $*" >&2; exit 1; }
no_wall() {  # the CSV without the wall-clock columns
  /usr/bin/python3 -c '
import csv, sys
rows = list(csv.reader(open(sys.argv[1])))
keep = [i for i, c in enumerate(rows[0]) if c not in ("wall_time_s", "unit_wall_s")]
for r in rows: print(",".join(r[i] for i in keep))' "$1"
}

"$gcattn" sweep run "$work/spec.json" --out "$work/local" -j 2
"$gcattn" sweep collect "$work/local" -o "$work/local.csv"

# Two array tasks of two units each.
out=$("$gcattn" sweep run "$work/spec.json" --out "$work/slurm" --backend slurm --units-per-task 2)
echo "$out"
grep -q "submitted Slurm job array" <<<"$out" || fail "no submission reported"
for _ in $(seq 600); do
  status=$("$gcattn" sweep status "$work/slurm")
  grep -q "4 units: 4 done" <<<"$status" && break
  sleep 0.2
done
echo "$status"
grep -q "4 units: 4 done, 0 failed" <<<"$status" || fail "the Slurm sweep did not finish in 120 s"
ls "$work/slurm/slurm/"
"$gcattn" sweep collect "$work/slurm" -o "$work/slurm.csv"
diff <(no_wall "$work/local.csv") <(no_wall "$work/slurm.csv") || fail "Slurm and local tables differ"
[ "$(wc -l <"$work/slurm.csv")" -eq 5 ] || fail "expected 4 rows"

# Resuming a finished Slurm sweep submits nothing.
out=$("$gcattn" sweep run "$work/spec.json" --out "$work/slurm" --backend slurm)
grep -q "4 already done, 0 to run" <<<"$out" || fail "resume resubmitted: $out"

# sbatch refusing (no such partition): exit 5, its message, nothing submitted.
set +e
out=$("$gcattn" sweep run "$work/spec.json" --out "$work/refused" --backend slurm --partition nosuch 2>&1)
rc=$?
set -e
echo "$out"
[ "$rc" -eq 5 ] || fail "sbatch refusal: exit status $rc, expected 5"
grep -q "sbatch refused the job (exit status 1)" <<<"$out" || fail "no sbatch refusal message"
grep -qi "partition" <<<"$out" || fail "sbatch's own reason missing"
echo "PASS"
