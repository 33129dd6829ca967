// The per-row converter loops of a head (query DACs, K/V write DACs), out of line so that they
// are compiled for AVX2 as well as the baseline (picked at load time, as the array reads in
// gain_cell_array.cpp). They run on every step, also in timing-only mode, where they are most of
// the per-step work. Element by element they do exactly what PulseWidthDac::fraction and
// WriteDac::volts do (scaler, clamp, x / step rounded half to even, times step), four lanes at a
// time; x / step is decided as in UniformQuantizer::rounded (see rounded4).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "gcattn/numerics/quantizer.h"
#include "gcattn/systemc/query_dac.h"
#include "gcattn/systemc/write_driver.h"

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__ELF__)
#define GCATTN_CONVERTER_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define GCATTN_CONVERTER_CLONES
#endif

// v4d values only pass between inlined helpers of this file: the ABI note does not apply.
#pragma GCC diagnostic ignored "-Wpsabi"

namespace gcattn::sc {
namespace {

// GCC vector types (as the array reads): the compiler does not if-convert the clamps and the
// rounding select of a scalar loop (floating-point compares may trap), so the four lanes are
// written out. Every lane does the scalar operations of round_half_even, clamp and the scaler.
typedef double v4d __attribute__((vector_size(32)));
typedef long long v4l __attribute__((vector_size(32)));

typedef float v4f __attribute__((vector_size(16)));
typedef int v4i __attribute__((vector_size(16)));
typedef unsigned char v16u __attribute__((vector_size(16)));

inline v4d load4(const float* p) {  // four floats widened to double (exact)
  v4f f;
  std::memcpy(&f, p, sizeof f);
  return __builtin_convertvector(f, v4d);
}
inline void store4(double* p, const v4d& v) { std::memcpy(p, &v, sizeof v); }
inline v4d splat(double x) { return v4d{x, x, x, x}; }
inline v4l bits(const v4d& x) {
  v4l b;
  std::memcpy(&b, &x, sizeof b);
  return b;
}
inline v4d from_bits(const v4l& b) {
  v4d x;
  std::memcpy(&x, &b, sizeof x);
  return x;
}
// clamp(x, lo, hi) = min(max(x, lo), hi) with std::max / std::min semantics.
inline v4d clamp4(const v4d& x, const v4d& lo, const v4d& hi) {
  const v4d m = x < lo ? lo : x;  // std::max(x, lo): x unless x < lo
  return hi < m ? hi : m;         // std::min(m, hi): m unless hi < m
}
// round_half_even of quantizer.h, lane by lane.
inline v4d round_half_even4(const v4d& x) {
  const v4l sign = bits(splat(-0.0));
  const v4d two52 = splat(4503599627370496.0);
  const v4d a = from_bits(bits(x) & ~sign);
  const v4d r = from_bits(bits((a + two52) - two52) | (bits(x) & sign));
  return a < two52 ? r : x;
}

// round_half_even(c / step) without the division: as UniformQuantizer::rounded, c * (1 / step)
// lies within a few ulp of the quotient, so it rounds to the same integer unless the quotient is
// next to a tie (or huge, or NaN). Such lanes are flagged in `near`; the caller then redoes the
// whole loop with true divisions (rare: never on the synthetic or GPT-2 traces' grids).
inline v4d rounded4(const v4d& c, const v4d& inv_step, v4l& near) {
  const v4l abs_mask = ~bits(splat(-0.0));
  const v4d q = c * inv_step;
  const v4d r = round_half_even4(q);
  const v4d aq = from_bits(bits(q) & abs_mask);
  const v4d d = from_bits(bits(from_bits(bits(q - r) & abs_mask) - splat(0.5)) & abs_mask);
  near |= ~((aq < splat(1e6)) & (d > splat(1e-6)));  // NaN compares false: flagged
  return r;
}
inline bool any(const v4l& m) { return ((m[0] | m[1]) | (m[2] | m[3])) != 0; }

inline v4d abs4(const v4d& x) { return from_bits(bits(x) & ~bits(splat(-0.0))); }
inline double hsum(const v4d& v) { return (v[0] + v[1]) + (v[2] + v[3]); }
// Lanes that are > 0 count 1 each (compare masks are -1).
inline v4l positive(const v4d& x) { return -(x > splat(0.0)); }
// The four lanes' grid codes i - grid_min (integral and in [0, 255] on the grid): the low byte
// of each 32-bit lane, gathered by one byte shuffle (pshufb) rather than four extracts.
inline void store_codes(std::uint8_t* code, const v4d& i, const v4d& grid_min) {
  const v4i c = __builtin_convertvector(i - grid_min, v4i);
  v16u b;
  std::memcpy(&b, &c, sizeof b);
  const v16u low = __builtin_shuffle(b, v16u{0, 4, 8, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
  std::memcpy(code, &low, 4);
}

// volts = step * i and code = i - grid_min with i = round_half_even(clamp(gain * raw + offset,
// lo, hi) / step); returns sum |volts| (four lanes r mod 4, then the tail rows).
GCATTN_CONVERTER_CLONES
double quantise_rows(const float* raw, int n, double gain, double offset, double lo, double hi,
                     double step, double grid_min, double* volts, std::uint8_t* code) {
  const v4d g4 = splat(gain), o4 = splat(offset), lo4 = splat(lo), hi4 = splat(hi),
            s4 = splat(step), inv4 = splat(1.0 / step), m4 = splat(grid_min);
  v4l near = {0, 0, 0, 0};
  v4d sum = splat(0.0);
  int r = 0;
  for (; r + 4 <= n; r += 4) {
    const v4d i = rounded4(clamp4(g4 * load4(raw + r) + o4, lo4, hi4), inv4, near);
    const v4d v = s4 * i;
    store4(volts + r, v);
    store_codes(code + r, i, m4);
    sum += abs4(v);
  }
  if (any(near)) {  // a quotient next to a tie: the reference division decides
    sum = splat(0.0);
    for (r = 0; r + 4 <= n; r += 4) {
      const v4d i = round_half_even4(clamp4(g4 * load4(raw + r) + o4, lo4, hi4) / s4);
      const v4d v = s4 * i;
      store4(volts + r, v);
      store_codes(code + r, i, m4);
      sum += abs4(v);
    }
  }
  double total = hsum(sum);
  for (; r < n; ++r) {
    const double x = gain * static_cast<double>(raw[r]) + offset;
    const double i = round_half_even(clamp(x, lo, hi) / step);
    volts[r] = step * i;
    code[r] = static_cast<std::uint8_t>(static_cast<int>(i - grid_min));
    total += std::fabs(volts[r]);
  }
  return total;
}

// frac = step * round_half_even(clamp(gain * raw + offset, 0, 1) / step); returns the largest
// and the number of non-zero fractions.
GCATTN_CONVERTER_CLONES
QueryDacs::Pulses quantise_fractions(const float* raw, int n, double gain, double offset,
                                     double step, double* frac) {
  const v4d g4 = splat(gain), o4 = splat(offset), zero = splat(0.0), one = splat(1.0),
            s4 = splat(step), inv4 = splat(1.0 / step);
  v4l near = {0, 0, 0, 0};
  v4d mx = zero;
  v4l count = {0, 0, 0, 0};
  int r = 0;
  for (; r + 4 <= n; r += 4) {
    const v4d f = s4 * rounded4(clamp4(g4 * load4(raw + r) + o4, zero, one), inv4, near);
    store4(frac + r, f);
    mx = f > mx ? f : mx;
    count += positive(f);
  }
  if (any(near)) {
    mx = zero;
    count = v4l{0, 0, 0, 0};
    for (r = 0; r + 4 <= n; r += 4) {
      const v4d f = s4 * round_half_even4(clamp4(g4 * load4(raw + r) + o4, zero, one) / s4);
      store4(frac + r, f);
      mx = f > mx ? f : mx;
      count += positive(f);
    }
  }
  QueryDacs::Pulses p;
  p.max_fraction = std::max(std::max(mx[0], mx[1]), std::max(mx[2], mx[3]));
  p.count = static_cast<int>((count[0] + count[1]) + (count[2] + count[3]));
  for (; r < n; ++r) {
    const double x = gain * static_cast<double>(raw[r]) + offset;
    frac[r] = step * round_half_even(clamp(x, 0.0, 1.0) / step);
    p.max_fraction = frac[r] > p.max_fraction ? frac[r] : p.max_fraction;
    p.count += frac[r] > 0.0;
  }
  return p;
}

}  // namespace

double WriteDriver::convert(const float* raw, const AffineScaler& scaler, double* volts,
                           std::uint8_t* code) const {
  if (!dac_.quantize()) {  // no grid: the arrays store the voltages
    const WriteDac dac = dac_;
    double sum = 0.0;
    for (int r = 0; r < rows_; ++r) {
      volts[r] = dac.volts(scaler.apply(raw[r]));
      code[r] = 0;
      sum += std::fabs(volts[r]);
    }
    return sum;
  }
  return quantise_rows(raw, rows_, scaler.gain, scaler.offset, dac_.v_min(), dac_.v_max(),
                       dac_.step_v(), dac_.grid_min_index(), volts, code);
}

QueryDacs::Pulses QueryDacs::convert(const float* q_raw, const AffineScaler& scaler,
                                     double* frac) const {
  if (!dac_.quantize()) {
    const PulseWidthDac dac = dac_;
    Pulses p;
    for (int r = 0; r < rows_; ++r) {
      frac[r] = dac.fraction(scaler.apply(q_raw[r]));
      p.max_fraction = frac[r] > p.max_fraction ? frac[r] : p.max_fraction;
      p.count += frac[r] > 0.0;
    }
    return p;
  }
  return quantise_fractions(q_raw, rows_, scaler.gain, scaler.offset, dac_.lsb(), frac);
}

}  // namespace gcattn::sc
