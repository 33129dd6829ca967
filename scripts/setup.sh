#!/usr/bin/env bash
# Installs the Debian packages gcattn needs, only those that are missing (idempotent).
# Used by both README commands and by .ci/run.
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config
  clang-14 libclang-rt-14-dev
  libsystemc-dev
  catch2
  libboost1.81-dev libboost-json1.81-dev libboost-program-options1.81-dev
  libeigen3-dev libopenblas-dev libopenblas0-pthread
  libbenchmark-dev
  python3 python3-numpy python3-matplotlib
)
# python3-torch is only needed to retrain the shipped model (scripts/train_small_gpt2.py).
if [ "${GCATTN_SETUP_TRAINING:-0}" = "1" ]; then
  PACKAGES+=(python3-torch)
fi

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
