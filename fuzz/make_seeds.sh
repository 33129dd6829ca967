#!/usr/bin/env bash
# Regenerates the seed corpora (fuzz/corpus/<target>) from the shipped files: presets, the
# shipped GPT-2 checkpoint's config and tokenizer, the tile-demo arrays, and small traces and
# scalers made by gcattn itself. Usage: bash fuzz/make_seeds.sh [path/to/gcattn]
set -euo pipefail
cd "$(dirname "$0")/.."
G=${1:-build/release/bin/gcattn}
export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1
C=fuzz/corpus
rm -rf "$C" && mkdir -p "$C"/{trace,npy,config,scalers,tokenizer}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# trace: small synthetic traces (F32, F16, with attn_out); the shipped trace is 4 MB.
"$G" trace synth --layers 1 --heads 1 --dhead 4 --tokens 3 -o "$C/trace/f32.safetensors" >/dev/null
"$G" trace synth --layers 2 --heads 1 --dhead 2 --tokens 2 --dtype f16 -o "$C/trace/f16.safetensors" >/dev/null
"$G" trace synth --layers 1 --heads 2 --dhead 2 --tokens 2 --attn-out -o "$C/trace/attn.safetensors" >/dev/null

# npy: the tile-demo inputs (float64 (8, 64)) and a float32 array written by gcattn.
cp traces/tile-demo/*.npy "$C/npy/"
"$G" tile --q traces/tile-demo/Q.npy --k traces/tile-demo/K.npy --v traces/tile-demo/V.npy \
  --out-dir "$tmp/tile" >/dev/null
cp "$tmp/tile/out.npy" "$C/npy/out_f32.npy"

# config: the presets, a file that extends one, and --set lines.
cp configs/presets/*.json "$C/config/"
printf '{"extends": "paper", "player": {"host_gap_ns": 0.1}}\n--set\nplayer.host_gap_ns=2.5e-3\nsignal.quantize=off\narray.window_tokens=64\n' \
  >"$C/config/extends_set.json"
printf 'player.host_gap_ns=140\nleakage.mode=token_age\ncpc.s_sat_ua=70\n' >"$C/config/sets.txt"

# scalers: calibrate output on a small trace of array height (d_head 64).
"$G" trace synth --layers 1 --heads 2 --dhead 64 --tokens 4 -o "$tmp/t.safetensors" >/dev/null
"$G" calibrate --trace "$tmp/t.safetensors" -o "$C/scalers/range.json" >/dev/null
"$G" calibrate --trace "$tmp/t.safetensors" --method paper -o "$C/scalers/paper.json" >/dev/null

# tokenizer: config.json, vocab.json and merges.txt of the shipped checkpoint, one input.
M=traces/models/shakespeare-gpt2-mini
{ cat "$M/config.json"; printf '\n--8<--\n'; cat "$M/vocab.json"; printf '\n--8<--\n'; cat "$M/merges.txt"; } \
  >"$C/tokenizer/shipped.txt"
printf 'ROMEO:\nBut soft, what light through yonder window breaks?\n' >"$C/tokenizer/prompt.txt"
echo "seeds: $(find "$C" -type f | wc -l) files in $C"
