#pragma once
// Helpers shared by the host interface's files (private to model/systemc): the message type,
// number formatting, and the one NaN/infinity scan (bursts, windows written through DMI, rows
// fetched by DMA).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <sstream>
#include <string>

namespace gcattn::sc::detail {

constexpr const char* kMsgType = "gcattn/host_interface";

inline std::string hex(std::uint64_t v) {
  std::ostringstream os;
  os << "0x" << std::hex << v;
  return os.str();
}

/// Nanoseconds to a saturating 32-bit picosecond register value.
inline std::uint32_t to_ps(double ns) {
  const double ps = std::round(ns * 1e3);
  return ps >= 4294967295.0 ? 0xFFFFFFFFu : static_cast<std::uint32_t>(ps);
}

/// Index of the first float32 word in [p, p + words) that is NaN or infinite; `words` if none.
/// A branch-free pass first (an all-ones exponent is NaN or infinity; it vectorises, and every
/// GPT-2-small step checks about 2,300 words), the word-by-word search only when it found one.
inline std::size_t first_nonfinite(const void* p, std::size_t words) {
  const auto* bytes = static_cast<const unsigned char*>(p);
  std::uint32_t bad = 0;
  for (std::size_t i = 0; i < words; ++i) {
    std::uint32_t b;
    std::memcpy(&b, bytes + 4 * i, sizeof b);
    bad |= static_cast<std::uint32_t>((b & 0x7f800000u) == 0x7f800000u);
  }
  if (bad == 0) return words;
  for (std::size_t i = 0; i < words; ++i) {
    std::uint32_t b;
    std::memcpy(&b, bytes + 4 * i, sizeof b);
    if ((b & 0x7f800000u) == 0x7f800000u) return i;
  }
  return words;
}

}  // namespace gcattn::sc::detail
