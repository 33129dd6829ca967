// GainCellArray against the numerics library and the paper's formulas; leakage after a known
// simulated delay; the transfer of every peripheral converter.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <systemc>

#include "gcattn/config/hardware_params.h"
#include "gcattn/numerics/level_thresholds.h"
#include "gcattn/physics/cell_model.h"
#include "gcattn/physics/leakage.h"
#include "gcattn/systemc/charge_to_pulse.h"
#include "gcattn/systemc/digital_accumulator.h"
#include "gcattn/systemc/gain_cell_array.h"
#include "gcattn/systemc/output_converters.h"
#include "gcattn/systemc/query_dac.h"
#include "gcattn/systemc/write_driver.h"
#include "support/paper_reference.h"

using namespace gcattn;
using sc_core::SC_NS;
using sc_core::sc_time;

TEST_CASE("GainCellArray write/read equals GainCellArrayModel", "[systemc][array]") {
  const HardwareParams p = HardwareParams::from(Config::paper());
  sc::GainCellArray array("array", p);
  GainCellArrayModel ref(p.rows, p.cols, CellModel::from(p), Leakage::from(p), p.v_mid_v);
  REQUIRE(array.rows() == 64);
  REQUIRE(array.cols() == 64);

  std::vector<double> volts(64);
  for (int c = 0; c < 40; ++c) {
    for (int r = 0; r < 64; ++r) volts[r] = 0.9 * ((r * 7 + c * 13) % 8) / 7.0;
    const sc_time t(10.0 * c, SC_NS);
    array.write_column(c, volts.data(), t, c);
    ref.write_column(c, volts.data(), t.to_seconds(), c);
  }
  CHECK(array.valid(39));
  CHECK_FALSE(array.valid(40));
  CHECK(array.write_time(5) == sc_time(50, SC_NS));
  CHECK(array.stored_volts(3, 2) == Approx(0.9 * ((2 * 7 + 3 * 13) % 8) / 7.0));

  std::vector<double> in(64), out(64), expect(64);
  for (int i = 0; i < 64; ++i) in[i] = (i % 16) / 15.0;
  const sc_time now(1.0, sc_core::SC_US);
  const double act = array.read_rows(in.data(), now, 40, out.data());
  const double ref_act = ref.read_rows(in.data(), now.to_seconds(), 40, expect.data());
  CHECK(act == ref_act);
  for (int c = 0; c < 64; ++c) CHECK(out[c] == expect[c]);
  CHECK(out[50] == 0.0);  // unwritten column

  array.read_cols(in.data(), now, 40, out.data());
  ref.read_cols(in.data(), now.to_seconds(), 40, expect.data());
  for (int r = 0; r < 64; ++r) CHECK(out[r] == expect[r]);
}

namespace {

struct LeakTop : sc_core::sc_module {
  sc::GainCellArray array;
  std::vector<double> s_fresh, s_late;
  sc_time write_time, read_time;
  SC_HAS_PROCESS(LeakTop);
  LeakTop(const sc_core::sc_module_name& n, const HardwareParams& p)
      : sc_core::sc_module(n), array("array", p), s_fresh(64), s_late(64) {
    SC_THREAD(run);
  }
  void run() {
    std::vector<double> volts(64), q(64, 0.0);
    for (int r = 0; r < 64; ++r) volts[r] = 0.9 * (r % 8) / 7.0;
    wait(3, SC_NS);
    write_time = sc_core::sc_time_stamp();
    array.write_column(0, volts.data(), write_time, 0);
    q[5] = 1.0;  // one full-scale pulse on row 5: S = g(delta * u_5)
    array.read_rows(q.data(), sc_core::sc_time_stamp(), 0, s_fresh.data());
    wait(2, sc_core::SC_MS);  // the host computes elsewhere: the cells decay meanwhile
    read_time = sc_core::sc_time_stamp();
    array.read_rows(q.data(), read_time, 0, s_late.data());
  }
};

}  // namespace

TEST_CASE("GainCellArray leaks with simulated time", "[systemc][array][leakage]") {
  const HardwareParams p = HardwareParams::from(Config::paper());
  LeakTop top("top", p);
  sc_core::sc_start();
  REQUIRE(top.read_time - top.write_time == sc_time(2, sc_core::SC_MS));
  const double u = 0.9 * 5 / 7.0 - 0.45;
  const double delta = std::exp(-2e-3 / 5e-3);  // tau = 5 ms (leakage.tau_s)
  CHECK(top.s_fresh[0] == Approx(test::paper_current_ua(u)).epsilon(1e-9));
  CHECK(top.s_late[0] == Approx(test::paper_current_ua(delta * u)).epsilon(1e-9));
  CHECK(top.s_late[0] < 0.75 * top.s_fresh[0]);
}

TEST_CASE("Peripheral converters: DACs, HardSigmoid, output counters, accumulator",
          "[systemc][converters]") {
  const HardwareParams p = HardwareParams::from(Config::paper());
  sc::QueryDacs qdac("qdac", p);
  sc::WriteDriver wdrv("wdrv", p);
  sc::ChargeToPulseConverters cpc("cpc", p);
  sc::OutputConverters oconv("oconv", p);
  sc::DigitalAccumulator acc("acc", p.rows);

  SECTION("query DAC: clamp [0,1], 16 levels, 1 LSB = 1 ns") {
    std::vector<float> q(64, 0.0f);
    q[0] = 0.5f;   // 7.5 LSB -> 8 (half to even)
    q[1] = -0.3f;  // clamped to 0
    q[2] = 1.7f;   // clamped to 1
    q[3] = 0.2f;   // 3 LSB
    std::vector<double> f(64);
    const sc::QueryDacs::Pulses pulses = qdac.convert(q.data(), AffineScaler{1.0, 0.0}, f.data());
    CHECK(f[0] == Approx(8.0 / 15.0));
    CHECK(f[1] == 0.0);
    CHECK(f[2] == 1.0);
    CHECK(f[3] == Approx(3.0 / 15.0));
    CHECK(pulses.max_fraction == 1.0);
    CHECK(pulses.count == 3);
    CHECK(qdac.width(f[0]) == sc_time(8, SC_NS));
    CHECK(qdac.width(1.0) == sc_time(15, SC_NS));
    // The per-head scaler is applied first: 0.25 * 2 + 0.1 = 0.6 -> 9 LSB.
    q[0] = 0.25f;
    qdac.convert(q.data(), AffineScaler{2.0, 0.1}, f.data());
    CHECK(f[0] == Approx(9.0 / 15.0));
  }
  SECTION("write DAC: clamp [0, 0.9] V, 8 levels anchored at 0") {
    std::vector<float> k(64, 0.05f);
    k[1] = 0.2f;   // 0.65 V -> 5.06 steps -> 5
    k[2] = -1.0f;  // clamped to 0 V
    k[3] = 2.0f;   // clamped to 0.9 V
    std::vector<double> v(64);
    wdrv.convert(k.data(), AffineScaler{1.0, 0.45}, v.data());
    const double step = 0.9 / 7;
    CHECK(v[0] == Approx(4 * step));  // 0.5 V = 3.9 steps -> 4
    CHECK(v[1] == Approx(5 * step));
    CHECK(v[2] == 0.0);
    CHECK(v[3] == Approx(0.9));
  }
  SECTION("charge-to-pulse: phi = clamp(S / 80, 0, 1), only written columns fire") {
    CHECK(cpc.transfer(40.0) == 0.5);
    CHECK(cpc.transfer(-5.0) == 0.0);
    CHECK(cpc.transfer(200.0) == 1.0);
    sc::GainCellArray k("k", p);
    std::vector<double> volts(64, 0.45), s(64, 40.0), phi(64);
    k.write_column(0, volts.data(), sc_core::SC_ZERO_TIME, 0);
    k.write_column(1, volts.data(), sc_core::SC_ZERO_TIME, 1);
    s[1] = 100.0;
    SubTileActivity act;
    const double mx = cpc.convert(s.data(), k, phi.data(), act);
    CHECK(phi[0] == 0.5);
    CHECK(phi[1] == 1.0);
    CHECK(phi[2] == 0.0);  // unwritten: no pulse whatever its charge
    CHECK(mx == 1.0);
    CHECK(act.active_columns == 2);
    CHECK(act.firing_columns == 2);
    CHECK(act.phi_sum == 1.5);
  }
  SECTION("output converters: clamp(A / 40, -1, 1), 5-bit codes") {
    std::vector<double> a(64, 0.0), out(64);
    std::vector<long> code(64);
    a[0] = 20.0;  // 0.5 -> 7.75 steps of 2/31 -> 8
    a[1] = -1e3;  // saturates at -1 -> -15.5 -> -16 (reference grid: 33 values)
    a[2] = 1.0;   // 0.025 -> 0.39 -> 0
    const long steps = oconv.convert(a.data(), out.data(), code.data());
    CHECK(code[0] == 8);
    CHECK(out[0] == Approx(8 * 2.0 / 31));
    CHECK(code[1] == -16);
    CHECK(out[1] == Approx(-16 * 2.0 / 31));
    CHECK(code[2] == 0);
    CHECK(steps == 24);
  }
  SECTION("accumulator: sum of sub-tile outputs, then the output scaler") {
    std::vector<double> acc_v(64), s1(64, 0.25), s2(64, -0.5);
    std::vector<float> out(64);
    acc.clear(acc_v.data());
    acc.add(acc_v.data(), s1.data());
    acc.add(acc_v.data(), s2.data());
    acc.finish(acc_v.data(), AffineScaler{2.0, 1.0}, out.data());
    CHECK(out[7] == 0.5f);
  }
}

// The threshold-based converter loops (converters.cpp, LevelThresholds) against the scalar DACs
// element by element: random values over a wide range, exact ties of the grids (half steps,
// decided by the reference division), clamped values, infinities and signed zeros; positive,
// negative and zero gains; a row count that leaves a scalar tail (61 = 7 x 8 + 5).
TEST_CASE("Threshold DAC loops equal the scalar DACs, codes and sums included",
          "[systemc][converters]") {
  Config cfg = Config::paper();
  const int rows = GENERATE(64, 61);
  cfg.set("array.rows", std::to_string(rows));
  const HardwareParams p = HardwareParams::from(cfg);
  sc::QueryDacs qdac("qdac", p);
  sc::WriteDriver wdrv("wdrv", p);
  const PulseWidthDac pdac = PulseWidthDac::from(p);
  const WriteDac wdac = WriteDac::from(p);
  std::vector<float> raw(static_cast<std::size_t>(rows));
  std::uint32_t state = 12345;
  auto next = [&state] {
    state = state * 1664525u + 1013904223u;
    return static_cast<float>(state >> 8) / 16777216.0f;  // [0, 1)
  };
  const AffineScaler scalers[] = {{1.0, 0.0},   {0.5, 0.45},  {-0.7, 0.6},       {0.0, 0.3},
                                  {3e-8, 0.44}, {-2.0, -0.1}, {0.123456789, 0.5}};
  for (int trial = 0; trial < 350; ++trial) {
    // The identity scaler makes raw half steps the quantisers' exact ties.
    const AffineScaler scaler = scalers[trial % 7];
    for (int r = 0; r < rows; ++r) {
      switch ((r + trial) % 6) {
        case 0:
          raw[r] = 6.0f * next() - 3.0f;
          break;  // wide: clamps at both ends
        case 1:
          raw[r] = static_cast<float>((std::floor(next() * 30) + 0.5) / 15.0);
          break;  // q ties
        case 2:
          raw[r] = static_cast<float>((std::floor(next() * 14) + 0.5) * 0.9 / 7);
          break;  // K/V ties
        case 3:
          raw[r] = std::ldexp(2.0f * next() - 1.0f, static_cast<int>(next() * 250) - 125);
          break;
        case 4: {
          // (No infinity with a zero gain: 0 x inf has no level; windows never hold one.)
          const float special[] = {0.0f, -0.0f, 1e38f, -1e-45f, INFINITY, -INFINITY};
          raw[r] = special[static_cast<int>(next() * (scaler.gain == 0.0 ? 4 : 6))];
          break;
        }
        default:
          raw[r] = 2.0f * next() - 1.0f;
      }
    }
    std::vector<double> frac(rows);
    std::vector<std::uint8_t> code(rows);
    const double abs_volts = wdrv.convert_codes(raw.data(), scaler, code.data());
    const sc::QueryDacs::Pulses pulses = qdac.convert(raw.data(), scaler, frac.data());
    const sc::QueryDacs::Pulses stats_only = qdac.convert(raw.data(), scaler, nullptr);
    double expect_abs = 0.0, expect_max = 0.0;
    int expect_count = 0;
    for (int r = 0; r < rows; ++r) {
      double index = 0.0;
      const double v = wdac.volts(scaler.apply(raw[r]), index);
      INFO("trial " << trial << " row " << r << " raw " << raw[r]);
      REQUIRE(static_cast<int>(code[r]) == static_cast<int>(index) - wdac.grid_min_index());
      REQUIRE(frac[r] == pdac.fraction(scaler.apply(raw[r])));
      expect_abs += std::fabs(v);
      expect_max = std::max(expect_max, frac[r]);
      expect_count += frac[r] > 0.0;
    }
    CHECK(abs_volts == Approx(expect_abs).epsilon(1e-14));
    CHECK(pulses.max_fraction == expect_max);
    CHECK(pulses.count == expect_count);
    CHECK(stats_only.max_fraction == expect_max);
    CHECK(stats_only.count == expect_count);
  }
  // Without a finite scaler there is no monotone transfer: refused (the host interface never
  // passes one: it checks the scaler window).
  std::vector<std::uint8_t> code(rows);
  CHECK_THROWS_AS(wdrv.convert_codes(raw.data(), AffineScaler{NAN, 0.0}, code.data()),
                  std::invalid_argument);
}

// Near every threshold the level changes exactly where the scalar DAC's does: each threshold's
// float and its neighbours, for scalers whose thresholds fall on ties.
TEST_CASE("LevelThresholds step exactly where the scalar transfer steps",
          "[numerics][converters]") {
  const HardwareParams p = HardwareParams::from(Config::paper());
  const WriteDac wdac = WriteDac::from(p);
  const PulseWidthDac pdac = PulseWidthDac::from(p);
  // Fixed scalers and random ones over many magnitudes and both signs (the thresholds after the
  // second come from an extrapolated guess and a galloping search: they must still be exact).
  std::vector<AffineScaler> scalers = {AffineScaler{1.0, 0.0}, AffineScaler{-1.0, 0.9},
                                       AffineScaler{0.9 / 7, 0.0}, AffineScaler{1e-3, 0.45}};
  std::mt19937 rng(11);
  std::uniform_real_distribution<double> exponent(-30.0, 30.0), offset(-2.0, 2.0);
  for (int i = 0; i < 40; ++i) {
    const double g = std::exp2(exponent(rng)) * (i % 2 ? -1.0 : 1.0);
    scalers.push_back(AffineScaler{g, offset(rng)});
  }
  for (const AffineScaler s : scalers) {
    auto kv = [&](float x) {
      double i = 0.0;
      wdac.volts(s.apply(x), i);
      return static_cast<int>(i);
    };
    auto q = [&](float x) { return static_cast<int>(pdac.index(s.apply(x))); };
    const LevelThresholds tk(kv, s.gain >= 0.0), tq(q, s.gain >= 0.0);
    CHECK(tk.steps() == (s.gain == 0.0 ? 0 : 7));
    CHECK(tq.steps() == (s.gain == 0.0 ? 0 : 15));
    for (const auto* t : {&tk, &tq}) {
      for (int j = 0; j < t->steps(); ++j) {
        const float at = key_float(t->keys()[j] ^ t->flip());
        for (float x : {at, std::nextafter(at, -INFINITY), std::nextafter(at, INFINITY),
                        std::nextafter(std::nextafter(at, INFINITY), INFINITY)}) {
          if (t == &tk) REQUIRE(tk.level(x) == kv(x));
          if (t == &tq) REQUIRE(tq.level(x) == q(x));
        }
      }
    }
  }
  // A transfer that is not monotone in the declared direction is refused.
  CHECK_THROWS_AS(LevelThresholds([](float x) { return x > 0 ? 0 : 3; }, true),
                  std::invalid_argument);
}
