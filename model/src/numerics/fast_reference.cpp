#include "gcattn/numerics/fast_reference.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "gcattn/numerics/quantizer.h"
#include "gcattn/numerics/slot_map.h"

// GCC vector types of 8 floats: SSE pairs by default, one AVX register in the AVX2 clone
// (chosen at load time). Both perform the same operations in the same order (-ffp-contract=off: no
// FMA contraction), so results do not depend on the CPU.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__ELF__)
#define GCATTN_F32_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define GCATTN_F32_CLONES
#endif
#pragma GCC diagnostic ignored "-Wpsabi"  // v8f only passes between inlined helpers of this file

namespace gcattn {
namespace {

typedef float v8f __attribute__((vector_size(32)));
typedef int v8i __attribute__((vector_size(32)));

inline v8f load8(const float* p) {
  v8f v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void store8(float* p, const v8f& v) {
  std::memcpy(p, &v, sizeof v);
}
inline v8f splat(float x) {
  return v8f{x, x, x, x, x, x, x, x};
}

// s[j] = scale * sum_r q[r] * k_r(j) for j in [0, n), keys in the blocked layout of
// key_block_index (8 keys x d per block, contiguous): 8 keys are scored per vector with no
// horizontal sums, streaming through memory. Each score sums its d products in r order.
__attribute__((always_inline)) inline void scores_blocked(const float* q, const float* kb, int n,
                                                          int d, float scale, float* s) {
  const v8f sc = splat(scale);
  const auto B = static_cast<std::size_t>(8 * d);  // floats per block
  int j = 0;
  for (; j + 32 <= n; j += 32) {  // four independent chains hide the adds' latency
    const float* k = kb + static_cast<std::size_t>(j / 8) * B;
    v8f a0 = splat(0.0f), a1 = a0, a2 = a0, a3 = a0;
    for (int r = 0; r < d; ++r) {
      const v8f qr = splat(q[r]);
      const std::size_t o = static_cast<std::size_t>(r) * 8;
      a0 += qr * load8(k + o);
      a1 += qr * load8(k + B + o);
      a2 += qr * load8(k + 2 * B + o);
      a3 += qr * load8(k + 3 * B + o);
    }
    store8(s + j, a0 * sc);
    store8(s + j + 8, a1 * sc);
    store8(s + j + 16, a2 * sc);
    store8(s + j + 24, a3 * sc);
  }
  for (; j < n; j += 8) {  // the last blocks (a partial one holds unused keys)
    const float* k = kb + static_cast<std::size_t>(j / 8) * B;
    v8f a0 = splat(0.0f);
    for (int r = 0; r < d; ++r) a0 += splat(q[r]) * load8(k + static_cast<std::size_t>(r) * 8);
    a0 *= sc;
    for (int i = 0; i < 8 && j + i < n; ++i) s[j + i] = a0[i];
  }
}

// out[i] = sum_j w[j] * v[j * d + i] for i in [0, d), keys in order. The sums of 64 dimensions
// stay in registers. Zero weights are not skipped: phi is 0 for a data-dependent half of the
// columns, and the mispredicted branch cost more than the products.
__attribute__((always_inline)) inline void weighted_rows(const float* w, const float* v, int n,
                                                         int d, float* out) {
  const auto D = static_cast<std::size_t>(d);
  int i0 = 0;
  for (; i0 + 64 <= d; i0 += 64) {
    v8f a0 = splat(0.0f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
    for (int j = 0; j < n; ++j) {
      const v8f x = splat(w[j]);
      const float* r = v + static_cast<std::size_t>(j) * D + static_cast<std::size_t>(i0);
      a0 += x * load8(r);
      a1 += x * load8(r + 8);
      a2 += x * load8(r + 16);
      a3 += x * load8(r + 24);
      a4 += x * load8(r + 32);
      a5 += x * load8(r + 40);
      a6 += x * load8(r + 48);
      a7 += x * load8(r + 56);
    }
    float* o = out + i0;
    store8(o, a0);
    store8(o + 8, a1);
    store8(o + 16, a2);
    store8(o + 24, a3);
    store8(o + 32, a4);
    store8(o + 40, a5);
    store8(o + 48, a6);
    store8(o + 56, a7);
  }
  if (i0 < d) {  // the dimensions past the last multiple of 64
    std::fill(out + i0, out + d, 0.0f);
    for (int j = 0; j < n; ++j) {
      const float* r = v + static_cast<std::size_t>(j) * D;
      for (int i = i0; i < d; ++i) out[i] += w[j] * r[i];
    }
  }
}

__attribute__((always_inline)) inline v8f exp8(v8f x) {
  const v8f hi = splat(88.3762626647949f), lo = splat(-87.3365447504f);
  x = x > hi ? hi : x;
  x = x < lo ? lo : x;
  // n = floor(x / ln2 + 0.5): truncation, minus one where it rounded up.
  const v8f t = x * splat(1.44269504088896341f) + splat(0.5f);
  v8i n = __builtin_convertvector(t, v8i);
  v8f fn = __builtin_convertvector(n, v8f);
  const v8i up = fn > t;  // -1 where truncation went up (negative t)
  n += up;
  fn = __builtin_convertvector(n, v8f);
  x = x - fn * splat(0.693359375f) - fn * splat(-2.12194440e-4f);
  const v8f z = x * x;
  v8f y = splat(1.9875691500e-4f);
  y = y * x + splat(1.3981999507e-3f);
  y = y * x + splat(8.3333452e-3f);
  y = y * x + splat(4.1665795894e-2f);
  y = y * x + splat(1.6666665459e-1f);
  y = y * x + splat(5.0000001201e-1f);
  y = y * z + x + splat(1.0f);
  const v8i bits = (n + 127) << 23;  // 2^n
  v8f scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return y * scale;
}

}  // namespace

GCATTN_F32_CLONES
void exp_f32(const float* x, float* y, std::size_t n) {
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) store8(y + i, exp8(load8(x + i)));
  if (i < n) {
    float in[8] = {0, 0, 0, 0, 0, 0, 0, 0}, out[8];
    std::copy(x + i, x + n, in);
    store8(out, exp8(load8(in)));
    std::copy(out, out + (n - i), y + i);
  }
}

GCATTN_F32_CLONES
void softmax_attention_f32(const float* q, const float* kb, int first, const float* v, int n, int d,
                           float scale, float* w, float* acc, double* out) {
  // Score from the start of first's block; the keys before first are dropped.
  const int skip = first % 8;
  scores_blocked(q, kb + key_block_index(first - skip, 0, d), n + skip, d, scale, w);
  w += skip;
  float mx = -INFINITY;
  for (int j = 0; j < n; ++j) mx = std::max(mx, w[j]);
  for (int j = 0; j < n; ++j) w[j] -= mx;
  exp_f32(w, w, static_cast<std::size_t>(n));
  double z = 0.0;
  for (int j = 0; j < n; ++j) z += w[j];
  weighted_rows(w, v, n, d, acc);
  const double inv = 1.0 / z;
  for (int i = 0; i < d; ++i) out[i] = acc[i] * inv;
}

void softmax_window_f32(const float* q, const float* k, const float* v, std::size_t n, int d,
                        int window, float* out) {
  const auto D = static_cast<std::size_t>(d);
  const auto W = static_cast<std::size_t>(window);
  const float scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(d)));
  std::vector<float> kb((n + 7) / 8 * 8 * D), w(std::min(W, n) + 8), acc(D);
  std::vector<double> y(D);
  for (std::size_t t = 0; t < n; ++t) {
    for (std::size_t i = 0; i < D; ++i) kb[key_block_index(t, i, D)] = k[t * D + i];
  }
  for (std::size_t t = 0; t < n; ++t) {
    const std::size_t first = t + 1 > W ? t + 1 - W : 0;
    softmax_attention_f32(q + t * D, kb.data(), static_cast<int>(first), v + first * D,
                          static_cast<int>(t + 1 - first), d, scale, w.data(), acc.data(),
                          y.data());
    for (std::size_t i = 0; i < D; ++i) out[t * D + i] = static_cast<float>(y[i]);
  }
}

IdealHeadF32::IdealHeadF32(const HardwareParams& p, const HeadScalers& scalers)
    : rows_(p.rows),
      cols_(p.cols),
      window_(p.window_tokens),
      s_(scalers),
      v_min_(p.kv_v_min_v),
      v_max_(p.kv_v_max_v),
      v_mid_(p.v_mid_v),
      slope_(p.linear_slope_ua_per_v),
      inv_s_sat_(1.0 / p.s_sat_ua),
      inv_a_sat_(1.0 / p.a_sat_ua),
      kb_((static_cast<std::size_t>(window_) + 7) / 8 * 8 * static_cast<std::size_t>(rows_), 0.0f),
      vu_(static_cast<std::size_t>(window_) * static_cast<std::size_t>(rows_), 0.0f),
      valid_(static_cast<std::size_t>(window_), 0),
      tokens_(static_cast<std::size_t>(p.subtiles()), 0),
      q_(static_cast<std::size_t>(rows_)),
      s_col_(static_cast<std::size_t>(cols_)),
      a_(static_cast<std::size_t>(rows_)) {}

void IdealHeadF32::write_token(std::int64_t token, const float* k_raw, const float* v_raw) {
  const WindowSlot at = slot_of(token, window_, cols_);
  const auto slot = static_cast<std::size_t>(at.slot);
  const std::size_t base = slot * static_cast<std::size_t>(rows_);
  for (int r = 0; r < rows_; ++r) {
    kb_[key_block_index(slot, static_cast<std::size_t>(r), static_cast<std::size_t>(rows_))] =
        static_cast<float>(clamp(s_.k.apply(k_raw[r]), v_min_, v_max_) - v_mid_);
    vu_[base + r] = static_cast<float>(clamp(s_.v.apply(v_raw[r]), v_min_, v_max_) - v_mid_);
  }
  if (!valid_[slot]) {
    valid_[slot] = 1;
    ++tokens_[static_cast<std::size_t>(at.subtile)];
  }
}

GCATTN_F32_CLONES
void IdealHeadF32::attend(std::int64_t, const float* q_raw, double* out) {
  for (int r = 0; r < rows_; ++r) q_[r] = static_cast<float>(clamp(s_.q.apply(q_raw[r]), 0.0, 1.0));
  const auto R = static_cast<std::size_t>(rows_);
  std::fill(out, out + rows_, 0.0);
  for (std::size_t m = 0; m < tokens_.size(); ++m) {
    if (tokens_[m] == 0) continue;  // an empty sub-tile is not read: its output is 0
    const std::size_t first = m * static_cast<std::size_t>(cols_);
    // cols is a multiple of 8 when sub-tiles start on block boundaries; scores_blocked needs
    // the first key at one, which slot m * cols is when cols % 8 == 0 (else: per-key fallback).
    if (cols_ % 8 == 0) {
      scores_blocked(q_.data(), &kb_[key_block_index(first, 0, R)], cols_, rows_, 1.0f,
                     s_col_.data());
    } else {
      for (int c = 0; c < cols_; ++c) {
        float a = 0.0f;
        for (std::size_t r = 0; r < R; ++r)
          a += q_[r] * kb_[key_block_index(first + static_cast<std::size_t>(c), r, R)];
        s_col_[static_cast<std::size_t>(c)] = a;
      }
    }
    for (int c = 0; c < cols_; ++c) {
      const double s = valid_[first + static_cast<std::size_t>(c)] ? slope_ * s_col_[c] : 0.0;
      s_col_[c] = static_cast<float>(clamp(s * inv_s_sat_, 0.0, 1.0));  // phi
    }
    weighted_rows(s_col_.data(), &vu_[first * R], cols_, rows_, a_.data());
    for (int r = 0; r < rows_; ++r) out[r] += clamp(slope_ * a_[r] * inv_a_sat_, -1.0, 1.0);
  }
  for (int r = 0; r < rows_; ++r) out[r] = s_.out.apply(out[r]);
}

}  // namespace gcattn
