#!/usr/bin/env bash
# Sets up (Debian packages), builds and runs the whole test suite with GCC (preset release) and
# with Clang (preset clang) after checking the formatting, then runs each libFuzzer target for a few seconds (docs/fuzzing.md).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1
# Formatting (.clang-format) of every C and C++ file in the repository.
git ls-files -z '*.c' '*.cpp' '*.h' | xargs -0 clang-format-14 --dry-run --Werror
for preset in release clang; do
  cmake --preset "$preset"
  cmake --build --preset "$preset" -j "$(nproc)"
  ctest --preset "$preset" -j "$(nproc)"
done
bash scripts/fuzz.sh "${GCATTN_FUZZ_SECONDS:-10}"
