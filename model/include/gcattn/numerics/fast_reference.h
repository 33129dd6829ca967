#pragma once
// Single-precision reference models for the accuracy report and calibration: they run once per
// head and layer step next to the simulated hardware, so they must cost a fraction of it. Float
// SIMD (8 lanes, fixed summation order: the same results on every CPU and for any thread count),
// scores and sums over at most a window of tokens. Against the double-precision references of
// reference.h and HeadModel they agree to about 1e-6 relative on GPT-2-sized heads
// (tests/model/numerics/test_fast_reference.cpp states the tolerances it checks).
#include <cstddef>
#include <cstdint>
#include <vector>

#include "gcattn/config/hardware_params.h"

namespace gcattn {

/// exp(x) for 8 floats at a time (Cephes expf: range reduction by ln 2 and a degree-6
/// polynomial; about 2 ulp; inputs below -87.3 flush to about 1e-38). Used by the softmax.
void exp_f32(const float* x, float* y, std::size_t n);

/// Where component r of key j lives in the blocked key layout of the kernels below: blocks of 8
/// keys, each d x 8 floats with the 8 keys' values of one component side by side, so that 8 keys
/// are scored per vector while streaming through memory. A buffer for n keys holds
/// ceil(n / 8) * 8 * d floats.
inline std::size_t key_block_index(std::size_t j, std::size_t r, std::size_t d) {
  return (j / 8) * 8 * d + r * 8 + j % 8;
}

/// Softmax attention of one query over keys first .. first + n - 1, as GPT-2 computes it:
/// out = softmax(q.K^T * scale) . V. kb holds the keys in the blocked layout (key_block_index,
/// from key 0); v holds the values of keys first .. first + n - 1 row-major [n][d]. w: scratch of
/// at least n + 8 floats, acc of d floats. Scores and the weighted sum of V in float, the
/// normaliser in double.
void softmax_attention_f32(const float* q, const float* kb, int first, const float* v, int n, int d,
                           float scale, float* w, float* acc, double* out);

/// The softmax reference of every token of one head: out[t] = softmax attention of q[t] over the
/// keys and values of tokens max(0, t + 1 - window) .. t (the hardware's window). q, k, v, out
/// are [n][d] row-major. Scratch is allocated once per call.
void softmax_window_f32(const float* q, const float* k, const float* v, std::size_t n, int d,
                        int window, float* out);

/// The ideal hardware of a configuration (ideal_hardware(): linear cell, no quantisation, no
/// leakage) for one head, in single precision: stored deviations per window slot, scores
/// slope * q.u, phi = clamp(S / s_sat, 0, 1), each sub-tile's charge slope * sum phi u clamped
/// to +-a_sat and normalised, summed over sub-tiles, then the output scaler. The same model as
/// HeadModel on those parameters.
class IdealHeadF32 {
 public:
  /// p: the configured hardware (its geometry, converters and cell slope are used; its cell
  /// kind, quantisation and leakage are not: this is the ideal version of it).
  IdealHeadF32(const HardwareParams& p, const HeadScalers& scalers);

  void write_token(std::int64_t token, const float* k_raw, const float* v_raw);
  /// out[rows]: the head output after the output scaler.
  void attend(std::int64_t token, const float* q_raw, double* out);

 private:
  int rows_, cols_, window_;
  HeadScalers s_;
  double v_min_, v_max_, v_mid_, slope_, inv_s_sat_, inv_a_sat_;
  std::vector<float> kb_;             // stored K deviations from v_mid, key_block_index layout
  std::vector<float> vu_;             // [window][rows] stored V deviations
  std::vector<std::uint8_t> valid_;   // per slot
  std::vector<int> tokens_;           // per sub-tile: written slots
  std::vector<float> q_, s_col_, a_;  // scratch
};

}  // namespace gcattn
