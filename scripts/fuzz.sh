#!/usr/bin/env bash
# Builds the libFuzzer targets (preset fuzz: Clang 14, ASan + UBSan) and runs each for a fixed
# time or number of runs (docs/fuzzing.md).
#   bash scripts/fuzz.sh                 10 s per target (the test command's short run)
#   bash scripts/fuzz.sh 600             600 s per target
#   bash scripts/fuzz.sh runs 10000000   10 million executions per target (the long run)
#   FUZZ_TARGETS="npy scalers" bash scripts/fuzz.sh 60
#   FUZZ_MAX_LEN=65536 bash scripts/fuzz.sh 600   inputs up to 64 KiB (default 8 KiB: twice the
#                                                 largest seed; longer inputs only slow each run)
# New corpus entries go to build/fuzz/corpus/<target> (the committed seeds stay untouched);
# a crash writes its input to build/fuzz/artifacts/ and fails the script: add it to
# tests/fuzz_regressions/<target>/ once fixed.
set -euo pipefail
cd "$(dirname "$0")/.."
limit=(-max_total_time="${1:-10}")
if [ "${1:-}" = "runs" ]; then limit=(-runs="${2:?runs N}"); fi
targets=${FUZZ_TARGETS:-"trace npy config scalers tokenizer"}
max_len=${FUZZ_MAX_LEN:-8192}
export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1
# Leaks of a parser that threw are not what these runs look for (LeakSanitizer also needs
# ptrace, which containers often lack).
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "$(nproc)"
mkdir -p build/fuzz/artifacts
for t in $targets; do
  mkdir -p "build/fuzz/corpus/$t"
  echo "fuzz_$t: ${limit[*]}"
  # stdin from /dev/null: a configuration may name /dev/stdin as the file it extends.
  log="build/fuzz/fuzz_$t.log"
  rc=0
  "build/fuzz/bin/fuzz_$t" "${limit[@]}" -print_final_stats=1 \
    -rss_limit_mb=4096 -max_len="$max_len" -artifact_prefix="build/fuzz/artifacts/$t-" \
    "build/fuzz/corpus/$t" "fuzz/corpus/$t" "tests/fuzz_regressions/$t" </dev/null >"$log" 2>&1 || rc=$?
  grep -E "^(#[0-9]+ +DONE|stat::number_of_executed_units|==[0-9]+==ERROR|invariant violated|SUMMARY)|runtime error:" "$log" || true
  # A finding stops the fuzzer with a non-zero status; a sanitizer's report alone (UBSan's
  # "runtime error") or a run that ended short of its -runs count fails the target too.
  executed=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  if [ "$rc" -ne 0 ] || [ -z "$executed" ] ||
    grep -qE "^==[0-9]+==ERROR|invariant violated|deadly signal|^SUMMARY: |runtime error:" "$log" ||
    { [ "${1:-}" = "runs" ] && [ "$executed" -lt "$2" ]; }; then
    echo "fuzz_$t: FAILED (exit $rc; log $log, inputs build/fuzz/artifacts/)" >&2
    exit 1
  fi
done
