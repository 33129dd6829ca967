// The varied path of GainCellArrayModel (set_nonideality): every cell's current on its own, with
// its static gain, offset and retention, the noise of its latest write and a fresh read noise.
// The nominal path (gain_cell_array.cpp) is untouched: an array without variation never gets here.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <vector>

#include "gcattn/numerics/gain_cell_array.h"
#include "vec4d.h"

// v4d values only pass between helpers of this file: the ABI note does not apply (GCC reports it
// at the end of the translation unit, hence no push/pop).
#pragma GCC diagnostic ignored "-Wpsabi"

namespace gcattn {

void GainCellArrayModel::set_nonideality(const Nonideality& n, const Site& site, Unit unit) {
  var_ = Variation{};
  var_.gain_sigma = n.cell_gain_sigma;
  var_.offset_sigma_v = n.cell_offset_sigma_v;
  var_.tau_sigma = n.tau_sigma;
  var_.read_sigma = n.read_sigma;
  var_.write_sigma_v = n.write_sigma_v;
  var_.gain_key = unit_key(n.variation_seed, Stream::CellGain, site, unit);
  var_.offset_key = unit_key(n.variation_seed, Stream::CellOffset, site, unit);
  var_.tau_key = unit_key(n.variation_seed, Stream::CellTau, site, unit);
  var_.read_key = unit_key(n.noise_seed, Stream::ReadNoise, site, unit);
  var_.write_key = unit_key(n.noise_seed, Stream::WriteNoise, site, unit);
  varied_ = n.arrays();
}

namespace {

// The per-cell values of a parameter without spread (gain 1, offset 0, decay-rate factor 1, no
// write noise), shared by every column: an array keeps tables only for what varies, so a read
// streams only those (array.rows <= 4096).
const float* ones() {
  static const std::vector<float> v(4096, 1.0f);
  return v.data();
}
const float* zeros() {
  static const std::vector<float> v(4096, 0.0f);
  return v.data();
}

}  // namespace

void GainCellArrayModel::vary_column(int col, std::int64_t token) {
  if (!var_.sampled) {  // first write: sample the static variation of every cell
    var_.sampled = true;
    const std::size_t n = static_cast<std::size_t>(rows_) * static_cast<std::size_t>(cols_);
    if (var_.gain_sigma > 0.0) {
      gain_.resize(n);
      for (std::size_t i = 0; i < n; ++i)
        gain_[i] = static_cast<float>(1.0 + var_.gain_sigma * normal(mix_key(var_.gain_key, i)));
    }
    if (var_.offset_sigma_v > 0.0) {
      offset_.resize(n);
      for (std::size_t i = 0; i < n; ++i)
        offset_[i] = static_cast<float>(var_.offset_sigma_v * normal(mix_key(var_.offset_key, i)));
    }
    if (var_.tau_sigma >
        0.0) {  // tau_cell = tau * exp(sigma z): the exponent scales by exp(-sigma z)
      rate_.resize(n);
      for (std::size_t i = 0; i < n; ++i)
        rate_[i] = static_cast<float>(std::exp(-var_.tau_sigma * normal(mix_key(var_.tau_key, i))));
    }
    if (var_.write_sigma_v > 0.0) write_noise_.assign(n, 0.0f);
  }
  if (var_.write_sigma_v > 0.0) {
    const std::uint64_t ev = mix_key(var_.write_key, static_cast<std::uint64_t>(token));
    float* wn = &write_noise_[idx(col, 0)];
    for (int r = 0; r < rows_; ++r)
      wn[r] = static_cast<float>(var_.write_sigma_v *
                                 normal(mix_key(ev, static_cast<std::uint64_t>(r))));
  }
}

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__ELF__)
#define GCATTN_VARIED_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define GCATTN_VARIED_CLONES
#endif
// The helpers below are inlined into each clone (a v4d passed between non-inlined functions
// would change with the clone's ABI).
#define GCATTN_INLINE inline __attribute__((always_inline))

namespace {

using vec4d::abs4;
using vec4d::hsum;
using vec4d::load4;
using vec4d::store4;
using vec4d::v4d;
using vec4d::v4l;

// exp(x) for x <= 0 in four lanes, to about 1e-16 relative (a per-cell decay needs one per cell
// and read; libm's is scalar). Plain IEEE operations in a fixed order: the same on every CPU.
// x = (32 n + j) ln2 / 32 + r with |r| <= ln2 / 64: exp(x) = 2^n 2^(j/32) exp(r), exp(r) by its
// Taylor series to r^6, 2^(j/32) from a table (correctly rounded), 2^n by the exponent bits.
constexpr double kExp2Table[32] = {
    0x1.0000000000000p+0, 0x1.059b0d3158574p+0, 0x1.0b5586cf9890fp+0, 0x1.11301d0125b51p+0,
    0x1.172b83c7d517bp+0, 0x1.1d4873168b9aap+0, 0x1.2387a6e756238p+0, 0x1.29e9df51fdee1p+0,
    0x1.306fe0a31b715p+0, 0x1.371a7373aa9cbp+0, 0x1.3dea64c123422p+0, 0x1.44e086061892dp+0,
    0x1.4bfdad5362a27p+0, 0x1.5342b569d4f82p+0, 0x1.5ab07dd485429p+0, 0x1.6247eb03a5585p+0,
    0x1.6a09e667f3bcdp+0, 0x1.71f75e8ec5f74p+0, 0x1.7a11473eb0187p+0, 0x1.82589994cce13p+0,
    0x1.8ace5422aa0dbp+0, 0x1.93737b0cdc5e5p+0, 0x1.9c49182a3f090p+0, 0x1.a5503b23e255dp+0,
    0x1.ae89f995ad3adp+0, 0x1.b7f76f2fb5e47p+0, 0x1.c199bdd85529cp+0, 0x1.cb720dcef9069p+0,
    0x1.d5818dcfba487p+0, 0x1.dfc97337b9b5fp+0, 0x1.ea4afa2a490dap+0, 0x1.f50765b6e4540p+0};

GCATTN_INLINE v4d exp4(v4d x) {
  const v4d lo = {-700.0, -700.0, -700.0, -700.0};
  x = x < lo ? lo : x;  // below: exp < 1e-304, as good as 0 for a decay
  const v4d shift = {0x1.8p52, 0x1.8p52, 0x1.8p52, 0x1.8p52};
  const v4d t = x * 46.16624130844683 + shift;  // m = round(32 x / ln2) in the low mantissa bits
  const v4d m = t - shift;
  // ln2 / 32 in two parts, the first with 20 trailing zero bits: m * hi is exact.
  const v4d r = (x - m * 0.021660849390173098) - m * 2.325192846878874e-12;
  const v4d p =
      1.0 + r * (1.0 + r * (0.5 + r * (1.0 / 6.0 +
                                       r * (1.0 / 24.0 + r * (1.0 / 120.0 + r * (1.0 / 720.0))))));
  v4l mi;
  std::memcpy(&mi, &t, sizeof mi);
  mi -= v4l{0x4338000000000000LL, 0x4338000000000000LL, 0x4338000000000000LL,
            0x4338000000000000LL};         // t's bits minus shift's: m (two's complement)
  const v4l e = ((mi >> 5) + 1023) << 52;  // 2^n, n = floor(m / 32)
  v4d scale;
  std::memcpy(&scale, &e, sizeof scale);
  const v4d table = {kExp2Table[mi[0] & 31], kExp2Table[mi[1] & 31], kExp2Table[mi[2] & 31],
                     kExp2Table[mi[3] & 31]};
  return (table * p) * scale;
}

}  // namespace

// What the current of each cell of one column at one read depends on (one read of one column).
struct detail::VariedColumn {
  const double* level_u;  // grid-coded cells: deviation per level, indexed by code
  const std::uint8_t* code;
  const double* u;  // dense cells
  const float *gain, *offset, *rate, *write_noise;
  std::array<double, 4> k;  // the nominal cell's cubic
  double delta, log_delta;
  bool spread;  // tau spread with leakage: a decay per cell
  double read_sigma;
  std::uint32_t read_event;
};

namespace {

GCATTN_INLINE v4d cvt4(const float* p) {
  return v4d{p[0], p[1], p[2], p[3]};
}

// The currents of rows r..r+3 of a column, one fused pass (the cells' tables are read once).
template <bool kCoded, bool kSpread, bool kNoise>
GCATTN_INLINE v4d currents4(const detail::VariedColumn& cc, int r, int row_index) {
  v4d u;
  if (kCoded) {
    const std::uint8_t* code = cc.code + r;
    u = v4d{cc.level_u[code[0]], cc.level_u[code[1]], cc.level_u[code[2]], cc.level_u[code[3]]};
  } else {
    u = load4(cc.u + r);
  }
  u += cvt4(cc.write_noise + r);
  const v4d d = kSpread ? exp4(cc.log_delta * cvt4(cc.rate + r))
                        : v4d{cc.delta, cc.delta, cc.delta, cc.delta};
  const v4d w = d * u + cvt4(cc.offset + r);
  v4d i = cvt4(cc.gain + r) * (cc.k[0] + w * (cc.k[1] + w * (cc.k[2] + w * cc.k[3])));
  if (kNoise) {
    const double* table = normal_table();
    // One hash per two cells (rows 2k and 2k + 1 take its top and middle 12 bits).
    const std::uint32_t h0 =
        hash32(cc.read_event + static_cast<std::uint32_t>(row_index) * 0x9E3779B9U);
    const std::uint32_t h1 =
        hash32(cc.read_event + static_cast<std::uint32_t>(row_index + 2) * 0x9E3779B9U);
    constexpr std::uint32_t kMask = (1U << kNoiseBits) - 1;
    const v4d n = {table[h0 >> (32 - kNoiseBits)], table[(h0 >> 8) & kMask],
                   table[h1 >> (32 - kNoiseBits)], table[(h1 >> 8) & kMask]};
    i *= 1.0 + cc.read_sigma * n;
  }
  return i;
}

// Calls f(r, currents of rows r..r+3) over the column's rows; a tail of fewer than four rows is
// padded with copies of the last row (computed as the others, then dropped by f's caller).
template <bool kCoded, bool kSpread, bool kNoise, class F>
GCATTN_INLINE void for_currents(const detail::VariedColumn& cc, int rows, F f) {
  int r = 0;
  for (; r + 4 <= rows; r += 4) f(r, currents4<kCoded, kSpread, kNoise>(cc, r, r));
  if (r == rows) return;
  std::uint8_t code[4];
  double u[4];
  float gain[4], offset[4], rate[4], wn[4];
  for (int j = 0; j < 4; ++j) {
    const int k = std::min(r + j, rows - 1);
    if (kCoded)
      code[j] = cc.code[k];
    else
      u[j] = cc.u[k];
    gain[j] = cc.gain[k];
    offset[j] = cc.offset[k];
    rate[j] = cc.rate[k];
    wn[j] = cc.write_noise[k];
  }
  detail::VariedColumn tail = cc;
  tail.code = code;
  tail.u = u;
  tail.gain = gain;
  tail.offset = offset;
  tail.rate = rate;
  tail.write_noise = wn;
  f(r, currents4<kCoded, kSpread, kNoise>(tail, 0, r));
}

// Row read of one column: sum_r in[r] * I_r (four lanes, then the tail rows in order) and the
// activity sum |in * I|.
template <bool kCoded, bool kSpread, bool kNoise>
GCATTN_VARIED_CLONES double column_rows(const detail::VariedColumn& cc, const double* in, int rows,
                                        double& activity) {
  v4d p = {0, 0, 0, 0}, a = p;
  double tail = 0.0, tail_act = 0.0;
  for_currents<kCoded, kSpread, kNoise>(cc, rows, [&](int r, const v4d& i) {
    if (r + 4 <= rows) {
      const v4d x = load4(in + r) * i;
      p += x;
      a += abs4(x);
    } else {
      for (int j = 0; r + j < rows; ++j) {
        const double x = in[r + j] * i[j];
        tail += x;
        tail_act += std::fabs(x);
      }
    }
  });
  activity += hsum(a) + tail_act;
  return hsum(p) + tail;
}

// Column read of one column: out[r] += x * I_r; returns the activity sum |x * I|.
template <bool kCoded, bool kSpread, bool kNoise>
GCATTN_VARIED_CLONES double column_cols(const detail::VariedColumn& cc, double x, int rows,
                                        double* out) {
  v4d a = {0, 0, 0, 0};
  double tail_act = 0.0;
  for_currents<kCoded, kSpread, kNoise>(cc, rows, [&](int r, const v4d& i) {
    if (r + 4 <= rows) {
      const v4d y = x * i;
      store4(out + r, load4(out + r) + y);
      a += abs4(y);
    } else {
      for (int j = 0; r + j < rows; ++j) {
        const double y = x * i[j];
        out[r + j] += y;
        tail_act += std::fabs(y);
      }
    }
  });
  return hsum(a) + tail_act;
}

struct RowsVisit {
  const detail::VariedColumn& cc;
  const double* in;
  int rows;
  double& activity;
  template <bool A, bool B, bool C>
  double run() const {
    return column_rows<A, B, C>(cc, in, rows, activity);
  }
};
struct ColsVisit {
  const detail::VariedColumn& cc;
  double x;
  int rows;
  double* out;
  template <bool A, bool B, bool C>
  double run() const {
    return column_cols<A, B, C>(cc, x, rows, out);
  }
};

// The kernel variant of a column (coded or dense cells, per-cell decay, read noise).
template <class Visit>
auto dispatch(const detail::VariedColumn& cc, Visit v) {
  const bool noise = cc.read_sigma > 0.0;
  if (cc.code) {
    if (cc.spread)
      return noise ? v.template run<true, true, true>() : v.template run<true, true, false>();
    return noise ? v.template run<true, false, true>() : v.template run<true, false, false>();
  }
  if (cc.spread)
    return noise ? v.template run<false, true, true>() : v.template run<false, true, false>();
  return noise ? v.template run<false, false, true>() : v.template run<false, false, false>();
}

}  // namespace

detail::VariedColumn GainCellArrayModel::column_cells(int c, double now_s,
                                                      std::int64_t now_token) const {
  const std::size_t base = idx(c, 0);
  const double el = now_s - t_write_s_[c];
  const std::int64_t age = now_token - token_[c];
  // Read noise: one event per (array, read token, column), one draw per cell of it.
  const auto event = static_cast<std::uint32_t>(
      mix_key(mix_key(var_.read_key, static_cast<std::uint64_t>(now_token)),
              static_cast<std::uint64_t>(c)));
  return detail::VariedColumn{level_u_.data(),
                              coded_ ? &code_[base] : nullptr,
                              coded_ ? nullptr : &u_[base],
                              gain_.empty() ? ones() : &gain_[base],
                              offset_.empty() ? zeros() : &offset_[base],
                              rate_.empty() ? ones() : &rate_[base],
                              write_noise_.empty() ? zeros() : &write_noise_[base],
                              cell_.coefficients(),
                              leakage_.factor(el, age),
                              leakage_.log_factor(el, age),
                              var_.tau_sigma > 0.0 && leakage_.mode() != LeakageMode::Off,
                              var_.read_sigma,
                              event};
}

double GainCellArrayModel::read_rows_varied(const double* in_rows, double now_s,
                                            std::int64_t now_token, double* out_cols) const {
  double activity = 0.0;
  for (int c = 0; c < cols_; ++c) {
    if (!valid_[c]) {
      out_cols[c] = 0.0;
      continue;
    }
    const detail::VariedColumn cells = column_cells(c, now_s, now_token);
    out_cols[c] = dispatch(cells, RowsVisit{cells, in_rows, rows_, activity});
  }
  return activity;
}

double GainCellArrayModel::read_cols_varied(const double* in_cols, double now_s,
                                            std::int64_t now_token, double* out_rows) const {
  std::fill(out_rows, out_rows + rows_, 0.0);
  double activity = 0.0;
  for (int c = 0; c < cols_; ++c) {
    const double x = in_cols[c];
    if (!valid_[c] || x == 0.0) continue;
    const detail::VariedColumn cells = column_cells(c, now_s, now_token);
    activity += dispatch(cells, ColsVisit{cells, x, rows_, out_rows});
  }
  return activity;
}

}  // namespace gcattn
