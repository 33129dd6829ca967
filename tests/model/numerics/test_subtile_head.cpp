#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <random>
#include <stdexcept>
#include <vector>

#include "gcattn/numerics/converters.h"
#include "gcattn/numerics/head.h"
#include "gcattn/numerics/reference.h"
#include "gcattn/numerics/subtile.h"
#include "support/paper_reference.h"

using namespace gcattn;

namespace {

HardwareParams continuous_params(const char* cell = "polynomial") {
  Config cfg = Config::paper();
  cfg.set("signal.quantize=false");
  cfg.set(std::string("cell.model=") + cell);
  cfg.set("leakage.mode=token_age");
  return HardwareParams::from(cfg);
}

struct RandomTile {
  int T, D;
  std::vector<double> q, k, v;
  RandomTile(int t, int d, unsigned seed) : T(t), D(d) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> uq(0.0, 1.0), ukv(0.0, 0.9);
    for (int i = 0; i < T * D; ++i) {
      q.push_back(uq(rng));
      k.push_back(ukv(rng));
      v.push_back(ukv(rng));
    }
  }
};

}  // namespace

TEST_CASE("gain-cell array reads match hand-computed sums", "[numerics][array]") {
  const CellModel lin = CellModel::linear(19.3);
  GainCellArrayModel a(3, 2, lin, Leakage(LeakageMode::Off, 5e-3, 0.0), 0.45);
  const double c0[3] = {0.45, 0.65, 0.25};  // u = 0, 0.2, -0.2
  const double c1[3] = {0.9, 0.45, 0.45};   // u = 0.45, 0, 0
  a.write_column(0, c0, 0.0, 0);
  double out[2], rows[3];
  const double in_rows[3] = {1.0, 0.5, 0.25};
  a.read_rows(in_rows, 0.0, 0, out);
  CHECK(out[0] == Approx(0.5 * 19.3 * 0.2 - 0.25 * 19.3 * 0.2));
  CHECK(out[1] == 0.0);  // not written yet
  a.write_column(1, c1, 0.0, 1);
  const double in_cols[2] = {0.5, 1.0};
  a.read_cols(in_cols, 0.0, 1, rows);
  CHECK(rows[0] == Approx(1.0 * 19.3 * 0.45));
  CHECK(rows[1] == Approx(0.5 * 19.3 * 0.2));
  CHECK(rows[2] == Approx(-0.5 * 19.3 * 0.2));
  CHECK(a.stored_volts(0, 1) == Approx(0.65));
}

TEST_CASE("gain-cell array leaks with elapsed time since each column's write",
          "[numerics][array]") {
  const CellModel lin = CellModel::linear(10.0);
  GainCellArrayModel a(1, 2, lin, Leakage(LeakageMode::Time, 1e-3, 0.0), 0.45);
  const double v = 0.85;  // u = 0.4
  a.write_column(0, &v, 0.0, 0);
  a.write_column(1, &v, 1e-3, 1);
  const double in = 1.0;
  double out[2];
  a.read_rows(&in, 2e-3, 2, out);
  CHECK(out[0] == Approx(4.0 * std::exp(-2.0)));
  CHECK(out[1] == Approx(4.0 * std::exp(-1.0)));
}

TEST_CASE("sub-tile equals an independent transcription of PAPER.md section 5",
          "[numerics][subtile]") {
  for (const char* cell : {"polynomial", "linear"}) {
    const HardwareParams p = continuous_params(cell);
    const RandomTile in(64, 64, 42);
    const double rate = 1.6e-4;
    std::vector<double> S, phi, out;
    test::paper_subtile(in.q, in.k, in.v, in.T, in.D, rate, std::string(cell) == "linear", S, phi,
                        out);

    SubTileModel tile(p);
    std::vector<double> s(64), ph(64), a(64), o(64);
    for (int t = 0; t < in.T; ++t) {
      tile.write(t, &in.k[t * 64], &in.v[t * 64], 0.0, t);
      tile.attend(&in.q[t * 64], 0.0, t, s.data(), ph.data(), a.data(), o.data());
      for (int j = 0; j <= t; ++j) {
        CHECK(s[j] == Approx(S[t * 64 + j]).epsilon(1e-12).margin(1e-9));
        CHECK(ph[j] == Approx(phi[t * 64 + j]).margin(1e-12));
      }
      for (int j = t + 1; j < 64; ++j) CHECK(ph[j] == 0.0);
      for (int d = 0; d < 64; ++d) CHECK(o[d] == Approx(out[t * 64 + d]).margin(1e-12));
    }
  }
}

TEST_CASE("head: circular window, sub-tile mapping, digital sum and output scaler",
          "[numerics][head]") {
  Config cfg = Config::paper();
  cfg.set("array.window_tokens=128");  // 2 sub-tiles
  cfg.set("leakage.mode=off");
  const HardwareParams p = HardwareParams::from(cfg);
  HeadScalers sc = p.default_scalers;
  sc.out = {2.0, 0.5};
  HeadModel head(p, sc);
  REQUIRE(head.subtile_count() == 2);
  std::mt19937 rng(3);
  std::normal_distribution<float> n(0.0f, 0.2f);
  std::vector<float> k(64), v(64), q(64);
  std::vector<double> out(64);
  for (int t = 0; t < 200; ++t) {
    for (int d = 0; d < 64; ++d) {
      k[d] = n(rng);
      v[d] = n(rng);
      q[d] = std::fabs(n(rng));
    }
    head.write_token(t, k.data(), v.data(), 0.0);
    head.attend(t, q.data(), 0.0, out.data());
    // Token t sits in slot t mod 128: sub-tile (t mod 128) / 64, column t mod 64.
    const int slot = t % 128;
    CHECK(head.subtile(slot / 64).k_array().write_token(slot % 64) == t);
    const int filled = std::min(t + 1, 128);
    int valid = 0;
    for (int m = 0; m < 2; ++m) valid += head.subtile(m).k_array().valid_columns();
    CHECK(valid == filled);
    for (int d = 0; d < 64; ++d) {
      const double sum = head.subtile_outputs()[d] + head.subtile_outputs()[64 + d];
      CHECK(out[d] == Approx(2.0 * sum + 0.5));
    }
  }
}

TEST_CASE("ideal hardware with linear cell tracks the linear-attention formula",
          "[numerics][reference]") {
  const HardwareParams p = ideal_hardware(HardwareParams::from(Config::paper()));
  CHECK(p.cell_kind == CellKind::Linear);
  CHECK_FALSE(p.quantize);
  CHECK(p.leakage_mode == LeakageMode::Off);
  // out[d] = a_o * sum_m clamp(A_m[d] / a_sat, -1, 1) + b_o with A_m[d] = sum_{s in m} phi_s *
  // slope * (v_s[d] - v_mid), phi_s = clamp(S_s / s_sat, 0, 1), S_s = sum_d q[d] * slope *
  // (k_s[d] - v_mid): linear attention with a HardSigmoid, in hardware units. Values small enough
  // that nothing saturates, over three sub-tiles.
  HeadScalers sc = p.default_scalers;
  sc.out = {1.5, 0.25};
  HeadModel head(p, sc);
  const int D = p.rows, T = 150;
  std::mt19937 rng(11);
  std::uniform_real_distribution<double> uq(0.0, 1.0), uk(0.40, 0.50), uv(0.35, 0.55);
  std::vector<std::vector<double>> k(T, std::vector<double>(D)), v = k;
  for (int t = 0; t < T; ++t) {
    for (int d = 0; d < D; ++d) {
      k[t][d] = uk(rng);
      v[t][d] = uv(rng);
    }
    head.write_token_hw(t, k[t].data(), v[t].data(), 0.0);
  }
  std::vector<double> q(D), out(D);
  for (double& x : q) x = uq(rng);
  head.attend_hw(T - 1, q.data(), 0.0, out.data());
  const double slope = p.linear_slope_ua_per_v;
  std::vector<double> expect(D, 0.0);
  int unsaturated = 0;
  for (int m = 0; m * p.cols < T; ++m) {
    std::vector<double> a(D, 0.0);
    for (int s = m * p.cols; s < std::min(T, (m + 1) * p.cols); ++s) {
      double S = 0.0;
      for (int d = 0; d < D; ++d) S += q[d] * slope * (k[s][d] - p.v_mid_v);
      const double phi = std::clamp(S / p.s_sat_ua, 0.0, 1.0);
      unsaturated += phi > 0.0 && phi < 1.0;
      for (int d = 0; d < D; ++d) a[d] += phi * slope * (v[s][d] - p.v_mid_v);
    }
    for (int d = 0; d < D; ++d) expect[d] += std::clamp(a[d] / p.a_sat_ua, -1.0, 1.0);
  }
  CHECK(unsaturated > T / 4);  // the HardSigmoid's linear part is exercised
  for (int d = 0; d < D; ++d) CHECK(out[d] == Approx(1.5 * expect[d] + 0.25).epsilon(1e-12));
}

TEST_CASE("softmax reference attention and error metrics", "[numerics][reference]") {
  const float q[2] = {1.0f, 0.0f};
  const float k[4] = {1.0f, 0.0f, 0.0f, 1.0f};
  const float v[4] = {1.0f, 2.0f, 3.0f, 4.0f};
  double out[2];
  softmax_attention(q, k, v, 2, 2, out);
  const double w0 = std::exp(1.0 / std::sqrt(2.0)), w1 = 1.0;
  CHECK(out[0] == Approx((w0 * 1 + w1 * 3) / (w0 + w1)));
  CHECK(out[1] == Approx((w0 * 2 + w1 * 4) / (w0 + w1)));
  const double a[3] = {1, 2, 3}, b[3] = {2, 4, 6}, c[3] = {1, 2, 4};
  CHECK(cosine_similarity(a, b, 3) == Approx(1.0));
  CHECK(relative_rms_error(a, a, 3) == 0.0);
  CHECK(relative_rms_error(c, a, 3) == Approx(1.0 / std::sqrt(14.0)));
}

TEST_CASE("write_codes stores what write_column of the grid voltages stores, coded or dense",
          "[numerics][array]") {
  const HardwareParams p = HardwareParams::from(Config::paper());
  const WriteDac dac = WriteDac::from(p);
  auto make = [&p] {
    return GainCellArrayModel(p.rows, p.cols, CellModel::from(p), Leakage::from(p), p.v_mid_v);
  };
  GainCellArrayModel by_code = make(), by_volts = make(), no_grid = make();
  for (auto* a : {&by_code, &by_volts})
    a->set_write_grid(dac.step_v(), dac.grid_min_index(), dac.grid_max_index());
  REQUIRE(by_code.has_write_grid());
  CHECK_FALSE(no_grid.has_write_grid());
  std::vector<double> volts(static_cast<std::size_t>(p.rows)), q(static_cast<std::size_t>(p.rows));
  std::vector<std::uint8_t> code(static_cast<std::size_t>(p.rows));
  for (int r = 0; r < p.rows; ++r) q[r] = (r % 5) / 4.0;
  auto column = [&](int c) {
    for (int r = 0; r < p.rows; ++r) {
      double index = 0.0;
      volts[r] = dac.volts(0.9 * ((r * 3 + c * 7) % 13) / 12.0, index);
      code[r] = static_cast<std::uint8_t>(static_cast<int>(index) - dac.grid_min_index());
    }
  };
  auto same_reads = [&] {
    std::vector<double> a(static_cast<std::size_t>(p.cols)), b(a.size());
    CHECK(by_code.read_rows(q.data(), 2e-6, 40, a.data()) ==
          by_volts.read_rows(q.data(), 2e-6, 40, b.data()));
    CHECK(a == b);
  };
  for (int c = 0; c < 20; ++c) {
    column(c);
    by_code.write_codes(c, code.data(), 1e-8 * c, c);
    by_volts.write_column(c, volts.data(), 1e-8 * c, c);
  }
  CHECK(by_code.grid_coded());
  same_reads();
  // An off-grid voltage turns both dense; later code writes store the same doubles.
  std::vector<double> odd(volts);
  odd[3] = 0.123456789;
  by_code.write_column(20, odd.data(), 2e-7, 20);
  by_volts.write_column(20, odd.data(), 2e-7, 20);
  CHECK_FALSE(by_code.grid_coded());
  for (int c = 21; c < 30; ++c) {
    column(c);
    by_code.write_codes(c, code.data(), 1e-8 * c, c);
    by_volts.write_column(c, volts.data(), 1e-8 * c, c);
  }
  same_reads();
  // No grid, or a code beyond it: refused, nothing written.
  CHECK_THROWS_AS(no_grid.write_codes(0, code.data(), 0.0, 0), std::out_of_range);
  CHECK_FALSE(no_grid.valid(0));
  code[5] = static_cast<std::uint8_t>(dac.grid_max_index() - dac.grid_min_index() + 1);
  CHECK_THROWS_AS(by_code.write_codes(40, code.data(), 0.0, 40), std::out_of_range);
  CHECK_FALSE(by_code.valid(40));
}
