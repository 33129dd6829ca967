// The per-row converter loops of a head (query DACs, K/V write DACs: QueryDacBank, WriteDacBank),
// out of line so that they are compiled for AVX2 as well as the baseline (picked at load time, as
// the array reads in gain_cell_array.cpp), and in sixteen lanes for AVX-512 (picked at run time).
// They run on every step, also in timing-only mode, where they are most of the per-step work. A
// quantising DAC converts through the thresholds of its scaler's transfer (LevelThresholds, cached
// per scaler): each value's grid index is the number of thresholds at or below its key, eight
// values at a time; the codes (index - grid min) and fractions (step x index) are those
// WriteDac::volts / PulseWidthDac::fraction give for the same input.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <stdexcept>

#include "gcattn/numerics/converter_banks.h"
#include "gcattn/numerics/level_thresholds.h"

#include "cpu_features.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
// GCC 12 flags the intrinsics' own _mm512_undefined_* pass-through operands (a known false
// positive in avx512fintrin.h; as gain_cell_array.cpp).
#if !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#endif

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__ELF__)
#define GCATTN_CONVERTER_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define GCATTN_CONVERTER_CLONES
#endif

// Vector values only pass between inlined helpers of this file: the ABI note does not apply.
#pragma GCC diagnostic ignored "-Wpsabi"

namespace gcattn {
namespace {

typedef double v4d __attribute__((vector_size(32)));
typedef int v8i __attribute__((vector_size(32)));
typedef int v16i __attribute__((vector_size(64)));
typedef int v4i __attribute__((vector_size(16)));
typedef unsigned char v16u __attribute__((vector_size(16)));

// Lane 0 shuffled into every lane: a broadcast (an initializer list becomes eight inserts).
// __builtin_shufflevector: GCC >= 12 and Clang.
inline v8i splat8(std::int32_t x) {
  return __builtin_shufflevector(v8i{x}, v8i{}, 0, 0, 0, 0, 0, 0, 0, 0);
}
inline v4d splat(double x) {
  return v4d{x, x, x, x};
}

// The thresholds of one conversion in eight lanes (LevelThresholds::lane_keys: built once per
// scaler), padded to a multiple of four, so the compares unroll by four.
struct Broadcast {
  explicit Broadcast(const LevelThresholds& t)
      : padded(t.padded_steps()),
        flip(splat8(t.flip())),
        base(splat8(t.lowest() + padded)),
        keys(t.lane_keys()) {}
  int padded;
  v8i flip, base;
  const std::int32_t* keys;
  v8i key(int j) const {
    v8i k;
    std::memcpy(&k, keys + static_cast<std::ptrdiff_t>(j) * 8, sizeof k);
    return k;
  }
};

// Levels of eight floats: lowest + the number of thresholds at or below each flipped key
// (float_key, eight lanes), computed as lowest + padded - the number of thresholds above it (a
// true compare is -1; the padding thresholds are above every key).
inline v8i levels8(const float* raw, const Broadcast& t) {
  v8i b;
  std::memcpy(&b, raw, sizeof b);
  const v8i k = (b ^ ((b >> 31) & splat8(0x7FFFFFFF))) ^ t.flip;
  v8i n = t.base, m = splat8(0);
  for (int j = 0; j < t.padded; j += 4) {
    n += t.key(j) > k;
    m += t.key(j + 1) > k;
    n += t.key(j + 2) > k;
    m += t.key(j + 3) > k;
  }
  return n + m;
}

// The low byte of each lane (the codes are in [0, 255] on the grid), gathered by byte shuffles
// rather than eight extracts.
inline void store_codes(std::uint8_t* code, const v8i& c) {
  v16u lo, hi;
  std::memcpy(&lo, &c, sizeof lo);
  std::memcpy(&hi, reinterpret_cast<const unsigned char*>(&c) + sizeof lo, sizeof hi);
  const v16u bytes =
      __builtin_shufflevector(lo, hi, 0, 4, 8, 12, 16, 20, 24, 28, 0, 0, 0, 0, 0, 0, 0, 0);
  std::memcpy(code, &bytes, 8);
}
inline v4d low4(const v8i& v) {
  return __builtin_convertvector((v4i{v[0], v[1], v[2], v[3]}), v4d);
}
inline v4d high4(const v8i& v) {
  return __builtin_convertvector((v4i{v[4], v[5], v[6], v[7]}), v4d);
}

// code = i - grid_min for the grid index i of each row; returns sum |i|.
GCATTN_CONVERTER_CLONES
long code_rows(const float* raw, int n, const LevelThresholds& t, int grid_min,
               std::uint8_t* code) {
  const Broadcast bt(t);
  const v8i gmin = splat8(grid_min);
  v8i sum = splat8(0);
  int r = 0;
  for (; r + 8 <= n; r += 8) {
    const v8i i = levels8(raw + r, bt);
    store_codes(code + r, i - gmin);
    const v8i sign = i >> 31;
    sum += (i ^ sign) - sign;
  }
  long total = 0;
  for (int k = 0; k < 8; ++k) total += sum[k];
  for (; r < n; ++r) {
    const int i = t.level(raw[r]);
    code[r] = static_cast<std::uint8_t>(i - grid_min);
    total += i < 0 ? -i : i;
  }
  return total;
}

// frac = step * i for the grid index i of each row (unless frac is null); the largest and the
// non-zero ones.
GCATTN_CONVERTER_CLONES
QueryPulses pulse_rows(const float* raw, int n, const LevelThresholds& t, double step,
                       double* frac) {
  const Broadcast bt(t);
  const v8i zero = splat8(0);
  const v4d s4 = splat(step);
  v8i mx = zero, count = zero;
  int r = 0;
  for (; r + 8 <= n; r += 8) {
    const v8i i = levels8(raw + r, bt);
    if (frac) {
      const v4d f0 = s4 * low4(i), f1 = s4 * high4(i);
      std::memcpy(frac + r, &f0, sizeof f0);
      std::memcpy(frac + r + 4, &f1, sizeof f1);
    }
    mx = i > mx ? i : mx;
    count -= i > zero;
  }
  int top = 0, pulses = 0;
  for (int k = 0; k < 8; ++k) {
    top = mx[k] > top ? mx[k] : top;
    pulses += count[k];
  }
  for (; r < n; ++r) {
    const int i = t.level(raw[r]);
    if (frac) frac[r] = step * i;
    top = i > top ? i : top;
    pulses += i > 0;
  }
  // step > 0: the largest fraction is step times the largest index (the same product).
  return QueryPulses{step * top, pulses};
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
// The same loops in sixteen lanes for AVX-512 (one register per compare): the same compares,
// so the same levels, codes, sums and fractions. Picked at run time (the eight-lane loops above
// are what an AVX2 copy of sixteen-lane code would be, only slower as compiled).
#define GCATTN_CONVERTERS_AVX512 1
#define GCATTN_AVX512_INLINE inline __attribute__((always_inline, target("avx512f")))

GCATTN_AVX512_INLINE v16i splat16(std::int32_t x) {
  return __builtin_shufflevector(v16i{x}, v16i{}, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
}
// Levels of sixteen floats (levels8, sixteen lanes): threshold j from LevelThresholds::lane_keys.
GCATTN_AVX512_INLINE v16i levels16(const float* raw, const LevelThresholds& t, int padded,
                                   const v16i& flip, const v16i& base) {
  v16i b;
  std::memcpy(&b, raw, sizeof b);
  const v16i k = (b ^ ((b >> 31) & splat16(0x7FFFFFFF))) ^ flip;
  const std::int32_t* keys = t.lane_keys();  // threshold j in lanes [8 j, 8 j + 8)
  v16i n = base, m = splat16(0);
  for (int j = 0; j < padded; j += 4) {
    n += splat16(keys[8 * j]) > k;
    m += splat16(keys[8 * (j + 1)]) > k;
    n += splat16(keys[8 * (j + 2)]) > k;
    m += splat16(keys[8 * (j + 3)]) > k;
  }
  return n + m;
}

// The keys of sixteen floats (float_key, xor'ed with the thresholds' flip).
GCATTN_AVX512_INLINE __m512i flipped_keys(const float* raw, __m512i flip) {
  const __m512i b = _mm512_loadu_si512(raw);
  return _mm512_xor_si512(_mm512_xor_si512(b, _mm512_and_si512(_mm512_srai_epi32(b, 31),
                                                               _mm512_set1_epi32(0x7FFFFFFF))),
                          flip);
}

// The same levels for at most 15 thresholds (LevelThresholds::table16 in one register): the
// number c of thresholds at or below each key by a branchless binary search in R halvings (3 for
// up to 7 thresholds, 4 for up to 15), unrolled: the first halving compares against one
// broadcast threshold, the others permute the table by c. The thresholds are non-decreasing and
// the padding (INT32_MAX) lies above every finite float's key, so c is exactly the count the
// compares above give: the same levels.
struct Search16 {
  GCATTN_AVX512_INLINE explicit Search16(const LevelThresholds& t)
      : table(_mm512_loadu_si512(t.table16())),
        flip(_mm512_set1_epi32(t.flip())),
        lowest(_mm512_set1_epi32(t.lowest())) {}
  __m512i table, flip, lowest;
};

template <int R>
GCATTN_AVX512_INLINE __m512i levels16_search(const float* raw, const Search16& s) {
  const __m512i k = flipped_keys(raw, s.flip);
  constexpr int first = 1 << (R - 1);
  // c + step thresholds at or below k <=> threshold c + step - 1 is.
  const __m512i t0 = _mm512_permutexvar_epi32(_mm512_set1_epi32(first - 1), s.table);
  __m512i c = _mm512_maskz_mov_epi32(_mm512_cmple_epi32_mask(t0, k), _mm512_set1_epi32(first));
#pragma GCC unroll 4
  for (int step = first >> 1; step > 0; step >>= 1) {
    const __m512i at =
        _mm512_permutexvar_epi32(_mm512_add_epi32(c, _mm512_set1_epi32(step - 1)), s.table);
    c = _mm512_mask_add_epi32(c, _mm512_cmple_epi32_mask(at, k), c, _mm512_set1_epi32(step));
  }
  return _mm512_add_epi32(c, s.lowest);
}

// Levels of raw[r..r+16) by the search when the thresholds fit one register, else by the
// compares (levels16).
struct Levels16 {
  GCATTN_AVX512_INLINE explicit Levels16(const LevelThresholds& t)
      : th(t),
        s(t),
        padded(t.padded_steps()),
        flip(splat16(t.flip())),
        base(splat16(t.lowest() + padded)),
        rounds(t.steps() <= 7    ? 3
               : t.steps() <= 15 ? 4
                                 : 0) {}
  const LevelThresholds& th;
  Search16 s;
  int padded;
  v16i flip, base;
  int rounds;
};

// fn(r, levels) for each block of sixteen rows, the search's rounds fixed per loop.
template <class F>
GCATTN_AVX512_INLINE int for_levels16(const float* raw, int n, const Levels16& l, F& fn) {
  int r = 0;
  if (l.rounds == 3) {
    for (; r + 16 <= n; r += 16) fn(r, levels16_search<3>(raw + r, l.s));
  } else if (l.rounds == 4) {
    for (; r + 16 <= n; r += 16) fn(r, levels16_search<4>(raw + r, l.s));
  } else {
    for (; r + 16 <= n; r += 16) {
      const v16i i = levels16(raw + r, l.th, l.padded, l.flip, l.base);
      __m512i m;
      std::memcpy(&m, &i, sizeof m);
      fn(r, m);
    }
  }
  return r;
}

// The per-block work of the two loops below (functors: a lambda would not inherit the AVX-512
// target of its caller).
struct CodeBlock {
  std::uint8_t* code;
  __m512i gmin, sum;
  GCATTN_AVX512_INLINE void operator()(int at, __m512i i) {
    _mm512_mask_cvtepi32_storeu_epi8(code + at, 0xFFFF, _mm512_sub_epi32(i, gmin));  // low bytes
    sum = _mm512_add_epi32(sum, _mm512_abs_epi32(i));
  }
};
struct PulseBlock {
  double* frac;
  __m512d step;
  __m512i mx;
  int pulses;
  GCATTN_AVX512_INLINE void operator()(int at, __m512i i) {
    if (frac) {
      _mm512_storeu_pd(frac + at,
                       _mm512_mul_pd(step, _mm512_cvtepi32_pd(_mm512_castsi512_si256(i))));
      _mm512_storeu_pd(frac + at + 8,
                       _mm512_mul_pd(step, _mm512_cvtepi32_pd(_mm512_extracti64x4_epi64(i, 1))));
    }
    mx = _mm512_max_epi32(mx, i);
    pulses += __builtin_popcount(_mm512_cmpgt_epi32_mask(i, _mm512_setzero_si512()));
  }
};

__attribute__((target("avx512f"))) long code_rows_avx512(const float* raw, int n,
                                                         const LevelThresholds& t, int grid_min,
                                                         std::uint8_t* code) {
  CodeBlock blk{code, _mm512_set1_epi32(grid_min), _mm512_setzero_si512()};
  const int r = for_levels16(raw, n, Levels16(t), blk);
  long total = _mm512_reduce_add_epi32(blk.sum);
  for (int k = r; k < n; ++k) {
    const int i = t.level(raw[k]);
    code[k] = static_cast<std::uint8_t>(i - grid_min);
    total += i < 0 ? -i : i;
  }
  return total;
}

__attribute__((target("avx512f"))) QueryPulses pulse_rows_avx512(const float* raw, int n,
                                                                 const LevelThresholds& t,
                                                                 double step, double* frac) {
  PulseBlock blk{frac, _mm512_set1_pd(step), _mm512_setzero_si512(), 0};
  const int r = for_levels16(raw, n, Levels16(t), blk);
  int top = _mm512_reduce_max_epi32(blk.mx);  // mx starts at 0: top >= 0
  int pulses = blk.pulses;
  for (int k = r; k < n; ++k) {
    const int i = t.level(raw[k]);
    if (frac) frac[k] = step * i;
    top = i > top ? i : top;
    pulses += i > 0;
  }
  return QueryPulses{step * top, pulses};
}

// The statistics of timing-only steps (no levels, no codes), exact: a level is lowest plus the
// number of thresholds at or below the value's key (the thresholds sorted), so with no level
// below 0 the sum of levels is n x lowest plus, per threshold, the values at or above it, and
// with lowest 0, level > 0 <=> T_0 <= key. One compare per threshold and block of sixteen, no
// dependency chain (the search above needs three or four dependent rounds).

// sum |level| = sum level of raw[n] (at most 15 thresholds, lowest >= 0: the write DACs' grid
// starts at kv_dac.v_min_v >= 0 V).
__attribute__((target("avx512f"))) long sum_levels_avx512(const float* raw, int n,
                                                          const LevelThresholds& t) {
  const int steps = t.steps();
  const std::int32_t* keys = t.table16();  // steps <= 15: inline, complete
  const __m512i flip = _mm512_set1_epi32(t.flip()), one = _mm512_set1_epi32(1);
  // Four blocks at a time, each its own count: four short chains of dependent adds, not one.
  __m512i c0 = _mm512_setzero_si512(), c1 = c0, c2 = c0, c3 = c0;
  int r = 0;
  for (; r + 64 <= n; r += 64) {
    const __m512i k0 = flipped_keys(raw + r, flip), k1 = flipped_keys(raw + r + 16, flip);
    const __m512i k2 = flipped_keys(raw + r + 32, flip), k3 = flipped_keys(raw + r + 48, flip);
    for (int j = 0; j < steps; ++j) {
      const __m512i tj = _mm512_set1_epi32(keys[j]);
      c0 = _mm512_mask_add_epi32(c0, _mm512_cmple_epi32_mask(tj, k0), c0, one);
      c1 = _mm512_mask_add_epi32(c1, _mm512_cmple_epi32_mask(tj, k1), c1, one);
      c2 = _mm512_mask_add_epi32(c2, _mm512_cmple_epi32_mask(tj, k2), c2, one);
      c3 = _mm512_mask_add_epi32(c3, _mm512_cmple_epi32_mask(tj, k3), c3, one);
    }
  }
  for (; r + 16 <= n; r += 16) {
    const __m512i k = flipped_keys(raw + r, flip);
    for (int j = 0; j < steps; ++j)
      c0 = _mm512_mask_add_epi32(c0, _mm512_cmple_epi32_mask(_mm512_set1_epi32(keys[j]), k), c0,
                                 one);
  }
  const __m512i count = _mm512_add_epi32(_mm512_add_epi32(c0, c1), _mm512_add_epi32(c2, c3));
  long total = _mm512_reduce_add_epi32(count) + static_cast<long>(r) * t.lowest();
  for (; r < n; ++r) total += t.level(raw[r]);
  return total;
}

// The QueryPulses of raw[n] (1 to 15 thresholds, lowest level 0: the query DACs clamp to
// [0, 1]): the level of the largest key, the values at or above the first threshold (level 1).
__attribute__((target("avx512f"))) QueryPulses pulse_stats_avx512(const float* raw, int n,
                                                                  const LevelThresholds& t,
                                                                  double step) {
  const int steps = t.steps();
  const std::int32_t* keys = t.table16();  // steps <= 15: inline, complete
  const __m512i flip = _mm512_set1_epi32(t.flip()), first = _mm512_set1_epi32(keys[0]);
  __m512i kmax = _mm512_set1_epi32(INT32_MIN);
  int pulses = 0, r = 0;
  for (; r + 16 <= n; r += 16) {
    const __m512i k = flipped_keys(raw + r, flip);
    kmax = _mm512_max_epi32(kmax, k);
    pulses += __builtin_popcount(_mm512_cmple_epi32_mask(first, k));
  }
  int top = 0;
  if (r > 0) {
    const std::int32_t key = _mm512_reduce_max_epi32(kmax);
    int c = 0;
    while (c < steps && keys[c] <= key) ++c;
    top = c;
  }
  for (; r < n; ++r) {
    const int i = t.level(raw[r]);
    top = i > top ? i : top;
    pulses += i > 0;
  }
  return QueryPulses{step * top, pulses};
}
#endif

bool finite_scaler(const AffineScaler& s) {
  return std::isfinite(s.gain) && std::isfinite(s.offset);
}

}  // namespace

const LevelThresholds& WriteDacBank::thresholds(const AffineScaler& scaler) {
  if (!dac_.quantize())
    throw std::logic_error("WriteDacBank::convert_codes: the DAC does not quantise");
  if (!finite_scaler(scaler))
    throw std::invalid_argument("WriteDacBank::convert_codes: non-finite scaler");
  return cache_.get(scaler, [this](const AffineScaler& s) {
    return LevelThresholds(
        [this, &s](float x) {
          double index = 0.0;
          dac_.volts(s.apply(x), index);
          return static_cast<int>(index);
        },
        s.gain >= 0.0);
  });
}

double WriteDacBank::convert_codes(const float* raw, const AffineScaler& scaler,
                                   std::uint8_t* code) {
  const LevelThresholds& t = thresholds(scaler);
  // volts = step * index: sum |volts| = step * sum |index| (the sum exact in integers).
#if GCATTN_CONVERTERS_AVX512
  if (cpu::avx512f()) {
    return dac_.step_v() *
           static_cast<double>(code_rows_avx512(raw, rows_, t, dac_.grid_min_index(), code));
  }
#endif
  return dac_.step_v() * static_cast<double>(code_rows(raw, rows_, t, dac_.grid_min_index(), code));
}

double WriteDacBank::abs_volts(const float* raw, const AffineScaler& scaler) {
#if GCATTN_CONVERTERS_AVX512
  if (cpu::avx512f()) {
    const LevelThresholds& t = thresholds(scaler);
    if (t.steps() <= 15 && t.lowest() >= 0)
      return dac_.step_v() * static_cast<double>(sum_levels_avx512(raw, rows_, t));
  }
#endif
  codes_.resize(static_cast<std::size_t>(rows_));
  return convert_codes(raw, scaler, codes_.data());
}

QueryPulses QueryDacBank::convert(const float* q_raw, const AffineScaler& scaler, double* frac) {
  if (!dac_.quantize() || !finite_scaler(scaler)) {
    const PulseWidthDac dac = dac_;
    QueryPulses p;
    for (int r = 0; r < rows_; ++r) {
      const double f = dac.fraction(scaler.apply(q_raw[r]));
      if (frac) frac[r] = f;
      p.max_fraction = f > p.max_fraction ? f : p.max_fraction;
      p.count += f > 0.0;
    }
    return p;
  }
  const LevelThresholds& t = cache_.get(scaler, [this](const AffineScaler& s) {
    return LevelThresholds([this, &s](float x) { return static_cast<int>(dac_.index(s.apply(x))); },
                           s.gain >= 0.0);
  });
#if GCATTN_CONVERTERS_AVX512
  if (cpu::avx512f()) {
    if (!frac && t.steps() >= 1 && t.steps() <= 15 && t.lowest() == 0)
      return pulse_stats_avx512(q_raw, rows_, t, dac_.lsb());
    return pulse_rows_avx512(q_raw, rows_, t, dac_.lsb(), frac);
  }
#endif
  return pulse_rows(q_raw, rows_, t, dac_.lsb(), frac);
}

}  // namespace gcattn
