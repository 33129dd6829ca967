#include "gcattn/numerics/finite_scan.h"

#include <cstdint>
#include <cstring>

#include "cpu_features.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define GCATTN_SCAN_AVX512 1
#endif

namespace gcattn {
namespace {

constexpr std::uint32_t kExponent = 0x7f800000u;

// A branch-free pass (it vectorises), the word-by-word search only when it found a bad word.
std::size_t scan_portable(const unsigned char* bytes, std::size_t words) {
  std::uint32_t bad = 0;
  for (std::size_t i = 0; i < words; ++i) {
    std::uint32_t b;
    std::memcpy(&b, bytes + 4 * i, sizeof b);
    bad |= static_cast<std::uint32_t>((b & kExponent) == kExponent);
  }
  if (bad == 0) return words;
  for (std::size_t i = 0; i < words; ++i) {
    std::uint32_t b;
    std::memcpy(&b, bytes + 4 * i, sizeof b);
    if ((b & kExponent) == kExponent) return i;
  }
  return words;
}

#if GCATTN_SCAN_AVX512
// Sixteen words a compare (the SSE2 loop the compiler makes of scan_portable is four): the first
// bad word's index from the mask of its block.
__attribute__((target("avx512f"))) std::size_t scan_avx512(const unsigned char* bytes,
                                                           std::size_t words) {
  const __m512i e = _mm512_set1_epi32(static_cast<int>(kExponent));
  std::size_t i = 0;
  for (; i + 16 <= words; i += 16) {
    const __m512i v = _mm512_loadu_si512(bytes + 4 * i);
    const __mmask16 m = _mm512_cmpeq_epi32_mask(_mm512_and_si512(v, e), e);
    if (m != 0) return i + static_cast<std::size_t>(__builtin_ctz(m));
  }
  if (i == words) return words;
  const std::size_t rest = scan_portable(bytes + 4 * i, words - i);
  return rest == words - i ? words : i + rest;
}
#endif

}  // namespace

std::size_t first_nonfinite_f32(const void* p, std::size_t words) {
  const auto* bytes = static_cast<const unsigned char*>(p);
#if GCATTN_SCAN_AVX512
  if (cpu::avx512f()) return scan_avx512(bytes, words);
#endif
  return scan_portable(bytes, words);
}

}  // namespace gcattn
