#!/usr/bin/env bash
# Sets up (Debian packages), builds the release preset and runs the main job: the shipped GPT-2
# KV-cache trace replayed through the accelerator's TLM-2.0 host interface. Extra arguments go to
# `gcattn run` (e.g. --mode at, --host-gap 1000, --vcd out/waves).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)"
mkdir -p out
build/release/bin/gcattn run --trace traces/shakespeare-gpt2-mini.safetensors \
  --report-json out/run.json --report-csv out/run.csv "$@"
