#pragma once
// Helpers shared by the host interface's files (private to model/systemc): the message type,
// number formatting (the NaN/infinity scan of bursts, DMI windows and DMA rows:
// gcattn/numerics/finite_scan.h).
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

}  // namespace gcattn::sc::detail
