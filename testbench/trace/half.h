#pragma once
// IEEE 754 binary16 (F16) and bfloat16 (BF16) <-> binary32 conversions through Eigen's half and
// bfloat16 types: bit exact, subnormals and infinities included, float -> half/bfloat16 rounding
// to nearest, ties to even (as numpy and torch); a NaN stays a NaN. Eigen's portable paths need no
// F16C instructions on the host.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include <Eigen/Core>

namespace gcattn::trace {

inline float half_to_float(std::uint16_t h) {
  return static_cast<float>(Eigen::numext::bit_cast<Eigen::half>(h));
}

inline std::uint16_t float_to_half(float f) {
  return Eigen::numext::bit_cast<std::uint16_t>(Eigen::half(f));
}

inline float bf16_to_float(std::uint16_t h) {
  return static_cast<float>(Eigen::numext::bit_cast<Eigen::bfloat16>(h));
}

inline std::uint16_t float_to_bf16(float f) {
  return Eigen::numext::bit_cast<std::uint16_t>(Eigen::bfloat16(f));
}

/// Converts n little-endian F16 values at src (any alignment) to float.
inline void f16_to_f32(const void* src, float* dst, std::size_t n) {
  const auto* p = static_cast<const unsigned char*>(src);
  for (std::size_t i = 0; i < n; ++i) {
    std::uint16_t h;
    std::memcpy(&h, p + 2 * i, 2);
    dst[i] = half_to_float(h);
  }
}

inline void bf16_to_f32(const void* src, float* dst, std::size_t n) {
  const auto* p = static_cast<const unsigned char*>(src);
  for (std::size_t i = 0; i < n; ++i) {
    std::uint16_t h;
    std::memcpy(&h, p + 2 * i, 2);
    dst[i] = bf16_to_float(h);
  }
}

}  // namespace gcattn::trace
