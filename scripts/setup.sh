#!/usr/bin/env bash
# Installs the Debian packages gcattn needs, only those that are missing (idempotent).
# Used by both README commands and by .ci/run.
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config
  clang-14 libclang-rt-14-dev clang-format-14
  libsystemc-dev
  catch2
  libboost1.81-dev libboost-json1.81-dev libboost-program-options1.81-dev
  libeigen3-dev libopenblas-dev libopenblas0-pthread
  libbenchmark-dev
  python3 python3-numpy python3-matplotlib
  # pytest runs the Python tests; torch: scripts/gpu/measure_attention.py (tested on the CPU)
  # and the hardware-aware training (scripts/train_hw_gpt2.py; tests/scripts/test_hw_attention.py); pybind11: the Python module.
  python3-dev pybind11-dev python3-pytest python3-torch
  # gcattn sweep backends and their tests: GNU parallel, a single-node Slurm cluster
  parallel slurmctld slurmd slurm-client munge
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi

echo "setup: installing missing Debian packages: ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
