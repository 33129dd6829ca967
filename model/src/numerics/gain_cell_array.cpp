#include "gcattn/numerics/gain_cell_array.h"

#include "cpu_features.h"
#include "vec4d.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>

#include "gcattn/numerics/converters.h"
#include "gcattn/numerics/quantizer.h"

// The two reads are the simulator's hot loops (every cell of every active sub-tile, twice per
// token and head). They are written with GCC vector types of 4 doubles so that the compiler emits
// SIMD code; on x86-64 a second copy is compiled for AVX2 and picked at load time (ifunc). Both
// copies perform the same operations in the same order (no FMA contraction: -ffp-contract=off,
// CMakeLists.txt), so results do not depend on the CPU.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__ELF__)
#define GCATTN_ARRAY_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define GCATTN_ARRAY_CLONES
#endif
// v4d values only pass between inlined helpers of this file: the ABI note does not apply (GCC
// reports it at the end of the translation unit, hence no diagnostic push/pop).
#pragma GCC diagnostic ignored "-Wpsabi"

// With at most 8 grid levels (the paper's 3-bit write DACs) an AVX-512 copy of the coded reads
// looks the cells' currents up with one permute per 8 cells instead of 8 scalar loads; it
// performs the same products and sums in the same order, so it is bit-identical to the others.
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define GCATTN_AVX512_READS 1
// GCC 12 flags the intrinsics' own _mm512_undefined_* pass-through operands (a known false
// positive in avx512fintrin.h).
#if !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#endif

namespace gcattn {
namespace {

using vec4d::abs4;
using vec4d::hsum;
using vec4d::load4;
using vec4d::store4;
using vec4d::v4d;

}  // namespace

GainCellArrayModel::GainCellArrayModel(int rows, int cols, const CellModel& cell,
                                       const Leakage& leakage, double v_mid_v,
                                       std::pmr::memory_resource* mem)
    : rows_(rows),
      cols_(cols),
      cell_(cell),
      leakage_(leakage),
      v_mid_v_(v_mid_v),
      level_u_(mem),
      code_(mem),
      t_write_s_(mem),
      token_(mem),
      valid_(static_cast<std::size_t>(cols), 0, mem),
      gain_(mem),
      offset_(mem),
      rate_(mem),
      rate_max_(mem),
      write_window_(mem) {}

namespace {

// A grid set_write_grid accepts: at most 256 levels of a positive step, and a v_mid that lets
// the deviations be stored as level_u (v_mid = 0 keeps the dense path).
bool usable_grid(double step_v, int min_index, int max_index, double v_mid_v) {
  return step_v > 0.0 && max_index >= min_index && max_index - min_index <= 255 && v_mid_v != 0.0;
}

}  // namespace

bool holds_grid_codes(const HardwareParams& p) {
  if (!p.quantize) return false;
  const WriteDac dac = WriteDac::from(p);
  return usable_grid(dac.step_v(), dac.grid_min_index(), dac.grid_max_index(), p.v_mid_v);
}

GainCellArrayModel make_array(const HardwareParams& p, Unit unit, const Site& site,
                              std::pmr::memory_resource* mem) {
  GainCellArrayModel a(p.rows, p.cols, CellModel::from(p), Leakage::from(p, unit), p.v_mid_v, mem);
  // The write DACs' grid: stored cells are held as grid indices (bit-identical reads).
  if (p.quantize) {
    const WriteDac dac = WriteDac::from(p);
    a.set_write_grid(dac.step_v(), dac.grid_min_index(), dac.grid_max_index());
  }
  a.set_nonideality(p.nonideal, site, unit);
  return a;
}

void GainCellArrayModel::set_write_grid(double step_v, int min_index, int max_index) {
  if (!usable_grid(step_v, min_index, max_index, v_mid_v_) || !u_.empty() || !code_.empty()) {
    return;  // no usable grid (or already written): dense storage
  }
  grid_step_v_ = step_v;
  inv_grid_step_v_ = 1.0 / step_v;
  grid_min_ = min_index;
  level_u_.resize(static_cast<std::size_t>(max_index - min_index + 1));
  for (int i = min_index; i <= max_index; ++i)
    level_u_[static_cast<std::size_t>(i - min_index)] = step_v * i - v_mid_v_;
  coded_ = true;
}

void GainCellArrayModel::to_dense() {
  std::vector<double> u(static_cast<std::size_t>(rows_) * static_cast<std::size_t>(cols_), 0.0);
  if (!code_.empty()) {
    for (std::size_t i = 0; i < u.size(); ++i) u[i] = level_u_[code_[i]];
  }
  u_.swap(u);
  coded_ = false;
}

void GainCellArrayModel::store_dense(int col, const double* volts) {
  if (u_.empty()) u_.assign(static_cast<std::size_t>(rows_) * static_cast<std::size_t>(cols_), 0.0);
  double* u = &u_[idx(col, 0)];
  for (int r = 0; r < rows_; ++r) u[r] = volts[r] - v_mid_v_;
}

void GainCellArrayModel::stamp(int col, double t_s, std::int64_t token) {
  if (t_write_s_.empty()) {  // the first functional write (timing-only runs never get here)
    t_write_s_.assign(static_cast<std::size_t>(cols_), 0.0);
    token_.assign(static_cast<std::size_t>(cols_), 0);
  }
  t_write_s_[col] = t_s;
  token_[col] = token;
  n_valid_ += !valid_[col];
  n_blind_ -= valid_[col] == kBlind;
  valid_[col] = 1;
  if (varied_) vary_column(col, token);
}

// The cells are allocated on the first write: most arrays of a short run are never written,
// and allocating (and zeroing) all of them up front costs page faults for nothing.

void GainCellArrayModel::write_column(int col, const double* volts, double t_s,
                                      std::int64_t token) {
  if (coded_) {
    if (code_.empty())
      code_.assign(static_cast<std::size_t>(rows_) * static_cast<std::size_t>(cols_), 0);
    std::uint8_t* code = &code_[idx(col, 0)];
    // Locals: the byte stores below may alias any member, which would reload them per cell.
    const double top = static_cast<double>(level_u_.size()) - 1.0;
    const double step = grid_step_v_, inv_step = inv_grid_step_v_, lo = grid_min_;
    const int rows = rows_;
    bool on_grid = true;
    for (int r = 0; r < rows; ++r) {
      // On the grid: volts is exactly step * i, bit for bit (the write DAC computes it so). The
      // candidate index comes from a multiplication by 1 / step; the equality check below
      // decides, so a rare wrong candidate only costs the dense fallback, never a wrong value.
      const double k = round_half_even(volts[r] * inv_step) - lo;
      const double kc = k >= 0.0 ? (k <= top ? k : top) : 0.0;  // NaN -> 0; caught below
      const double g = step * (kc + lo);
      on_grid &= (k == kc) & (g == volts[r]) & (std::signbit(g) == std::signbit(volts[r]));
      code[r] = static_cast<std::uint8_t>(kc);
    }
    if (!on_grid) to_dense();  // an off-grid value: keep every cell as a double from now on
  }
  if (!coded_) store_dense(col, volts);
  stamp(col, t_s, token);
}

void GainCellArrayModel::write_codes(int col, const std::uint8_t* code, double t_s,
                                     std::int64_t token) {
  const std::size_t levels = level_u_.size();  // at most 256 (set_write_grid)
  // Range check on bytes (vectorises): a code beyond the grid would index past level_u_.
  const auto top = static_cast<std::uint8_t>(levels - 1);
  std::uint8_t highest = 0;
  for (int r = 0; r < rows_; ++r) highest = code[r] > highest ? code[r] : highest;
  if (levels == 0 || highest > top) {
    throw std::out_of_range(
        "GainCellArrayModel::write_codes: no write grid declared, or a code "
        "beyond its " +
        std::to_string(levels) + " levels");
  }
  if (coded_) {
    if (code_.empty())
      code_.assign(static_cast<std::size_t>(rows_) * static_cast<std::size_t>(cols_), 0);
    std::memcpy(&code_[idx(col, 0)], code, static_cast<std::size_t>(rows_));
  } else {  // dense since an off-grid write (to_dense allocated u_): what store_dense stores
    double* u = &u_[idx(col, 0)];
    for (int r = 0; r < rows_; ++r) u[r] = level_u_[code[r]];
  }
  stamp(col, t_s, token);
}

void GainCellArrayModel::clear() {
  std::fill(u_.begin(), u_.end(), 0.0);
  std::fill(code_.begin(), code_.end(), 0);
  if (!level_u_.empty() && !coded_) {  // back to grid-coded storage
    u_.clear();
    u_.shrink_to_fit();
    coded_ = true;
  }
  std::fill(valid_.begin(), valid_.end(), 0);
  n_valid_ = 0;
  n_blind_ = 0;
}

void GainCellArrayModel::blind_read() const {
  throw std::logic_error(
      "GainCellArrayModel: read of " + std::to_string(n_blind_) +
      " column(s) written by write_blind (timing-only), whose cells were not stored");
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

// The grid-coded variants: the cell current of column c at each grid level is computed once
// (the same expression as above, on the same u), then each cell looks its level up. Products,
// lanes and summation order are those of the dense kernels, so the results are bit-identical.
constexpr int kMaxLevels = 256;

// out[i] = x * g_delta(level_u[i]): the cell current of each grid level of a column decayed by
// delta, times the column's input for the column reads (x = 1 for the row reads: the product is
// then exact). Inlined into every copy of the coded kernels.
__attribute__((always_inline)) inline void level_table(const CellModel& cell, double delta,
                                                       const double* level_u, int n_levels,
                                                       double x, double* out) {
  const double c0 = cell.coefficients()[0];
  const auto k = cell.decayed(delta).coefficients();
  const double k1 = k[1], k2 = k[2], k3 = k[3];
  for (int i = 0; i < n_levels; ++i) {
    const double u = level_u[i];
    out[i] = x * (c0 + u * (k1 + u * (k2 + u * k3)));
  }
}

// Rows [r, rows) of a coded row read one by one, after the vector loop: out += in * g(code) and
// activity += |in * g(code)| (both coded row kernels).
__attribute__((always_inline)) inline void coded_row_tail(const double* in, const std::uint8_t* cd,
                                                          const double* g, int r, int rows,
                                                          double& acc, double& act) {
  for (; r < rows; ++r) {
    const double x = in[r] * g[cd[r]];
    acc += x;
    act += std::fabs(x);
  }
}

GCATTN_ARRAY_CLONES
double read_rows_coded_impl(const double* in, const std::uint8_t* codes, const double* level_u,
                            int n_levels, const std::uint8_t* valid, const double* t_write,
                            const std::int64_t* token, int rows, int cols, const CellModel& cell,
                            const Leakage& leak, double now_s, std::int64_t now_token,
                            double* out) {
  double g[kMaxLevels];
  double activity = 0.0;
  for (int c = 0; c < cols; ++c) {
    if (!valid[c]) {
      out[c] = 0.0;
      continue;
    }
    level_table(cell, leak.factor(now_s - t_write[c], now_token - token[c]), level_u, n_levels, 1.0,
                g);
    const std::uint8_t* cd = codes + static_cast<std::size_t>(c) * static_cast<std::size_t>(rows);
    v4d p0 = {0, 0, 0, 0}, p1 = p0, a0 = p0, a1 = p0;
    int r = 0;
    for (; r + 8 <= rows; r += 8) {
      const v4d g0 = {g[cd[r]], g[cd[r + 1]], g[cd[r + 2]], g[cd[r + 3]]};
      const v4d g1 = {g[cd[r + 4]], g[cd[r + 5]], g[cd[r + 6]], g[cd[r + 7]]};
      const v4d x0 = load4(in + r) * g0;
      const v4d x1 = load4(in + r + 4) * g1;
      p0 += x0;
      p1 += x1;
      a0 += abs4(x0);
      a1 += abs4(x1);
    }
    double acc = hsum(p0 + p1), act = hsum(a0 + a1);
    coded_row_tail(in, cd, g, r, rows, acc, act);
    out[c] = acc;
    activity += act;
  }
  return activity;
}

GCATTN_ARRAY_CLONES
double read_cols_coded_impl(const double* in, const std::uint8_t* codes, const double* level_u,
                            int n_levels, const std::uint8_t* valid, const double* t_write,
                            const std::int64_t* token, int rows, int cols, const CellModel& cell,
                            const Leakage& leak, double now_s, std::int64_t now_token,
                            double* out) {
  double xg[kMaxLevels];
  std::fill(out, out + rows, 0.0);
  v4d act4 = {0, 0, 0, 0};
  double tail = 0.0;
  for (int c = 0; c < cols; ++c) {
    const double x = in[c];
    if (!valid[c] || x == 0.0) continue;
    level_table(cell, leak.factor(now_s - t_write[c], now_token - token[c]), level_u, n_levels, x,
                xg);
    const std::uint8_t* cd = codes + static_cast<std::size_t>(c) * static_cast<std::size_t>(rows);
    int r = 0;
    for (; r + 4 <= rows; r += 4) {
      const v4d y = {xg[cd[r]], xg[cd[r + 1]], xg[cd[r + 2]], xg[cd[r + 3]]};
      store4(out + r, load4(out + r) + y);
      act4 += abs4(y);
    }
    for (; r < rows; ++r) {
      const double y = xg[cd[r]];
      out[r] += y;
      tail += std::fabs(y);
    }
  }
  return hsum(act4) + tail;
}

#if GCATTN_AVX512_READS
// The coded reads for at most 8 levels: the level currents (or charges) of a column sit in one
// 512-bit register and vpermpd picks 8 cells' values by their codes. Lanes and order as the
// v4d kernels above: rows r..r+3 are p0/a0 (or the first act4 update), r+4..r+7 p1/a1.
__attribute__((target("avx512f"))) inline __m512d lookup8(const std::uint8_t* codes,
                                                          __m512d table) {
  const __m128i b = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(codes));
  return _mm512_permutexvar_pd(_mm512_cvtepu8_epi64(b), table);
}

__attribute__((target("avx512f"))) inline double hsum_halves(__m512d v) {
  const __m256d s = _mm256_add_pd(_mm512_castpd512_pd256(v), _mm512_extractf64x4_pd(v, 1));
  double l[4];
  _mm256_storeu_pd(l, s);
  return (l[0] + l[1]) + (l[2] + l[3]);
}

// The level table of one column in a register: x * (c0 + u * (k1 + u * (k2 + u * k3))) per level,
// the operations of level_table in the same order (x = 1 is left out for the row reads: the
// product by 1 is exact). Lanes beyond the grid's levels hold the padding's value; no code
// selects them.
__attribute__((target("avx512f"))) inline __m512d level_table8(const CellModel& cell, double delta,
                                                               __m512d u, __m512d c0) {
  const auto k = cell.decayed(delta).coefficients();
  const __m512d t = _mm512_add_pd(_mm512_set1_pd(k[2]), _mm512_mul_pd(u, _mm512_set1_pd(k[3])));
  const __m512d s = _mm512_add_pd(_mm512_set1_pd(k[1]), _mm512_mul_pd(u, t));
  return _mm512_add_pd(c0, _mm512_mul_pd(u, s));
}

// Both kernels take the columns in blocks: the decay factors of a block's columns first, eight at
// a time (Leakage::factors; one exp call per column stalled the reads of its column and took
// about a third of a read), then the reads. The same factors, products and sums as the kernels
// above.
constexpr int kDecayBlock = 32;
__attribute__((target("avx512f"))) double read_rows_coded_avx512(
    const double* in, const std::uint8_t* codes, const double* level_u, int n_levels,
    const std::uint8_t* valid, const double* t_write, const std::int64_t* token, int rows, int cols,
    const CellModel& cell, const Leakage& leak, double now_s, std::int64_t now_token, double* out) {
  alignas(64) double u8[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  std::copy(level_u, level_u + n_levels, u8);
  const __m512d u = _mm512_load_pd(u8), c0 = _mm512_set1_pd(cell.coefficients()[0]);
  double delta[kDecayBlock];
  double activity = 0.0;
  for (int block = 0; block < cols; block += kDecayBlock) {
    const int end = std::min(cols, block + kDecayBlock);
    leak.factors(now_s, now_token, t_write + block, token + block,
                 static_cast<std::size_t>(end - block), delta);
    for (int c = block; c < end; ++c) {
      if (!valid[c]) {
        out[c] = 0.0;
        continue;
      }
      const __m512d table = level_table8(cell, delta[c - block], u, c0);
      const std::uint8_t* cd = codes + static_cast<std::size_t>(c) * static_cast<std::size_t>(rows);
      __m512d p = _mm512_setzero_pd(), a = _mm512_setzero_pd();
      int r = 0;
      for (; r + 8 <= rows; r += 8) {
        const __m512d x = _mm512_mul_pd(_mm512_loadu_pd(in + r), lookup8(cd + r, table));
        p = _mm512_add_pd(p, x);
        a = _mm512_add_pd(a, _mm512_abs_pd(x));
      }
      double acc = hsum_halves(p), act = hsum_halves(a);
      if (r < rows) {
        alignas(64) double g[8];
        _mm512_store_pd(g, table);
        coded_row_tail(in, cd, g, r, rows, acc, act);
      }
      out[c] = acc;
      activity += act;
    }
  }
  return activity;
}

__attribute__((target("avx512f"))) double read_cols_coded_avx512(
    const double* in, const std::uint8_t* codes, const double* level_u, int n_levels,
    const std::uint8_t* valid, const double* t_write, const std::int64_t* token, int rows, int cols,
    const CellModel& cell, const Leakage& leak, double now_s, std::int64_t now_token, double* out) {
  alignas(64) double u8[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  std::copy(level_u, level_u + n_levels, u8);
  const __m512d u = _mm512_load_pd(u8), c0 = _mm512_set1_pd(cell.coefficients()[0]);
  double delta[kDecayBlock];
  std::fill(out, out + rows, 0.0);
  __m256d act4 = _mm256_setzero_pd();
  double tail = 0.0;
  for (int block = 0; block < cols; block += kDecayBlock) {
    const int end = std::min(cols, block + kDecayBlock);
    leak.factors(now_s, now_token, t_write + block, token + block,
                 static_cast<std::size_t>(end - block), delta);
    for (int c = block; c < end; ++c) {
      const double x = in[c];
      if (!valid[c] || x == 0.0) continue;
      const __m512d table =
          _mm512_mul_pd(_mm512_set1_pd(x), level_table8(cell, delta[c - block], u, c0));
      const std::uint8_t* cd = codes + static_cast<std::size_t>(c) * static_cast<std::size_t>(rows);
      int r = 0;
      for (; r + 8 <= rows; r += 8) {
        const __m512d y = lookup8(cd + r, table);
        _mm512_storeu_pd(out + r, _mm512_add_pd(_mm512_loadu_pd(out + r), y));
        const __m512d ay = _mm512_abs_pd(y);
        act4 = _mm256_add_pd(act4, _mm512_castpd512_pd256(ay));
        act4 = _mm256_add_pd(act4, _mm512_extractf64x4_pd(ay, 1));
      }
      if (r < rows) {
        alignas(64) double xg[8];
        _mm512_store_pd(xg, table);
        for (; r + 4 <= rows; r += 4) {
          const __m256d y = _mm256_set_pd(xg[cd[r + 3]], xg[cd[r + 2]], xg[cd[r + 1]], xg[cd[r]]);
          _mm256_storeu_pd(out + r, _mm256_add_pd(_mm256_loadu_pd(out + r), y));
          act4 = _mm256_add_pd(act4, _mm256_andnot_pd(_mm256_set1_pd(-0.0), y));
        }
        for (; r < rows; ++r) {
          const double y = xg[cd[r]];
          out[r] += y;
          tail += std::fabs(y);
        }
      }
    }
  }
  double l[4];
  _mm256_storeu_pd(l, act4);
  return ((l[0] + l[1]) + (l[2] + l[3])) + tail;
}

#endif

std::atomic<bool> g_avx512_reads{true};

bool use_avx512(std::size_t levels) {
#if GCATTN_AVX512_READS
  return levels <= 8 && cpu::avx512f() && g_avx512_reads.load(std::memory_order_relaxed);
#else
  (void)levels;
  return false;
#endif
}

}  // namespace

double GainCellArrayModel::read_rows(const double* in_rows, double now_s, std::int64_t now_token,
                                     double* out_cols) const {
  if (__builtin_expect(n_valid_ == 0 || n_blind_ != 0, 0)) {  // also: cells not yet allocated
    if (n_blind_ != 0) blind_read();
    std::fill(out_cols, out_cols + cols_, 0.0);
    return 0.0;
  }
  if (varied_) return read_rows_varied(in_rows, now_s, now_token, out_cols);
#if GCATTN_AVX512_READS
  if (coded_ && use_avx512(level_u_.size())) {
    prefetch_read();  // the write times' misses would stall the first factors one by one
    return read_rows_coded_avx512(in_rows, code_.data(), level_u_.data(),
                                  static_cast<int>(level_u_.size()), valid_.data(),
                                  t_write_s_.data(), token_.data(), rows_, cols_, cell_, leakage_,
                                  now_s, now_token, out_cols);
  }
#endif
  if (coded_) {
    return read_rows_coded_impl(in_rows, code_.data(), level_u_.data(),
                                static_cast<int>(level_u_.size()), valid_.data(), t_write_s_.data(),
                                token_.data(), rows_, cols_, cell_, leakage_, now_s, now_token,
                                out_cols);
  }
  return read_rows_impl(in_rows, u_.data(), valid_.data(), t_write_s_.data(), token_.data(), rows_,
                        cols_, cell_, leakage_, now_s, now_token, out_cols);
}

double GainCellArrayModel::read_cols(const double* in_cols, double now_s, std::int64_t now_token,
                                     double* out_rows) const {
  if (__builtin_expect(n_valid_ == 0 || n_blind_ != 0, 0)) {  // also: cells not yet allocated
    if (n_blind_ != 0) blind_read();
    std::fill(out_rows, out_rows + rows_, 0.0);
    return 0.0;
  }
  if (varied_) return read_cols_varied(in_cols, now_s, now_token, out_rows);
#if GCATTN_AVX512_READS
  if (coded_ && use_avx512(level_u_.size())) {
    prefetch_read();  // the write times' misses would stall the first factors one by one
    return read_cols_coded_avx512(in_cols, code_.data(), level_u_.data(),
                                  static_cast<int>(level_u_.size()), valid_.data(),
                                  t_write_s_.data(), token_.data(), rows_, cols_, cell_, leakage_,
                                  now_s, now_token, out_rows);
  }
#endif
  if (coded_) {
    return read_cols_coded_impl(in_cols, code_.data(), level_u_.data(),
                                static_cast<int>(level_u_.size()), valid_.data(), t_write_s_.data(),
                                token_.data(), rows_, cols_, cell_, leakage_, now_s, now_token,
                                out_rows);
  }
  return read_cols_impl(in_cols, u_.data(), valid_.data(), t_write_s_.data(), token_.data(), rows_,
                        cols_, cell_, leakage_, now_s, now_token, out_rows);
}

void GainCellArrayModel::enable_avx512_reads(bool on) {
  g_avx512_reads.store(on, std::memory_order_relaxed);
}

bool GainCellArrayModel::avx512_reads() {
  return use_avx512(8);
}

}  // namespace gcattn
