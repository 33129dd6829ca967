#pragma once
// Shared pieces of the libFuzzer targets (docs/fuzzing.md): the readers take paths, so each
// input is written to a per-process scratch file; an invariant that does not hold aborts, which
// libFuzzer records as a crash with the input that caused it.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace gcattn::fuzz {

/// Writes bytes to a scratch file named name (one folder per process) and returns its path.
std::string scratch_file(const std::string& name, std::string_view bytes);

/// Splits data at the first occurrence of sep: the parts before and after (after is empty when
/// sep does not occur).
std::pair<std::string_view, std::string_view> split(std::string_view data, std::string_view sep);

}  // namespace gcattn::fuzz

/// An invariant of accepted input; a violation aborts (a crash for libFuzzer).
#define FUZZ_CHECK(cond)                                                                   \
  do {                                                                                     \
    if (!(cond)) {                                                                         \
      std::fprintf(stderr, "invariant violated: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
      std::abort();                                                                        \
    }                                                                                      \
  } while (0)
