#pragma once
// IEEE 754 binary16 (F16) and bfloat16 (BF16) <-> binary32 conversions, bit exact: subnormals,
// infinities and NaN included; float -> half rounds to nearest, ties to even (as numpy and torch).
// Plain bit manipulation so that the host needs no F16C instructions.
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace gcattn::trace {

inline float bits_to_float(std::uint32_t b) {
  float f;
  std::memcpy(&f, &b, 4);
  return f;
}

inline std::uint32_t float_to_bits(float f) {
  std::uint32_t b;
  std::memcpy(&b, &f, 4);
  return b;
}

inline float half_to_float(std::uint16_t h) {
  const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
  const std::uint32_t exp = (h >> 10) & 0x1Fu;
  std::uint32_t man = h & 0x3FFu;
  if (exp == 0x1F)
    return bits_to_float(sign | 0x7F800000u | (man << 13));  // inf, NaN (payload kept)
  if (exp != 0) return bits_to_float(sign | ((exp + 112u) << 23) | (man << 13));
  if (man == 0) return bits_to_float(sign);  // +-0
  // Subnormal: value = man * 2^-24; normalise into a binary32 normal number.
  int e = 113;  // exponent field of 2^-14 in binary32 is 113
  while ((man & 0x400u) == 0) {
    man <<= 1;
    --e;
  }
  return bits_to_float(sign | (static_cast<std::uint32_t>(e) << 23) | ((man & 0x3FFu) << 13));
}

inline std::uint16_t float_to_half(float f) {
  const std::uint32_t b = float_to_bits(f);
  const std::uint32_t sign = (b >> 16) & 0x8000u;
  const std::uint32_t abs = b & 0x7FFFFFFFu;
  if (abs >= 0x7F800000u) {  // inf or NaN; NaN stays a (quiet) NaN
    return static_cast<std::uint16_t>(sign | 0x7C00u |
                                      (abs > 0x7F800000u ? 0x200u | ((abs >> 13) & 0x3FFu) : 0u));
  }
  if (abs >= 0x477FF000u)
    return static_cast<std::uint16_t>(sign | 0x7C00u);  // rounds to >= 65520: inf
  if (abs < 0x38800000u) {                              // below 2^-14: subnormal half (or zero)
    if (abs < 0x33000000u) return static_cast<std::uint16_t>(sign);  // < 2^-25 rounds to 0
    const std::uint32_t e = abs >> 23;                               // 102..112
    const std::uint32_t m = (abs & 0x7FFFFFu) | 0x800000u;           // implicit bit
    const std::uint32_t shift = 126u - e;                            // 14..24
    std::uint32_t r = m >> shift;
    const std::uint32_t rem = m & ((1u << shift) - 1u), half = 1u << (shift - 1u);
    if (rem > half || (rem == half && (r & 1u))) ++r;
    return static_cast<std::uint16_t>(sign | r);
  }
  // Normal: rebias the exponent, round the 13 dropped mantissa bits to nearest even.
  std::uint32_t r = abs - 0x38000000u;  // exponent 127 -> 15 bias
  const std::uint32_t rem = r & 0x1FFFu;
  r >>= 13;
  if (rem > 0x1000u || (rem == 0x1000u && (r & 1u))) ++r;  // may carry into the exponent: correct
  return static_cast<std::uint16_t>(sign | r);
}

inline float bf16_to_float(std::uint16_t h) {
  return bits_to_float(static_cast<std::uint32_t>(h) << 16);
}

inline std::uint16_t float_to_bf16(float f) {
  const std::uint32_t b = float_to_bits(f);
  if ((b & 0x7FFFFFFFu) > 0x7F800000u)
    return static_cast<std::uint16_t>((b >> 16) | 0x40u);  // quiet NaN
  const std::uint32_t rounded = b + 0x7FFFu + ((b >> 16) & 1u);
  return static_cast<std::uint16_t>(rounded >> 16);
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
