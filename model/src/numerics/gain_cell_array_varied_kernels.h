// The read kernels of the varied arrays (gain_cell_array_varied.cpp), written once and included
// three times by that file: into namespace `portable` (the baseline) and, on x86-64, into
// namespaces `avx2` (compiled for AVX2 and FMA) and `avx512` (compiled for AVX-512F); the first
// two take their helpers from gain_cell_array_varied_generic.h. No include guard on purpose. The
// including namespace provides:
//   GCATTN_KERNEL  the attributes of the helpers below (always_inline, and the target);
//   GCATTN_ENTRY   the attributes of the two entry points (read_rows, read_cols);
//   FloatLevels: one float per grid level, with make_float_levels(const float*) and
//     lookup16(const FloatLevels&, codes) -> v16f (the values of 16 cells given their codes);
//   LevelBuffer and level_currents(const VariedRead&, double delta, LevelBuffer&) -> FloatLevels:
//     a column's current of each level, k0 + w (k1 + w (k2 + w k3)), w = delta u, in double,
//     rounded to float;
//   half16(const uint16_t*) -> v16f: 16 IEEE halves as floats (exact);
//   fma16(a, b, c) / fma8d(a, b, c): a * b + c rounded once, in 16 float / 8 double lanes;
//   low8 / high8(v16f) -> v8d: the lanes 0..7 / 8..15 as doubles;
//   max16 / min16(v16f, float): a > b ? a : b / a < b ? a : b per lane;
//   hsum8(v8d): ((v0 + v4) + (v2 + v6)) + ((v1 + v5) + (v3 + v7));
//   Exp2Table, make_exp2_table() and exp2_lookup(table, t) -> v16f: kExp2Table[j] per lane, j the
//     low five bits of t's representation;
//   scale_floor16(y, t, n): y * 2^floor(n) for n = t - kExp2Shift (a multiple of 1/32) and a
//     normal result.
// Everything else is GCC vector arithmetic in a fixed order (no FMA contraction: CMakeLists.txt;
// the fused operations are the explicit fma16 / fma8d), so the copies give bit-identical results.

// Loads, stores, conversions and sums (here rather than shared: Clang requires the copy's
// target on a function returning a 512-bit vector).
GCATTN_KERNEL v8d load8d(const double* p) {
  v8d v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
GCATTN_KERNEL void store8d(double* p, const v8d& v) {
  std::memcpy(p, &v, sizeof v);
}
GCATTN_KERNEL v16f load16f(const float* p) {
  v16f v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
// Two groups of eight doubles as sixteen floats (dense cells).
GCATTN_KERNEL v16f to_float16(const v8d& lo, const v8d& hi) {
  const v8f l = __builtin_convertvector(lo, v8f), h = __builtin_convertvector(hi, v8f);
  v16f v;
  std::memcpy(&v, &l, sizeof l);
  std::memcpy(reinterpret_cast<char*>(&v) + sizeof l, &h, sizeof h);
  return v;
}
GCATTN_KERNEL v16f abs16(const v16f& x) {
  v16u b;
  std::memcpy(&b, &x, sizeof b);
  b &= 0x7fffffffU;
  v16f y;
  std::memcpy(&y, &b, sizeof y);
  return y;
}
// 2^(l r) in sixteen float lanes (l the column's log2 of its decay, r each cell's decay-rate
// factor), to about 1e-7 relative: x = l r = k / 32 + f with k = round(32 x) (both from the exact
// product: fused operations), |f| <= 1/64; 2^(k / 32) = 2^floor(k / 32) * 2^((k mod 32) / 32),
// the second factor from a table of 32 floats (kExp2Table), 2^f by a degree-2 polynomial (the
// Taylor series with its cubic term economised over the interval: 5e-8 relative). For the
// per-cell decay of the retention spread. With kClamp, k / 32 is clamped to [-125, 120] and f to
// [-1/64, 1/64] (below, 2^x < 3e-38, as good as 0 for a decay); that changes no lane within the
// range, so a column takes the clamping copy only when some cell's x may leave it.
template <bool kClamp>
GCATTN_KERNEL v16f exp2_16(const Exp2Table& table, const v16f& l, const v16f& r) {
  v16f t = fma16(l, r, kExp2Shift + v16f{});  // x rounded to a multiple of 1/32: k in the low bits
  if constexpr (kClamp) t = min16(max16(t, kExp2Shift - 125.0f), kExp2Shift + 120.0f);
  const v16f n = t - kExp2Shift;  // k / 32, exactly
  v16f f = fma16(l, r, -n);       // x - k / 32
  if constexpr (kClamp) f = min16(max16(f, -0.015625f), 0.015625f);
  const v16f p = fma16(fma16(0.24022650718688965f + v16f{}, f, 0.6931573152542114f + v16f{}), f,
                       1.0f + v16f{});
  return scale_floor16(exp2_lookup(table, t) * p, t, n);
}

// What every column of a read shares, as vectors (kept in registers across the columns).
struct KernelConsts {
  v16f k0, k1, k2, k3;  // the cell's cubic
  Exp2Table exp2;
};
GCATTN_KERNEL KernelConsts consts_of(const VariedRead& rd) {
  KernelConsts k;
  k.exp2 = make_exp2_table();
  k.k0 = rd.kf[0] + v16f{};
  k.k1 = rd.kf[1] + v16f{};
  k.k2 = rd.kf[2] + v16f{};
  k.k3 = rd.kf[3] + v16f{};
  return k;
}

// The cells of column c at this read: where its cells' values are, its decay, its write's and
// this read's noise windows.
template <unsigned F>
GCATTN_KERNEL VariedColumn column_of(const VariedRead& rd, int c) {
  VariedColumn cc;
  const auto cu = static_cast<std::size_t>(c);
  const std::size_t base = cu * static_cast<std::size_t>(rd.rows);
  if constexpr ((F & kCoded) != 0) {
    cc.code = rd.code + base;
  } else {
    cc.u = rd.u + base;
  }
  cc.gain = rd.gain + cu * rd.gain_stride;
  cc.offset = rd.offset + cu * rd.offset_stride;
  cc.rate = rd.rate + cu * rd.rate_stride;
  const double el = rd.now_s - rd.t_write[c];
  const std::int64_t age = rd.now_token - rd.token[c];
  if constexpr ((F & kSpread) != 0) {  // a decay per cell: delta^rate = 2^(rate log2 delta)
    // log_factor(el, age) = el * log_factor(1, 0) + age * log_factor(0, 1), one term zero
    cc.log2_delta = static_cast<float>(
        (el * rd.log_per_s + static_cast<double>(age) * rd.log_per_token) * kLog2e);
    const float extreme = cc.log2_delta * rd.rate_max[c];  // rates are positive
    cc.clamp = !(extreme >= -125.0f && extreme <= 120.0f);
  } else {
    cc.delta = rd.leakage->factor(el, age);
    cc.delta_f = static_cast<float>(cc.delta);
  }
  if constexpr ((F & kAdd) != 0) {  // the windows of the column's latest write
    cc.write_a = rd.write_a;
    cc.write_b = rd.write_b;
    if (rd.write_window != nullptr) {
      const std::uint32_t w = rd.write_window[c];
      cc.write_a += w & 0xffffU;
      cc.write_b += w >> 16;
    }
  }
  if constexpr ((F & kNoise) != 0) {  // two windows, from one key per (array, read token, column)
    // mix_key(noise_key, c), mix64(c) from a table
    const std::uint64_t event =
        mix64(rd.noise_key ^ (c < kNoiseWindow ? rd.column_keys[c] : mix64(cu)));
    cc.noise_a = rd.read_a + (event & (kNoiseLevels - 1));
    cc.noise_b = rd.read_b + ((event >> 32) & (kNoiseLevels - 1));
  }
  return cc;
}

// The currents of rows r..r+15 of a column in float: the column's current of the cell's level
// (cur) or a cubic per cell of its decayed deviation (dev: the deviation of each level), times
// the cell's read noise (1 + sigma n), sigma n = a + b from the column's two windows of the
// scaled sequences (a's with the 1 added), and gain (1 + g).
template <unsigned F, bool kClamp>
GCATTN_KERNEL v16f currents16(const KernelConsts& kc, const VariedColumn& cc,
                              const FloatLevels& cur, const FloatLevels& dev, int r) {
  v16f c;
  if constexpr ((F & kCubic) == 0) {
    c = lookup16(cur, cc.code + r);
  } else {
    v16f u;
    if constexpr ((F & kCoded) != 0) {
      u = lookup16(dev, cc.code + r);
    } else {
      u = to_float16(load8d(cc.u + r), load8d(cc.u + r + 8));
    }
    if constexpr ((F & kAdd) != 0) u = (u + load16f(cc.write_a + r)) + load16f(cc.write_b + r);
    v16f d;  // the cells' decay
    if constexpr ((F & kSpread) != 0) {
      d = exp2_16<kClamp>(kc.exp2, cc.log2_delta + v16f{}, half16(cc.rate + r));
    } else {
      d = cc.delta_f + v16f{};
    }
    v16f w;
    if constexpr ((F & kAdd) != 0) {
      w = fma16(d, u, half16(cc.offset + r));
    } else {
      w = d * u;
    }
    c = fma16(fma16(fma16(kc.k3, w, kc.k2), w, kc.k1), w, kc.k0);
  }
  if constexpr ((F & kNoise) != 0) c *= load16f(cc.noise_a + r) + load16f(cc.noise_b + r);
  if constexpr ((F & kGain) != 0) c = fma16(c, half16(cc.gain + r), c);
  return c;
}

// The currents of the rows r..rows-1 (fewer than sixteen) of a column in i[0..rows-r), as
// doubles: the tail padded with copies of the last row, computed as the others.
template <unsigned F, bool kClamp>
GCATTN_KERNEL void tail_currents(const KernelConsts& kc, const VariedColumn& cc,
                                 const FloatLevels& cur, const FloatLevels& dev, int r, int rows,
                                 double* i) {
  std::uint8_t code[16] = {};
  double u[16] = {};
  std::uint16_t gain[16] = {}, offset[16] = {}, rate[16] = {};
  float wa[16] = {}, wb[16] = {}, na[16] = {}, nb[16] = {};
  for (int j = 0; j < 16; ++j) {
    const int k = std::min(r + j, rows - 1);
    if constexpr ((F & kCoded) != 0) {
      code[j] = cc.code[k];
    } else {
      u[j] = cc.u[k];
    }
    if constexpr ((F & kGain) != 0) gain[j] = cc.gain[k];
    if constexpr ((F & kAdd) != 0) {
      offset[j] = cc.offset[k];
      wa[j] = cc.write_a[k];
      wb[j] = cc.write_b[k];
    }
    if constexpr ((F & kSpread) != 0) rate[j] = cc.rate[k];
    if constexpr ((F & kNoise) != 0) {
      na[j] = cc.noise_a[k];
      nb[j] = cc.noise_b[k];
    }
  }
  VariedColumn tail = cc;
  tail.code = code;
  tail.u = u;
  tail.gain = gain;
  tail.offset = offset;
  tail.rate = rate;
  tail.write_a = wa;
  tail.write_b = wb;
  tail.noise_a = na;
  tail.noise_b = nb;
  const v16f c = currents16<F, kClamp>(kc, tail, cur, dev, 0);
  store8d(i, low8(c));
  store8d(i + 8, high8(c));
}

// Row read of one column: sum_r in[r] * I_r in float lanes r mod 16 (in_f: in as float),
// combined in double, then the tail rows in order in double. The activity |in * I| likewise, its
// lanes added to act (in double) or, for the tail rows, to act_tail.
template <unsigned F, bool kClamp>
GCATTN_KERNEL double column_rows(const KernelConsts& kc, const VariedColumn& cc,
                                 const FloatLevels& cur, const FloatLevels& dev, int rows,
                                 const double* in, const float* in_f, v8d& act, double& act_tail) {
  v16f p = {}, a = {};
  int r = 0;
  for (; r + 16 <= rows; r += 16) {
    const v16f x = load16f(in_f + r) * currents16<F, kClamp>(kc, cc, cur, dev, r);
    p += x;
    a += abs16(x);
  }
  act += low8(a) + high8(a);
  double acc = hsum8(low8(p) + high8(p));
  if (r < rows) {
    double i[16];
    tail_currents<F, kClamp>(kc, cc, cur, dev, r, rows, i);
    for (int j = 0; r + j < rows; ++j) {
      const double x = in[r + j] * i[j];
      acc += x;
      act_tail += std::fabs(x);
    }
  }
  return acc;
}

// Column read of one column: out[r] += x * I_r in double. The activity |x * I|: |x| times the
// sum of |I| in float lanes r mod 16, added to act (in double), and the tail rows' to act_tail.
template <unsigned F, bool kClamp>
GCATTN_KERNEL void column_cols(const KernelConsts& kc, const VariedColumn& cc,
                               const FloatLevels& cur, const FloatLevels& dev, int rows, double x,
                               double* out, v8d& act, double& act_tail) {
  v16f a = {};
  int r = 0;
  for (; r + 16 <= rows; r += 16) {
    const v16f c = currents16<F, kClamp>(kc, cc, cur, dev, r);
    const v8d xv = x + v8d{};
    store8d(out + r, fma8d(xv, low8(c), load8d(out + r)));
    store8d(out + r + 8, fma8d(xv, high8(c), load8d(out + r + 8)));
    a += abs16(c);
  }
  act += std::fabs(x) * (low8(a) + high8(a));
  if (r < rows) {
    double i[16];
    tail_currents<F, kClamp>(kc, cc, cur, dev, r, rows, i);
    for (int j = 0; r + j < rows; ++j) {
      const double y = x * i[j];
      out[r + j] += y;
      act_tail += std::fabs(y);
    }
  }
}

// The grid's deviation of each level (a cubic per cell on grid codes).
template <unsigned F>
GCATTN_KERNEL FloatLevels deviations(const VariedRead& rd) {
  if constexpr ((F & kCubic) != 0 && (F & kCoded) != 0)
    return make_float_levels(rd.level_uf.data());
  return FloatLevels{};
}

// Row read of the array: out[c] = sum_r in[r] * I_cr for the written columns (0 for the others);
// returns the activity sum |in * I|.
template <unsigned F>
GCATTN_ENTRY double read_rows(const VariedRead& rd, const double* in, const float* in_f,
                              double* out) {
  const KernelConsts kc = consts_of(rd);
  const FloatLevels dev = deviations<F>(rd);
  const int rows = rd.rows;
  LevelBuffer buf;
  v8d act = {};
  double act_tail = 0.0;
  for (int c = 0; c < rd.cols; ++c) {
    if (!rd.valid[c]) {
      out[c] = 0.0;
      continue;
    }
    const VariedColumn cc = column_of<F>(rd, c);
    FloatLevels cur{};
    if constexpr ((F & kCubic) == 0) cur = level_currents(rd, cc.delta, buf);
    if constexpr ((F & kSpread) != 0) {
      if (cc.clamp) {
        out[c] = column_rows<F, true>(kc, cc, cur, dev, rows, in, in_f, act, act_tail);
        continue;
      }
    }
    out[c] = column_rows<F, false>(kc, cc, cur, dev, rows, in, in_f, act, act_tail);
  }
  return hsum8(act) + act_tail;
}

// Column read of the array: out[r] += in[c] * I_cr over the written columns with a non-zero input,
// in column order (out is zero on entry); returns the activity sum |in * I|.
template <unsigned F>
GCATTN_ENTRY double read_cols(const VariedRead& rd, const double* in, double* out) {
  const KernelConsts kc = consts_of(rd);
  const FloatLevels dev = deviations<F>(rd);
  const int rows = rd.rows;
  LevelBuffer buf;
  v8d act = {};
  double act_tail = 0.0;
  for (int c = 0; c < rd.cols; ++c) {
    const double x = in[c];
    if (!rd.valid[c] || x == 0.0) continue;
    const VariedColumn cc = column_of<F>(rd, c);
    FloatLevels cur{};
    if constexpr ((F & kCubic) == 0) cur = level_currents(rd, cc.delta, buf);
    if constexpr ((F & kSpread) != 0) {
      if (cc.clamp) {
        column_cols<F, true>(kc, cc, cur, dev, rows, x, out, act, act_tail);
        continue;
      }
    }
    column_cols<F, false>(kc, cc, cur, dev, rows, x, out, act, act_tail);
  }
  return hsum8(act) + act_tail;
}
