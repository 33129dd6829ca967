#!/usr/bin/env bash
# Speed of `gcattn eval` closed loop (docs/performance.md): the shipped 4-layer hardware model
# scores a text of TOKENS bytes (default 2,048: two full 1,024-token windows, every sub-tile of
# every head in use) with its attention on the simulated accelerator and on the host (the same
# numerics without SystemC), one after the other on the same machine. Prints the wall time and
# tokens per second of each (from the report: scoring only, model loading excluded) and their
# ratio. The text: the held-out tail of ../shared/data/tinyshakespeare.txt when it exists,
# otherwise the model card's README repeated (any UTF-8 text does for speed).
#
# usage: scripts/bench/bench_eval.sh [TOKENS]   (env: GCATTN, THREADS)
set -euo pipefail
cd "$(dirname "$0")/../.."
tokens=${1:-2048}
gcattn=${GCATTN:-build/release/bin/gcattn}
threads=${THREADS:-0}
model=traces/models/shakespeare-gpt2-gaincell
[[ -x $gcattn ]] || { echo "bench_eval.sh: $gcattn not found; build first" >&2; exit 2; }
export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
data=../shared/data/tinyshakespeare.txt
if [[ -f $data ]]; then
  tail -c $((tokens + 1)) "$data" >"$work/text.txt"
else
  while [[ $(wc -c <"$work/text.txt" 2>/dev/null || echo 0) -le $tokens ]]; do cat "$model/README.md" >>"$work/text.txt"; done
fi
echo "machine: $(nproc) cores; gcattn --threads $threads (0: all cores); $tokens tokens of $model"
for a in accelerator host; do
  "$gcattn" eval --model "$model" --text "$work/text.txt" --tokens "$tokens" --attention $a \
    --threads "$threads" --report-json "$work/$a.json" >/dev/null
done
/usr/bin/python3 - "$work" <<'PY'
import json, sys
w = sys.argv[1]
r = {a: json.load(open(f"{w}/{a}.json"))["eval"] for a in ("accelerator", "host")}
for a, e in r.items():
    print(f"{a:12s} {e['wall_time_s']:8.2f} s wall  {e['tokens_per_s']:8.1f} tokens/s  perplexity {e['perplexity']:.4f}")
print(f"accelerator / host speed: {r['accelerator']['tokens_per_s'] / r['host']['tokens_per_s']:.2f}")
PY
