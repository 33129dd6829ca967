// Device variation and noise in the numerics library (docs/nonidealities.md): zero sigmas keep
// the nominal arrays, each parameter is reproducible per seed and changes with the seed, the
// sampled values have the configured spread, and accuracy degrades on average as a sigma grows.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "gcattn/numerics/converters.h"
#include "gcattn/numerics/head.h"
#include "gcattn/physics/variation.h"

using namespace gcattn;

namespace {

// A small head: 2 sub-tiles of 32 tokens x 32 rows, token-age leakage (read times do not matter).
Config small(const std::vector<std::string>& overrides) {
  Config cfg = Config::paper();
  for (const char* s : {"array.rows=32", "array.cols=32", "array.window_tokens=64",
                        "leakage.mode=token_age", "leakage.decay_per_token=0.01"})
    cfg.set(s);
  for (const auto& s : overrides) cfg.set(s);
  return cfg;
}

// Random model-space tokens in the scalers' useful range.
struct Inputs {
  int T, D;
  std::vector<float> q, k, v;
  Inputs(int t, int d, unsigned seed) : T(t), D(d) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> uq(0.0f, 1.0f), ukv(-0.45f, 0.45f);
    for (int i = 0; i < T * D; ++i) {
      q.push_back(uq(rng));
      k.push_back(ukv(rng));
      v.push_back(ukv(rng));
    }
  }
};

// Outputs [T][D] of head (layer, head) of hardware p on the inputs.
std::vector<double> run_head(const HardwareParams& p, const Inputs& in, int layer = 0,
                             int head = 0) {
  HeadModel m(p, p.default_scalers, layer, head);
  std::vector<double> out(static_cast<std::size_t>(in.T * in.D));
  for (int t = 0; t < in.T; ++t) {
    m.write_token(t, &in.k[static_cast<std::size_t>(t * in.D)],
                  &in.v[static_cast<std::size_t>(t * in.D)], 0.0);
    m.attend(t, &in.q[static_cast<std::size_t>(t * in.D)], 0.0,
             &out[static_cast<std::size_t>(t * in.D)]);
  }
  return out;
}

double relative_rms(const std::vector<double>& x, const std::vector<double>& ref) {
  double e = 0.0, r = 0.0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    e += (x[i] - ref[i]) * (x[i] - ref[i]);
    r += ref[i] * ref[i];
  }
  return std::sqrt(e / r);
}

struct Param {
  const char* key;
  const char* seed;
  double value;               // a clearly visible amount
  std::vector<double> sweep;  // increasing, for the monotonicity test
};

const std::vector<Param>& params() {
  static const std::vector<Param> p = {
      {"variation.cell_gain_sigma", "variation.seed", 0.1, {0.0, 0.05, 0.1, 0.2, 0.4}},
      {"variation.cell_offset_sigma_v", "variation.seed", 0.02, {0.0, 0.01, 0.02, 0.04, 0.08}},
      {"variation.tau_sigma", "variation.seed", 1.0, {0.0, 0.5, 1.0, 2.0, 3.0}},
      {"variation.converter_offset_sigma_lsb", "variation.seed", 1.0, {0.0, 0.25, 0.5, 1.0, 2.0}},
      {"noise.read_sigma", "noise.seed", 0.1, {0.0, 0.05, 0.1, 0.2, 0.4}},
      {"noise.write_sigma_v", "noise.seed", 0.02, {0.0, 0.01, 0.02, 0.04, 0.08}},
  };
  return p;
}

std::string set(const char* key, double v) {
  return std::string(key) + "=" + std::to_string(v);
}

}  // namespace

TEST_CASE("Zero sigmas keep the nominal arrays whatever the seeds", "[numerics][variation]") {
  const HardwareParams nominal = HardwareParams::from(small({}));
  const HardwareParams reseeded =
      HardwareParams::from(small({"variation.seed=77", "noise.seed=78"}));
  CHECK_FALSE(reseeded.nonideal.any());
  const Inputs in(40, 32, 3);
  CHECK(run_head(nominal, in) == run_head(reseeded, in, 1, 1));
  HeadModel m(reseeded);
  CHECK_FALSE(m.subtile(0).k_array().varied());
  CHECK(m.subtile(0).k_array().grid_coded());
}

TEST_CASE("Each variation and noise parameter: same seed same outputs, new seed new outputs",
          "[numerics][variation]") {
  const Inputs in(40, 32, 5);
  const std::vector<double> nominal = run_head(HardwareParams::from(small({})), in);
  for (const auto& p : params()) {
    INFO(p.key);
    const HardwareParams a = HardwareParams::from(small({set(p.key, p.value)}));
    const HardwareParams b =
        HardwareParams::from(small({set(p.key, p.value), std::string(p.seed) + "=2"}));
    const std::vector<double> a1 = run_head(a, in), a2 = run_head(a, in), b1 = run_head(b, in);
    CHECK(a1 == a2);
    CHECK(a1 != b1);
    CHECK(a1 != nominal);
    // Another head of the same chip is another set of devices.
    CHECK(run_head(a, in, 0, 1) != a1);
  }
}

TEST_CASE("A head's devices do not depend on what was built or evaluated before",
          "[numerics][variation]") {
  const HardwareParams p = HardwareParams::from(
      small({"variation.cell_gain_sigma=0.1", "variation.tau_sigma=1", "noise.read_sigma=0.05",
             "noise.write_sigma_v=0.02", "variation.converter_offset_sigma_lsb=0.5"}));
  const Inputs in(40, 32, 9), other(20, 32, 10);
  const std::vector<double> alone = run_head(p, in, 2, 3);
  (void)run_head(p, other, 2, 3);  // same site, other data, thrown away
  (void)run_head(p, other, 0, 0);
  CHECK(run_head(p, in, 2, 3) == alone);
}

TEST_CASE("Sampled variation has the configured spread", "[numerics][variation]") {
  // Cell gain: one-hot row reads of a linear cell give gain * slope * u per cell.
  Config cfg = small({"variation.cell_gain_sigma=0.1", "cell.model=linear", "leakage.mode=off"});
  const HardwareParams p = HardwareParams::from(cfg);
  GainCellArrayModel arr(p.rows, p.cols, CellModel::from(p), Leakage::from(p), p.v_mid_v);
  arr.set_nonideality(p.nonideal, Site{0, 0, 0}, Unit::KArray);
  std::vector<double> volts(static_cast<std::size_t>(p.rows), 0.9);  // u = 0.45 V
  for (int c = 0; c < p.cols; ++c) arr.write_column(c, volts.data(), 0.0, c);
  std::vector<double> in(static_cast<std::size_t>(p.rows)), out(static_cast<std::size_t>(p.cols));
  double sum = 0.0, sum2 = 0.0;
  int n = 0;
  for (int r = 0; r < p.rows; ++r) {
    std::fill(in.begin(), in.end(), 0.0);
    in[static_cast<std::size_t>(r)] = 1.0;
    arr.read_rows(in.data(), 0.0, 0, out.data());
    for (double x : out) {
      const double g = x / (p.linear_slope_ua_per_v * 0.45);
      sum += g;
      sum2 += g * g;
      ++n;
    }
  }
  const double mean = sum / n, sd = std::sqrt(sum2 / n - mean * mean);
  CHECK(mean == Approx(1.0).margin(0.01));
  CHECK(sd == Approx(0.1).epsilon(0.1));
  // The two normal generators.
  double s1 = 0.0, s2 = 0.0, f1 = 0.0, f2 = 0.0;
  const int N = 200000;
  for (int i = 0; i < N; ++i) {
    const double z = normal(mix_key(11, static_cast<std::uint64_t>(i)));
    const double f =
        normal_table()[hash32(static_cast<std::uint32_t>(i) * 0x9E3779B9U) >> (32 - kNoiseBits)];
    s1 += z;
    s2 += z * z;
    f1 += f;
    f2 += f * f;
  }
  CHECK(s1 / N == Approx(0.0).margin(0.01));
  CHECK(s2 / N == Approx(1.0).epsilon(0.02));
  CHECK(f1 / N == Approx(0.0).margin(0.01));
  CHECK(f2 / N == Approx(1.0).epsilon(0.02));
}

TEST_CASE("Accuracy degrades monotonically on average as each sigma grows",
          "[numerics][variation]") {
  // Error against the nominal head (same scalers), averaged over 4 seeds, at each point of the
  // sweep (params(): five points per sigma, from 0 to about 4x its clearly visible amount).
  const Inputs in(64, 32, 21);
  const HardwareParams nominal = HardwareParams::from(small({}));
  const std::vector<double> ref = run_head(nominal, in);
  for (const auto& p : params()) {
    INFO(p.key);
    double previous = -1.0;
    for (double sigma : p.sweep) {
      double err = 0.0;
      for (int seed = 1; seed <= 4; ++seed) {
        const HardwareParams hw = HardwareParams::from(
            small({set(p.key, sigma), std::string(p.seed) + "=" + std::to_string(seed)}));
        err += relative_rms(run_head(hw, in), ref) / 4.0;
      }
      INFO("sigma " << sigma << ": mean relative RMS error " << err);
      if (sigma == 0.0) {
        CHECK(err == 0.0);
      } else {
        CHECK(err > previous);
      }
      previous = err;
    }
  }
}

TEST_CASE("Varied row and column reads see the same cell currents, also in a tail of rows",
          "[numerics][variation]") {
  // 30 rows: the four-lane kernels end with a padded tail of two rows.
  Config cfg = small({"array.rows=30", "array.cols=8", "array.window_tokens=8",
                      "variation.cell_gain_sigma=0.1", "variation.cell_offset_sigma_v=0.01",
                      "variation.tau_sigma=1", "noise.read_sigma=0.1", "noise.write_sigma_v=0.01"});
  const HardwareParams p = HardwareParams::from(cfg);
  GainCellArrayModel arr(p.rows, p.cols, CellModel::from(p), Leakage::from(p), p.v_mid_v);
  arr.set_nonideality(p.nonideal, Site{1, 2, 0}, Unit::VArray);
  std::mt19937 rng(5);
  std::uniform_real_distribution<double> uv(0.0, 0.9);
  std::vector<double> volts(static_cast<std::size_t>(p.rows));
  for (int c = 0; c < p.cols; ++c) {
    for (double& v : volts) v = uv(rng);
    arr.write_column(c, volts.data(), 0.0, c);
  }
  std::vector<double> in_r(static_cast<std::size_t>(p.rows)),
      in_c(static_cast<std::size_t>(p.cols)), by_rows(static_cast<std::size_t>(p.cols)),
      by_cols(static_cast<std::size_t>(p.rows));
  int mismatches = 0;
  for (int r = 0; r < p.rows; ++r) {
    std::fill(in_r.begin(), in_r.end(), 0.0);
    in_r[static_cast<std::size_t>(r)] = 1.0;
    arr.read_rows(in_r.data(), 0.0, 20, by_rows.data());
    for (int c = 0; c < p.cols; ++c) {
      std::fill(in_c.begin(), in_c.end(), 0.0);
      in_c[static_cast<std::size_t>(c)] = 1.0;
      arr.read_cols(in_c.data(), 0.0, 20, by_cols.data());
      mismatches += by_rows[static_cast<std::size_t>(c)] != by_cols[static_cast<std::size_t>(r)];
    }
  }
  CHECK(mismatches == 0);
  // And the currents differ from cell to cell (the tail rows are not copies of the last one).
  std::fill(in_c.begin(), in_c.end(), 0.0);
  in_c[0] = 1.0;
  arr.read_cols(in_c.data(), 0.0, 20, by_cols.data());
  CHECK(by_cols[29] != by_cols[28]);
  CHECK(by_cols[28] != by_cols[27]);
}

namespace {

// An array of configuration cfg written with random grid levels in every column but the last
// two: grid-coded (make_array) or, with dense, the same voltages in an array without the grid
// (one double per cell).
GainCellArrayModel random_array(const Config& cfg, bool dense, unsigned seed) {
  const HardwareParams p = HardwareParams::from(cfg);
  const WriteDac dac = WriteDac::from(p);
  GainCellArrayModel a =
      dense ? GainCellArrayModel(p.rows, p.cols, CellModel::from(p), Leakage::from(p), p.v_mid_v)
            : make_array(p, Unit::KArray, Site{1, 2, 3});
  if (dense) a.set_nonideality(p.nonideal, Site{1, 2, 3}, Unit::KArray);
  std::mt19937 rng(seed);
  const int levels = dac.grid_max_index() - dac.grid_min_index() + 1;
  std::vector<double> volts(static_cast<std::size_t>(p.rows));
  for (int c = 0; c + 2 < p.cols; ++c) {
    for (double& v : volts)
      v = dac.step_v() * (dac.grid_min_index() + static_cast<int>(rng() % levels));
    a.write_column(c, volts.data(), 2e-6 * c, c);
  }
  return a;
}

struct Reads {
  std::vector<double> rows, cols;
  double rows_activity = 0.0, cols_activity = 0.0;
  bool operator==(const Reads& o) const {
    return std::memcmp(rows.data(), o.rows.data(), rows.size() * sizeof(double)) == 0 &&
           std::memcmp(cols.data(), o.cols.data(), cols.size() * sizeof(double)) == 0 &&
           std::memcmp(&rows_activity, &o.rows_activity, sizeof(double)) == 0 &&
           std::memcmp(&cols_activity, &o.cols_activity, sizeof(double)) == 0;
  }
};

// A row read and a column read of a at (now_s, now_token), inputs drawn from seed.
Reads read_both(const GainCellArrayModel& a, double now_s, std::int64_t now_token, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<double> in_r(static_cast<std::size_t>(a.rows())),
      in_c(static_cast<std::size_t>(a.cols()));
  for (double& x : in_r) x = u(rng);
  for (double& x : in_c) x = u(rng) < 0.2 ? 0.0 : u(rng);
  Reads r;
  r.rows.resize(static_cast<std::size_t>(a.cols()));
  r.cols.resize(static_cast<std::size_t>(a.rows()));
  r.rows_activity = a.read_rows(in_r.data(), now_s, now_token, r.rows.data());
  r.cols_activity = a.read_cols(in_c.data(), now_s, now_token, r.cols.data());
  return r;
}

}  // namespace

TEST_CASE("Varied reads: the AVX-512 kernels equal the portable ones, grid codes equal dense cells",
          "[numerics][variation][simd]") {
  if (!GainCellArrayModel::avx512_reads()) WARN("no AVX-512 on this CPU: both runs are portable");
  const std::vector<std::vector<std::string>> chips = {
      {"variation.cell_gain_sigma=0.1"},
      {"noise.read_sigma=0.1"},
      {"variation.cell_gain_sigma=0.1", "noise.read_sigma=0.1"},
      {"variation.tau_sigma=1"},
      {"variation.tau_sigma=3", "noise.read_sigma=0.1"},  // old cells: clamped decay exponents
      {"variation.cell_offset_sigma_v=0.02"},
      {"noise.write_sigma_v=0.02", "noise.read_sigma=0.05"},
      {"variation.cell_gain_sigma=0.1", "variation.cell_offset_sigma_v=0.01",
       "variation.tau_sigma=0.5", "noise.read_sigma=0.05", "noise.write_sigma_v=0.01"},
  };
  for (const auto& chip : chips) {
    for (int rows : {64, 61, 12, 3}) {
      std::vector<std::string> set = chip;
      set.push_back("array.rows=" + std::to_string(rows));
      set.push_back("leakage.mode=time");
      set.push_back("leakage.tau_s=1e-4");  // columns from barely to fully decayed
      Config cfg = small(set);
      INFO("rows " << rows << ": " << chip.front() << " (" << chip.size() << " settings)");
      const GainCellArrayModel coded = random_array(cfg, false, 7),
                               dense = random_array(cfg, true, 7);
      REQUIRE(coded.grid_coded());
      REQUIRE_FALSE(dense.grid_coded());
      REQUIRE(coded.varied());
      const double now = 2e-6 * 40;
      GainCellArrayModel::enable_avx512_reads(true);
      const Reads wide = read_both(coded, now, 40, 11);
      GainCellArrayModel::enable_avx512_reads(false);
      const Reads portable = read_both(coded, now, 40, 11);
      const Reads dense_reads = read_both(dense, now, 40, 11);
      GainCellArrayModel::enable_avx512_reads(true);
      CHECK(wide == portable);
      // Dense cells always take the per-cell cubic; so do grid codes with an offset, write noise
      // or a retention spread.
      const HardwareParams p = HardwareParams::from(cfg);
      if (p.nonideal.tau_sigma > 0.0 || p.nonideal.cell_offset_sigma_v > 0.0 ||
          p.nonideal.write_sigma_v > 0.0)
        CHECK(dense_reads == portable);
    }
  }
}

TEST_CASE("Read noise has the configured spread, new for every read and cell",
          "[numerics][variation]") {
  // A linear cell without leakage: a one-hot row read gives slope * u * (1 + sigma n) per cell.
  const double sigma = 0.1;
  Config cfg = small({"noise.read_sigma=0.1", "cell.model=linear", "leakage.mode=off"});
  const HardwareParams p = HardwareParams::from(cfg);
  GainCellArrayModel arr = make_array(p, Unit::VArray, Site{0, 1, 0});
  const WriteDac dac = WriteDac::from(p);  // every cell at the top of the write grid
  std::vector<double> volts(static_cast<std::size_t>(p.rows), dac.step_v() * dac.grid_max_index());
  for (int c = 0; c < p.cols; ++c) arr.write_column(c, volts.data(), 0.0, c);
  const double nominal = p.linear_slope_ua_per_v * (volts[0] - p.v_mid_v);
  REQUIRE(nominal > 0.0);
  const int reads = 16;
  // n[read][col][row]
  std::vector<double> n(static_cast<std::size_t>(reads * p.cols * p.rows));
  auto at = [&](int t, int c, int r) -> double& {
    return n[static_cast<std::size_t>((t * p.cols + c) * p.rows + r)];
  };
  std::vector<double> in(static_cast<std::size_t>(p.rows)), out(static_cast<std::size_t>(p.cols));
  for (int t = 0; t < reads; ++t) {
    for (int r = 0; r < p.rows; ++r) {
      std::fill(in.begin(), in.end(), 0.0);
      in[static_cast<std::size_t>(r)] = 1.0;
      arr.read_rows(in.data(), 0.0, 100 + t, out.data());
      for (int c = 0; c < p.cols; ++c)
        at(t, c, r) = (out[static_cast<std::size_t>(c)] / nominal - 1.0) / sigma;
    }
  }
  // A repeated read (same token) sees the same noise.
  in.assign(in.size(), 0.0);
  in[5] = 1.0;
  arr.read_rows(in.data(), 0.0, 100 + 3, out.data());
  CHECK((out[7] / nominal - 1.0) / sigma == Approx(at(3, 7, 5)).margin(1e-5));
  // Unit normal: mean 0, variance 1, symmetric tails.
  double s1 = 0.0, s2 = 0.0, s4 = 0.0;
  int beyond2 = 0;
  for (double x : n) {
    s1 += x;
    s2 += x * x;
    s4 += x * x * x * x;
    beyond2 += std::fabs(x) > 2.0;
  }
  const double N = static_cast<double>(n.size());
  CHECK(s1 / N == Approx(0.0).margin(0.03));
  CHECK(s2 / N == Approx(1.0).epsilon(0.05));
  CHECK(s4 / N == Approx(3.0).epsilon(0.1));           // normal kurtosis
  CHECK(beyond2 / N == Approx(0.0455).epsilon(0.15));  // P(|z| > 2)
  // Uncorrelated: neighbouring rows of a column, neighbouring columns, consecutive reads.
  auto correlation = [&](int dt, int dc, int dr) {
    double sxy = 0.0;
    int count = 0;
    for (int t = 0; t + dt < reads; ++t)
      for (int c = 0; c + dc < p.cols; ++c)
        for (int r = 0; r + dr < p.rows; ++r) {
          sxy += at(t, c, r) * at(t + dt, c + dc, r + dr);
          ++count;
        }
    return sxy / count;
  };
  CHECK(std::fabs(correlation(0, 0, 1)) < 0.03);
  CHECK(std::fabs(correlation(0, 1, 0)) < 0.03);
  CHECK(std::fabs(correlation(1, 0, 0)) < 0.03);
  CHECK(std::fabs(correlation(0, 1, 1)) < 0.03);
}

TEST_CASE("Write noise has the configured spread, new for every write", "[numerics][variation]") {
  // A linear cell without leakage: a one-hot row read gives slope * (u + w) per cell.
  const double sigma = 0.02;
  const HardwareParams p = HardwareParams::from(
      small({"noise.write_sigma_v=0.02", "cell.model=linear", "leakage.mode=off"}));
  GainCellArrayModel arr = make_array(p, Unit::VArray, Site{0, 1, 0});
  const WriteDac dac = WriteDac::from(p);
  std::vector<double> volts(static_cast<std::size_t>(p.rows), dac.step_v() * dac.grid_max_index());
  const double u = volts[0] - p.v_mid_v;
  std::vector<double> in(static_cast<std::size_t>(p.rows)), out(static_cast<std::size_t>(p.cols));
  const int writes = 8;  // every column rewritten, as tokens c + 32 w
  std::vector<double> n(static_cast<std::size_t>(writes * p.cols * p.rows));
  auto at = [&](int w, int c, int r) -> double& {
    return n[static_cast<std::size_t>((w * p.cols + c) * p.rows + r)];
  };
  for (int w = 0; w < writes; ++w) {
    for (int c = 0; c < p.cols; ++c) arr.write_column(c, volts.data(), 0.0, c + p.cols * w);
    for (int r = 0; r < p.rows; ++r) {
      std::fill(in.begin(), in.end(), 0.0);
      in[static_cast<std::size_t>(r)] = 1.0;
      arr.read_rows(in.data(), 0.0, 1000, out.data());
      for (int c = 0; c < p.cols; ++c)
        at(w, c, r) = (out[static_cast<std::size_t>(c)] / p.linear_slope_ua_per_v - u) / sigma;
    }
  }
  double s1 = 0.0, s2 = 0.0, s4 = 0.0;
  for (double x : n) {
    s1 += x;
    s2 += x * x;
    s4 += x * x * x * x;
  }
  const double N = static_cast<double>(n.size());
  CHECK(s1 / N == Approx(0.0).margin(0.04));
  CHECK(s2 / N == Approx(1.0).epsilon(0.06));
  CHECK(s4 / N == Approx(3.0).epsilon(0.12));
  auto correlation = [&](int dw, int dc, int dr) {
    double sxy = 0.0;
    int count = 0;
    for (int w = 0; w + dw < writes; ++w)
      for (int c = 0; c + dc < p.cols; ++c)
        for (int r = 0; r + dr < p.rows; ++r) {
          sxy += at(w, c, r) * at(w + dw, c + dc, r + dr);
          ++count;
        }
    return sxy / count;
  };
  CHECK(std::fabs(correlation(0, 0, 1)) < 0.04);
  CHECK(std::fabs(correlation(0, 1, 0)) < 0.04);
  CHECK(std::fabs(correlation(1, 0, 0)) < 0.04);
}

TEST_CASE("Retention spread: log-normal time constants, each cell's decay to about 1e-6",
          "[numerics][variation]") {
  // A linear cell: a one-hot row read gives slope * u * delta^r per cell, r = exp(-sigma z) the
  // cell's decay-rate factor (tau_cell = tau / r).
  auto array = [](const std::string& sigma) {
    const HardwareParams p =
        HardwareParams::from(small({"variation.tau_sigma=" + sigma, "cell.model=linear",
                                    "leakage.mode=time", "leakage.tau_s=1e-6"}));
    GainCellArrayModel arr = make_array(p, Unit::KArray, Site{0, 0, 1});
    const WriteDac dac = WriteDac::from(p);
    std::vector<double> volts(static_cast<std::size_t>(p.rows),
                              dac.step_v() * dac.grid_max_index());
    for (int c = 0; c < p.cols; ++c) arr.write_column(c, volts.data(), 0.0, c);
    return std::make_pair(arr, p.linear_slope_ua_per_v * (volts[0] - p.v_mid_v));
  };
  // Row r of every column at time t (ln delta = -t / 1 us), relative to the undecayed current.
  auto read = [](const GainCellArrayModel& arr, double nominal, int r, double t) {
    std::vector<double> in(static_cast<std::size_t>(arr.rows())),
        out(static_cast<std::size_t>(arr.cols()));
    in[static_cast<std::size_t>(r)] = 1.0;
    arr.read_rows(in.data(), t, 0, out.data());
    for (double& x : out) x /= nominal;
    return out;
  };
  {
    // sigma 0.5: ln r is normal with that spread.
    const auto [arr, nominal] = array("0.5");
    double s1 = 0.0, s2 = 0.0;
    int count = 0;
    for (int r = 0; r < arr.rows(); ++r) {
      for (double x : read(arr, nominal, r, 0.3e-6)) {
        const double ln_rate = std::log(std::log(x) / -0.3);
        s1 += ln_rate;
        s2 += ln_rate * ln_rate;
        ++count;
      }
    }
    const double mean = s1 / count, sd = std::sqrt(s2 / count - mean * mean);
    CHECK(mean == Approx(0.0).margin(0.03));
    CHECK(sd == Approx(0.5).epsilon(0.05));
  }
  {
    // A negligible spread (every rate 1 in single precision): each cell decays as exp(-t / tau),
    // in single precision (the exponent rounded to float: a relative error of about 1e-7 per unit
    // of it).
    const auto [arr, nominal] = array("1e-9");
    for (double t : {1e-8, 3e-7, 1e-6, 5e-6, 2e-5, 6e-5}) {
      INFO("t = " << t);
      const double exact = std::exp(-t / 1e-6);
      for (int r : {0, 17, 31})
        for (double x : read(arr, nominal, r, t))
          CHECK(std::fabs(x / exact - 1.0) < 1e-6 + 1e-7 * t / 1e-6);
    }
  }
}
