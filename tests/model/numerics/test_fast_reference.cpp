// The single-precision reference kernels against the double-precision models they stand in
// for, and the AVX-512 array reads against the portable ones.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "gcattn/numerics/fast_reference.h"
#include "gcattn/numerics/gain_cell_array.h"
#include "gcattn/numerics/head.h"
#include "gcattn/numerics/reference.h"

using namespace gcattn;

TEST_CASE("fast reference: exp_f32 is within 2e-7 relative of std::exp", "[numerics][fast]") {
  std::vector<float> x, y;
  for (double v = -87.0; v <= 88.0; v += 0.01) x.push_back(static_cast<float>(v));
  x.push_back(-1e-30f);
  x.push_back(0.0f);
  y.resize(x.size());
  exp_f32(x.data(), y.data(), x.size());
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double ref = std::exp(static_cast<double>(x[i]));
    REQUIRE(std::fabs(y[i] - ref) <= 2e-7 * ref);
  }
  const float tiny[3] = {-200.0f, -1000.0f, -90.0f};
  float out[3];
  exp_f32(tiny, out, 3);  // underflow: tiny and finite, never NaN
  for (float o : out) CHECK((o >= 0.0f && o < 1e-37f));
}

TEST_CASE("fast reference: softmax_attention_f32 agrees with the double softmax to 2e-6",
          "[numerics][fast]") {
  std::mt19937 rng(5);
  std::normal_distribution<float> nd(0.0f, 1.5f);
  for (int d : {64, 24, 72}) {
    const int total = 300;
    std::vector<float> q(static_cast<std::size_t>(d)), k(static_cast<std::size_t>(total * d)),
        v(k.size());
    for (auto& x : k) x = nd(rng);
    for (auto& x : v) x = nd(rng);
    std::vector<float> kb((total + 7) / 8 * 8 * static_cast<std::size_t>(d));
    for (int j = 0; j < total; ++j) {
      for (int r = 0; r < d; ++r)
        kb[key_block_index(static_cast<std::size_t>(j), static_cast<std::size_t>(r),
                           static_cast<std::size_t>(d))] = k[static_cast<std::size_t>(j * d + r)];
    }
    std::vector<float> w(total + 8), acc(static_cast<std::size_t>(d));
    std::vector<double> ref(static_cast<std::size_t>(d)), out(static_cast<std::size_t>(d));
    for (const auto& [first, n] : {std::pair{0, 1}, {0, 37}, {5, 64}, {13, 287}, {0, 300}}) {
      for (auto& x : q) x = nd(rng);
      const float scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(d)));
      softmax_attention_f32(q.data(), kb.data(), first, &v[static_cast<std::size_t>(first * d)], n,
                            d, scale, w.data(), acc.data(), out.data());
      softmax_attention(q.data(), &k[static_cast<std::size_t>(first * d)],
                        &v[static_cast<std::size_t>(first * d)], n, d, ref.data());
      double err = 0, norm = 0;
      for (int i = 0; i < d; ++i) {
        err += (out[i] - ref[i]) * (out[i] - ref[i]);
        norm += ref[i] * ref[i];
      }
      INFO("d " << d << " first " << first << " n " << n);
      CHECK(std::sqrt(err / norm) < 2e-6);
    }
  }
}

TEST_CASE("fast reference: IdealHeadF32 agrees with HeadModel on ideal hardware to 1e-5",
          "[numerics][fast]") {
  Config cfg = Config::paper();
  cfg.set("array.window_tokens=128");  // two sub-tiles, and the window wraps
  const HardwareParams hw = HardwareParams::from(cfg);
  HeadScalers s;
  s.q = {0.2, 0.5};
  s.k = {0.15, 0.45};
  s.v = {0.12, 0.45};
  s.out = {1.7, -0.05};
  IdealHeadF32 fast(hw, s);
  HeadModel ref(ideal_hardware(hw), s);
  std::mt19937 rng(11);
  std::normal_distribution<float> nd(0.0f, 1.5f);
  std::vector<float> q(64), k(64), v(64);
  std::vector<double> a(64), b(64);
  double err = 0, norm = 0;
  for (std::int64_t t = 0; t < 300; ++t) {
    for (int i = 0; i < 64; ++i) q[i] = nd(rng), k[i] = nd(rng), v[i] = nd(rng);
    fast.write_token(t, k.data(), v.data());
    ref.write_token(t, k.data(), v.data(), 0.0);
    fast.attend(t, q.data(), a.data());
    ref.attend(t, q.data(), 0.0, b.data());
    for (int i = 0; i < 64; ++i) {
      err += (a[i] - b[i]) * (a[i] - b[i]);
      norm += b[i] * b[i];
      REQUIRE(std::fabs(a[i] - b[i]) <= 1e-5 * (1.0 + std::fabs(b[i])));
    }
  }
  CHECK(std::sqrt(err / norm) < 1e-6);
}

TEST_CASE("array reads: the AVX-512 coded kernels are bit-identical to the portable ones",
          "[numerics][array][simd]") {
  if (!GainCellArrayModel::avx512_reads()) WARN("no AVX-512 on this CPU: both runs are portable");
  Config cfg = Config::paper();
  cfg.set("leakage.mode=time");
  const HardwareParams p = HardwareParams::from(cfg);
  const double step = 0.9 / 7.0;
  for (int rows : {64, 61, 12}) {
    GainCellArrayModel a(rows, 64, CellModel::from(p), Leakage::from(p), p.v_mid_v);
    a.set_write_grid(step, 0, 7);
    // The same cells as voltages in an array without a grid: the dense kernels, one cubic per
    // cell, an independent reference for both coded kernels.
    GainCellArrayModel dense(rows, 64, CellModel::from(p), Leakage::from(p), p.v_mid_v);
    std::mt19937 rng(static_cast<unsigned>(rows));
    std::vector<std::uint8_t> code(static_cast<std::size_t>(rows));
    std::vector<double> volts(code.size());
    for (int c = 0; c < 60; ++c) {  // four columns stay empty
      for (std::size_t r = 0; r < code.size(); ++r) {
        code[r] = static_cast<std::uint8_t>(rng() % 8);
        volts[r] = step * code[r];
      }
      a.write_codes(c, code.data(), 1e-9 * c, c);
      dense.write_column(c, volts.data(), 1e-9 * c, c);
    }
    REQUIRE(a.grid_coded());
    REQUIRE_FALSE(dense.grid_coded());
    std::uniform_real_distribution<double> u(0.0, 1.0);
    std::vector<double> rin(static_cast<std::size_t>(rows)), cin(64);
    for (auto& x : rin) x = u(rng);
    for (auto& x : cin) x = u(rng) < 0.2 ? 0.0 : u(rng);
    std::vector<double> r0(64), r1(64), r2(64), c0(static_cast<std::size_t>(rows)), c1(c0.size()),
        c2(c0.size());
    const double ar0 = dense.read_rows(rin.data(), 3e-7, 70, r0.data());
    const double ac0 = dense.read_cols(cin.data(), 3e-7, 70, c0.data());
    GainCellArrayModel::enable_avx512_reads(true);
    const double ar1 = a.read_rows(rin.data(), 3e-7, 70, r1.data());
    const double ac1 = a.read_cols(cin.data(), 3e-7, 70, c1.data());
    GainCellArrayModel::enable_avx512_reads(false);
    const double ar2 = a.read_rows(rin.data(), 3e-7, 70, r2.data());
    const double ac2 = a.read_cols(cin.data(), 3e-7, 70, c2.data());
    GainCellArrayModel::enable_avx512_reads(true);
    INFO("rows " << rows);
    for (const auto* rr : {&r1, &r2})
      CHECK(std::memcmp(r0.data(), rr->data(), r0.size() * sizeof(double)) == 0);
    for (const auto* cc : {&c1, &c2})
      CHECK(std::memcmp(c0.data(), cc->data(), c0.size() * sizeof(double)) == 0);
    for (double x : {ar1, ar2}) CHECK(std::memcmp(&ar0, &x, sizeof x) == 0);
    for (double x : {ac1, ac2}) CHECK(std::memcmp(&ac0, &x, sizeof x) == 0);
  }
}
