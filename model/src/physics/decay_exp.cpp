#include "gcattn/physics/decay_exp.h"

#include <cmath>
#include <cstdint>
#include <cstring>

#include "cpu_features.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define GCATTN_DECAY_EXP_AVX512 1
#if !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"  // GCC 12's _mm512_undefined_* operands
#endif
#endif

namespace gcattn {
namespace {

// x = (8 e + j) ln2 / 8 + r with |r| <= ln2 / 16, so e^x = 2^e * 2^(j/8) * e^r; 2^(j/8) is
// kHi[j] * (1 + kTail[j]) (the table's double and its relative rounding error, from 60-digit
// decimal arithmetic), e^r - 1 a degree-9 Taylor polynomial (truncation below 1e-20).
constexpr double kRange = 700.0;
constexpr double kShift = 0x1.8p52;  // adding it rounds to an integer held in the low bits
constexpr double kInvLn2N = 0x1.71547652b82fep+3;  // 8 / ln 2
// ln 2 / 8 in two parts; the high part has 40 significant bits, so k * kLn2HiN is exact for
// |k| < 2^13 (|x| <= 700 gives |k| <= 8,080).
constexpr double kLn2HiN = 0x1.62e42fefa4000p-4;
constexpr double kLn2LoN = -0x1.8432a1b0e2634p-46;
alignas(64) constexpr double kHi[8] = {
    0x1.0000000000000p+0, 0x1.172b83c7d517bp+0, 0x1.306fe0a31b715p+0, 0x1.4bfdad5362a27p+0,
    0x1.6a09e667f3bcdp+0, 0x1.8ace5422aa0dbp+0, 0x1.ae89f995ad3adp+0, 0x1.d5818dcfba487p+0};
alignas(64) constexpr double kTail[8] = {0.0,
                                         -0x1.01b15eaa59348p-55,
                                         0x1.34d754db0abb6p-55,
                                         0x1.690cebb7aafb0p-56,
                                         -0x1.3b3efbf5e2228p-54,
                                         0x1.db72fc1f0eab4p-55,
                                         0x1.c1a7792cb3387p-55,
                                         0x1.4a385a63d07a7p-56};
constexpr double kC[8] = {0x1.0000000000000p-1,  0x1.5555555555555p-3,  0x1.5555555555555p-5,
                          0x1.1111111111111p-7,  0x1.6c16c16c16c17p-10, 0x1.a01a01a01a01ap-13,
                          0x1.a01a01a01a01ap-16, 0x1.71de3a556c734p-19};  // 1/2! .. 1/9!

template <class To, class From>
To bits_as(From x) {
  static_assert(sizeof(To) == sizeof(From));
  To y;
  std::memcpy(&y, &x, sizeof y);
  return y;
}

#if GCATTN_DECAY_EXP_AVX512
// The scalar decay_exp below, eight lanes at a time, operation for operation.
__attribute__((target("avx512f"))) void decay_exp_avx512(const double* x, double* y,
                                                         std::size_t n) {
  const __m512d shift = _mm512_set1_pd(kShift), hi = _mm512_load_pd(kHi),
                tail = _mm512_load_pd(kTail);
  for (std::size_t i = 0; i < n; i += 8) {
    const __mmask8 m = n - i >= 8 ? __mmask8(0xff) : __mmask8((1u << (n - i)) - 1u);
    const __m512d v = _mm512_maskz_loadu_pd(m, x + i);
    const __m512d kd0 = _mm512_add_pd(_mm512_mul_pd(v, _mm512_set1_pd(kInvLn2N)), shift);
    const __m512i k = _mm512_sub_epi64(_mm512_castpd_si512(kd0), _mm512_castpd_si512(shift));
    const __m512d kd = _mm512_sub_pd(kd0, shift);
    const __m512d r = _mm512_sub_pd(_mm512_sub_pd(v, _mm512_mul_pd(kd, _mm512_set1_pd(kLn2HiN))),
                                    _mm512_mul_pd(kd, _mm512_set1_pd(kLn2LoN)));
    // vpermpd reads the low three bits of each lane of k: j = k & 7.
    const __m512d scale =
        _mm512_castsi512_pd(_mm512_add_epi64(_mm512_castpd_si512(_mm512_permutexvar_pd(k, hi)),
                                             _mm512_slli_epi64(_mm512_srai_epi64(k, 3), 52)));
    const __m512d r2 = _mm512_mul_pd(r, r);
    __m512d p = _mm512_set1_pd(kC[7]);
    for (int c = 6; c >= 0; --c) p = _mm512_add_pd(_mm512_set1_pd(kC[c]), _mm512_mul_pd(r, p));
    const __m512d t =
        _mm512_add_pd(_mm512_permutexvar_pd(k, tail), _mm512_add_pd(r, _mm512_mul_pd(r2, p)));
    _mm512_mask_storeu_pd(y + i, m, _mm512_add_pd(scale, _mm512_mul_pd(scale, t)));
    // Lanes beyond the range (or NaN) take std::exp, as the scalar function does: of the
    // arguments as loaded (y may be x).
    const __mmask8 in = _mm512_cmp_pd_mask(v, _mm512_set1_pd(-kRange), _CMP_GE_OQ) &
                        _mm512_cmp_pd_mask(v, _mm512_set1_pd(kRange), _CMP_LE_OQ);
    if (__mmask8 out = m & static_cast<__mmask8>(~in)) {
      alignas(64) double args[8];
      _mm512_store_pd(args, v);
      for (int b = 0; b < 8; ++b) {
        if (out & (1u << b)) y[i + b] = std::exp(args[b]);
      }
    }
  }
}
#endif

}  // namespace

double decay_exp(double x) {
  if (!(x >= -kRange && x <= kRange)) return std::exp(x);
  const double kd0 = x * kInvLn2N + kShift;
  const std::int64_t k = bits_as<std::int64_t>(kd0) - bits_as<std::int64_t>(kShift);
  const double kd = kd0 - kShift;
  const double r = (x - kd * kLn2HiN) - kd * kLn2LoN;
  const std::size_t j = static_cast<std::size_t>(k & 7);
  const double scale =
      bits_as<double>(bits_as<std::uint64_t>(kHi[j]) + (static_cast<std::uint64_t>(k >> 3) << 52));
  const double r2 = r * r;
  double p = kC[7];
  for (int c = 6; c >= 0; --c) p = kC[c] + r * p;
  const double t = kTail[j] + (r + r2 * p);
  return scale + scale * t;
}

void decay_exp_n(const double* x, double* y, std::size_t n) {
#if GCATTN_DECAY_EXP_AVX512
  if (cpu::avx512f()) {
    decay_exp_avx512(x, y, n);
    return;
  }
#endif
  for (std::size_t i = 0; i < n; ++i) y[i] = decay_exp(x[i]);
}

}  // namespace gcattn
