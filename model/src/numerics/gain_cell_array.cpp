#include "gcattn/numerics/gain_cell_array.h"

#include <algorithm>
#include <cmath>
#include <cstring>

// The two reads are the simulator's hot loops (every cell of every active sub-tile, twice per
// token and head). They are written with GCC vector types of 4 doubles so that the compiler emits
// SIMD code; on x86-64 a second copy is compiled for AVX2 and picked at load time (ifunc). Both
// copies perform the same operations in the same order (no FMA contraction: ISO C++ mode), so
// results do not depend on the CPU.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__ELF__)
#define GCATTN_ARRAY_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define GCATTN_ARRAY_CLONES
#endif
// v4d values only pass between inlined helpers of this file: the ABI note does not apply (GCC
// reports it at the end of the translation unit, hence no diagnostic push/pop).
#pragma GCC diagnostic ignored "-Wpsabi"

namespace gcattn {
namespace {

typedef double v4d __attribute__((vector_size(32)));
typedef long long v4l __attribute__((vector_size(32)));

inline v4d load4(const double* p) {
  v4d v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void store4(double* p, const v4d& v) { std::memcpy(p, &v, sizeof v); }
inline v4d abs4(const v4d& x) {
  v4l b;
  std::memcpy(&b, &x, sizeof b);
  b &= v4l{0x7fffffffffffffffLL, 0x7fffffffffffffffLL, 0x7fffffffffffffffLL, 0x7fffffffffffffffLL};
  v4d y;
  std::memcpy(&y, &b, sizeof y);
  return y;
}
inline double hsum(const v4d& v) { return (v[0] + v[1]) + (v[2] + v[3]); }

}  // namespace

GainCellArrayModel::GainCellArrayModel(int rows, int cols, const CellModel& cell,
                                       const Leakage& leakage, double v_mid_v)
    : rows_(rows), cols_(cols), cell_(cell), leakage_(leakage), v_mid_v_(v_mid_v),
      u_(static_cast<std::size_t>(rows) * static_cast<std::size_t>(cols), 0.0),
      t_write_s_(static_cast<std::size_t>(cols), 0.0),
      token_(static_cast<std::size_t>(cols), 0),
      valid_(static_cast<std::size_t>(cols), 0) {}

void GainCellArrayModel::write_column(int col, const double* volts, double t_s, std::int64_t token) {
  double* u = &u_[idx(col, 0)];
  for (int r = 0; r < rows_; ++r) u[r] = volts[r] - v_mid_v_;
  t_write_s_[col] = t_s;
  token_[col] = token;
  n_valid_ += !valid_[col];
  valid_[col] = 1;
}

void GainCellArrayModel::clear() {
  std::fill(u_.begin(), u_.end(), 0.0);
  std::fill(valid_.begin(), valid_.end(), 0);
  n_valid_ = 0;
}

namespace {

// Row read over all columns: out[c] = sum_r in[r] * g_c(u[c][r]) as 8 partial sums (lanes r mod 8)
// combined as hsum(p0 + p1), then the scalar tail rows; the activity sum |in * g| likewise.
GCATTN_ARRAY_CLONES
double read_rows_impl(const double* in, const double* u_all, const std::uint8_t* valid,
                      const double* t_write, const std::int64_t* token, int rows, int cols,
                      const CellModel& cell, const Leakage& leak, double now_s,
                      std::int64_t now_token, double* out) {
  double activity = 0.0;
  const double c0 = cell.coefficients()[0];
  for (int c = 0; c < cols; ++c) {
    if (!valid[c]) {
      out[c] = 0.0;
      continue;
    }
    const auto k =
        cell.decayed(leak.factor(now_s - t_write[c], now_token - token[c])).coefficients();
    const double k1 = k[1], k2 = k[2], k3 = k[3];
    const double* u = u_all + static_cast<std::size_t>(c) * static_cast<std::size_t>(rows);
    v4d p0 = {0, 0, 0, 0}, p1 = p0, a0 = p0, a1 = p0;
    int r = 0;
    for (; r + 8 <= rows; r += 8) {
      const v4d u0 = load4(u + r), u1 = load4(u + r + 4);
      const v4d x0 = load4(in + r) * (c0 + u0 * (k1 + u0 * (k2 + u0 * k3)));
      const v4d x1 = load4(in + r + 4) * (c0 + u1 * (k1 + u1 * (k2 + u1 * k3)));
      p0 += x0;
      p1 += x1;
      a0 += abs4(x0);
      a1 += abs4(x1);
    }
    double acc = hsum(p0 + p1), act = hsum(a0 + a1);
    for (; r < rows; ++r) {
      const double x = in[r] * (c0 + u[r] * (k1 + u[r] * (k2 + u[r] * k3)));
      acc += x;
      act += std::fabs(x);
    }
    out[c] = acc;
    activity += act;
  }
  return activity;
}

// Column read: out[r] += in[c] * g_c(u[c][r]) column by column (per row in column order, as a
// scalar loop would); the activity in lanes r mod 4 plus the scalar tail rows.
GCATTN_ARRAY_CLONES
double read_cols_impl(const double* in, const double* u_all, const std::uint8_t* valid,
                      const double* t_write, const std::int64_t* token, int rows, int cols,
                      const CellModel& cell, const Leakage& leak, double now_s,
                      std::int64_t now_token, double* out) {
  std::fill(out, out + rows, 0.0);
  v4d act4 = {0, 0, 0, 0};
  double tail = 0.0;
  const double c0 = cell.coefficients()[0];
  for (int c = 0; c < cols; ++c) {
    const double x = in[c];
    if (!valid[c] || x == 0.0) continue;
    const auto k =
        cell.decayed(leak.factor(now_s - t_write[c], now_token - token[c])).coefficients();
    const double k1 = k[1], k2 = k[2], k3 = k[3];
    const double* u = u_all + static_cast<std::size_t>(c) * static_cast<std::size_t>(rows);
    int r = 0;
    for (; r + 4 <= rows; r += 4) {
      const v4d u4 = load4(u + r);
      const v4d y = x * (c0 + u4 * (k1 + u4 * (k2 + u4 * k3)));
      store4(out + r, load4(out + r) + y);
      act4 += abs4(y);
    }
    for (; r < rows; ++r) {
      const double y = x * (c0 + u[r] * (k1 + u[r] * (k2 + u[r] * k3)));
      out[r] += y;
      tail += std::fabs(y);
    }
  }
  return hsum(act4) + tail;
}

}  // namespace

double GainCellArrayModel::read_rows(const double* in_rows, double now_s, std::int64_t now_token,
                                     double* out_cols) const {
  return read_rows_impl(in_rows, u_.data(), valid_.data(), t_write_s_.data(), token_.data(), rows_,
                        cols_, cell_, leakage_, now_s, now_token, out_cols);
}

double GainCellArrayModel::read_cols(const double* in_cols, double now_s, std::int64_t now_token,
                                     double* out_rows) const {
  return read_cols_impl(in_cols, u_.data(), valid_.data(), t_write_s_.data(), token_.data(), rows_,
                        cols_, cell_, leakage_, now_s, now_token, out_rows);
}

}  // namespace gcattn
