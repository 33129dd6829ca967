#!/usr/bin/env bash
# Sets up (Debian packages), builds the release preset and runs the main job: the shipped
# hardware-aware GPT-2 (traces/models/shakespeare-gpt2-gaincell) scores held-out text closed loop
# on the simulated accelerator (every attention through its TLM-2.0 host interface), next to the
# softmax baseline (traces/models/shakespeare-gpt2-softmax-1k) on the host: perplexity, and the
# accelerator's timing, energy and GPU comparison. Then the hardware model's KV-cache trace is
# replayed by `gcattn run`. Extra arguments go to `gcattn eval` (e.g. --mode at, --tokens 1024).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)"
mkdir -p out
G=build/release/bin/gcattn
# Held-out text: the last 10 % of Tiny Shakespeare (the models trained on the first 90 %).
data=../shared/data/tinyshakespeare.txt
if [[ -f $data ]]; then
  tail -c +$(( $(wc -c <"$data") * 9 / 10 + 1 )) "$data" | head -c 4097 >out/heldout.txt
else
  echo "demo: $data not found; scoring docs/model-flow.md instead (not held-out Shakespeare)" >&2
  head -c 4097 docs/model-flow.md >out/heldout.txt
fi
$G eval --model traces/models/shakespeare-gpt2-softmax-1k --text out/heldout.txt --attention host \
  --report-json out/eval-softmax.json
$G eval --model traces/models/shakespeare-gpt2-gaincell --text out/heldout.txt \
  --report-json out/eval-gaincell.json "$@"
$G run --trace traces/shakespeare-gpt2-gaincell.safetensors \
  --scalers traces/models/shakespeare-gpt2-gaincell/scalers.json \
  --report-json out/run.json --report-csv out/run.csv
/usr/bin/python3 - <<'PY'
import json
s = json.load(open("out/eval-softmax.json"))["eval"]
h = json.load(open("out/eval-gaincell.json"))
e = h["eval"]
print(f"\nheld-out text, {e['tokens']} tokens: hardware model closed loop on the accelerator perplexity "
      f"{e['perplexity']:.3f}, softmax baseline on the host {s['perplexity']:.3f} "
      f"(x{e['perplexity'] / s['perplexity']:.3f}); accelerator {h['timing']['latency_per_token_ns']:.0f} ns "
      f"and {h['energy']['per_token_pj'] / 1e3:.1f} nJ of attention per token")
PY
