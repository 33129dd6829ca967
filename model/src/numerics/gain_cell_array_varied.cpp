// The varied path of GainCellArrayModel (set_nonideality): every cell's current on its own, with
// its static gain, offset and retention, the noise of its latest write and a fresh read noise.
// The nominal path (gain_cell_array.cpp) is untouched: an array without variation never gets here.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>

#include "gcattn/numerics/gain_cell_array.h"

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

void GainCellArrayModel::vary_column(int col, std::int64_t token) {
  if (gain_.empty()) {  // first write: sample the static variation of every cell
    const std::size_t n = static_cast<std::size_t>(rows_) * static_cast<std::size_t>(cols_);
    gain_.resize(n);
    offset_.resize(n);
    rate_.resize(n);
    write_noise_.assign(n, 0.0f);
    for (std::size_t i = 0; i < n; ++i) {
      gain_[i] = static_cast<float>(
          var_.gain_sigma > 0.0 ? 1.0 + var_.gain_sigma * normal(mix_key(var_.gain_key, i)) : 1.0);
      offset_[i] = static_cast<float>(
          var_.offset_sigma_v > 0.0 ? var_.offset_sigma_v * normal(mix_key(var_.offset_key, i))
                                    : 0.0);
      // tau_cell = tau * exp(sigma z): the decay exponent scales by exp(-sigma z).
      rate_[i] = static_cast<float>(
          var_.tau_sigma > 0.0 ? std::exp(-var_.tau_sigma * normal(mix_key(var_.tau_key, i)))
                               : 1.0);
    }
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
#pragma GCC diagnostic ignored "-Wpsabi"  // vector values only pass between inlined helpers

namespace {

typedef double v4d __attribute__((vector_size(32)));
typedef long long v4l __attribute__((vector_size(32)));

inline v4d load4(const double* p) {
  v4d v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void store4(double* p, const v4d& v) {
  std::memcpy(p, &v, sizeof v);
}
inline v4d abs4(const v4d& x) {
  v4l b;
  std::memcpy(&b, &x, sizeof b);
  b &= v4l{0x7fffffffffffffffLL, 0x7fffffffffffffffLL, 0x7fffffffffffffffLL, 0x7fffffffffffffffLL};
  v4d y;
  std::memcpy(&y, &b, sizeof y);
  return y;
}
inline double hsum(const v4d& v) {
  return (v[0] + v[1]) + (v[2] + v[3]);
}

// exp(x) for x <= 0 in four lanes, to about 1e-15 relative (a per-cell decay needs one per cell
// and read; libm's is scalar). Plain IEEE operations in a fixed order: the same on every CPU.
// x = n ln2 + r, |r| <= ln2 / 2; exp(r) by its Taylor series to r^13; 2^n by the exponent bits.
inline v4d exp4(v4d x) {
  const v4d lo = {-700.0, -700.0, -700.0, -700.0};
  x = x < lo ? lo : x;  // below: exp < 1e-304, as good as 0 for a decay
  const v4d shift = {0x1.8p52, 0x1.8p52, 0x1.8p52, 0x1.8p52};
  const v4d t = x * 1.4426950408889634 + shift;  // round(x / ln2) in the low mantissa bits
  const v4d n = t - shift;
  const v4d r = (x - n * 0.6931471805598903) - n * 5.497923018708371e-14;
  constexpr double c13 = 1.0 / 6227020800.0;
  v4d p = {c13, c13, c13, c13};
  for (const double c :
       {1.0 / 479001600.0, 1.0 / 39916800.0, 1.0 / 3628800.0, 1.0 / 362880.0, 1.0 / 40320.0,
        1.0 / 5040.0, 1.0 / 720.0, 1.0 / 120.0, 1.0 / 24.0, 1.0 / 6.0, 0.5, 1.0, 1.0})
    p = p * r + c;
  v4l bits;
  std::memcpy(&bits, &t, sizeof bits);
  bits =
      (bits -
       v4l{0x4338000000000000LL, 0x4338000000000000LL, 0x4338000000000000LL, 0x4338000000000000LL} +
       1023)
      << 52;  // t's bits minus shift's are n (two's complement): 2^n
  v4d scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return p * scale;
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

// Rows per block: the scratch lives on the stack (SystemC threads have small stacks).
constexpr int kBlock = 64;

// Currents of rows [r0, r0 + n) of a column, n <= kBlock, in stages that vectorise.
GCATTN_VARIED_CLONES
void block_currents(const detail::VariedColumn& cc, int r0, int n, double* cur) {
  const float* wn = cc.write_noise + r0;
  if (cc.code) {
    const std::uint8_t* code = cc.code + r0;
    for (int r = 0; r < n; ++r) cur[r] = cc.level_u[code[r]] + wn[r];
  } else {
    for (int r = 0; r < n; ++r) cur[r] = cc.u[r0 + r] + wn[r];
  }
  const float* off = cc.offset + r0;
  if (cc.spread) {
    const float* rate = cc.rate + r0;
    int r = 0;
    for (; r + 4 <= n; r += 4) {
      const v4d e = cc.log_delta * v4d{rate[r], rate[r + 1], rate[r + 2], rate[r + 3]};
      const v4d y = exp4(e) * load4(cur + r) + v4d{off[r], off[r + 1], off[r + 2], off[r + 3]};
      store4(cur + r, y);
    }
    for (; r < n; ++r) {
      const v4d e = exp4(v4d{cc.log_delta * rate[r], 0.0, 0.0, 0.0});
      cur[r] = e[0] * cur[r] + off[r];
    }
  } else {
    for (int r = 0; r < n; ++r) cur[r] = cc.delta * cur[r] + off[r];
  }
  const float* gain = cc.gain + r0;
  const double k0 = cc.k[0], k1 = cc.k[1], k2 = cc.k[2], k3 = cc.k[3];
  for (int r = 0; r < n; ++r) {
    const double w = cur[r];
    cur[r] = gain[r] * (k0 + w * (k1 + w * (k2 + w * k3)));
  }
  if (cc.read_sigma > 0.0) {
    const double* table = normal_table();
    std::uint32_t idx[kBlock];
    for (int r = 0; r < n; ++r)
      idx[r] = hash32(cc.read_event + static_cast<std::uint32_t>(r0 + r) * 0x9E3779B9U) >>
               (32 - kNoiseBits);
    for (int r = 0; r < n; ++r) cur[r] *= 1.0 + cc.read_sigma * table[idx[r]];
  }
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
                              &gain_[base],
                              &offset_[base],
                              &rate_[base],
                              &write_noise_[base],
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
  double cur[kBlock];
  for (int c = 0; c < cols_; ++c) {
    if (!valid_[c]) {
      out_cols[c] = 0.0;
      continue;
    }
    const detail::VariedColumn cells = column_cells(c, now_s, now_token);
    v4d p = {0, 0, 0, 0}, a = p;
    double acc = 0.0, act = 0.0;
    for (int r0 = 0; r0 < rows_; r0 += kBlock) {
      const int n = std::min(kBlock, rows_ - r0);
      block_currents(cells, r0, n, cur);
      int r = 0;
      for (; r + 4 <= n; r += 4) {
        const v4d x = load4(in_rows + r0 + r) * load4(cur + r);
        p += x;
        a += abs4(x);
      }
      for (; r < n; ++r) {
        const double x = in_rows[r0 + r] * cur[r];
        acc += x;
        act += std::fabs(x);
      }
    }
    out_cols[c] = hsum(p) + acc;
    activity += hsum(a) + act;
  }
  return activity;
}

double GainCellArrayModel::read_cols_varied(const double* in_cols, double now_s,
                                            std::int64_t now_token, double* out_rows) const {
  std::fill(out_rows, out_rows + rows_, 0.0);
  v4d a = {0, 0, 0, 0};
  double act = 0.0;
  double cur[kBlock];
  for (int c = 0; c < cols_; ++c) {
    const double x = in_cols[c];
    if (!valid_[c] || x == 0.0) continue;
    const detail::VariedColumn cells = column_cells(c, now_s, now_token);
    for (int r0 = 0; r0 < rows_; r0 += kBlock) {
      const int n = std::min(kBlock, rows_ - r0);
      block_currents(cells, r0, n, cur);
      int r = 0;
      for (; r + 4 <= n; r += 4) {
        const v4d y = x * load4(cur + r);
        store4(out_rows + r0 + r, load4(out_rows + r0 + r) + y);
        a += abs4(y);
      }
      for (; r < n; ++r) {
        const double y = x * cur[r];
        out_rows[r0 + r] += y;
        act += std::fabs(y);
      }
    }
  }
  return hsum(a) + act;
}

}  // namespace gcattn
