// The accelerator through its host interface: outputs equal the numerics library's HeadModel,
// leakage between layer steps follows simulated time, phase timing, timing-only mode, energy.
#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "gcattn/numerics/head.h"
#include "gcattn/timing/phase_schedule.h"
#include "model/systemc/bench_fixture.h"
#include "support/paper_reference.h"

using namespace gcattn;
using gcattn::test::Bench;
using gcattn::test::Tokens;
using sc_core::SC_NS;
using sc_core::sc_time;
namespace rm = gcattn::sc::regmap;

namespace {

/// Scalers as the accelerator holds them: float32 words.
HeadScalers as_float(const HeadScalers& s) {
  auto f = [](double x) { return static_cast<double>(static_cast<float>(x)); };
  HeadScalers r;
  r.q = {f(s.q.gain), f(s.q.offset)};
  r.k = {f(s.k.gain), f(s.k.offset)};
  r.v = {f(s.v.gain), f(s.v.offset)};
  r.out = {f(s.out.gain), f(s.out.offset)};
  return r;
}

}  // namespace

TEST_CASE("Accelerator outputs equal HeadModel for every head and token",
          "[systemc][accelerator]") {
  // token_age leakage makes the comparison exact (the reads of one step happen at different
  // simulated times in the accelerator, at one time in HeadModel).
  const Config cfg = test::small_config({"leakage.mode=token_age"});
  const int T = 70;  // crosses a sub-tile boundary (64 tokens per sub-tile)
  Tokens tok(T, 2, 64, 7);
  HeadScalers custom;
  custom.q = {0.8, 0.05};
  custom.k = {1.1, 0.45};
  custom.v = {0.9, 0.45};
  custom.out = {1.5, -0.1};
  std::vector<float> out(static_cast<std::size_t>(T) * 2 * 64);
  Bench b("b", cfg, [&](Bench& b) {
    b.host.set_scalers(1, 1, custom);
    for (int t = 0; t < T; ++t) {
      b.host.step(1, static_cast<std::uint32_t>(t), rm::kCmdWriteKv | rm::kCmdAttend, tok.K(t),
                  tok.V(t), tok.Q(t), &out[static_cast<std::size_t>(t) * 128]);
    }
  });
  sc_core::sc_start();
  b.check();
  REQUIRE(b.finished);

  const HardwareParams hw = HardwareParams::from(cfg);
  for (int h = 0; h < 2; ++h) {
    HeadModel ref(hw, as_float(h == 1 ? custom : hw.default_scalers));
    std::vector<double> expect(64);
    int mismatches = 0;
    for (int t = 0; t < T; ++t) {
      ref.write_token(t, tok.K(t) + h * 64, tok.V(t) + h * 64, 0.0);
      ref.attend(t, tok.Q(t) + h * 64, 0.0, expect.data());
      for (int d = 0; d < 64; ++d) {
        mismatches +=
            out[static_cast<std::size_t>(t) * 128 + h * 64 + d] != static_cast<float>(expect[d]);
      }
    }
    INFO("head " << h);
    CHECK(mismatches == 0);
  }
  // Not trivially zero: the outputs carry signal.
  double energy = 0.0;
  for (float x : out) energy += std::fabs(x);
  CHECK(energy > 1.0);
  CHECK(b.accel.statistics().steps() == static_cast<std::uint64_t>(T));
}

TEST_CASE("Time between layer steps decays the stored tokens", "[systemc][accelerator][leakage]") {
  const Config cfg = test::small_config();
  Tokens tok(2, 2, 64, 11);
  std::vector<float> out(128);
  std::vector<double> s_fresh(64), s_late(64);
  sc_time t_write, t_read_fresh, t_read_late;
  Bench b("b", cfg, [&](Bench& b) {
    b.host.step(0, 0, rm::kCmdWriteKv | rm::kCmdAttend, tok.K(0), tok.V(0), tok.Q(0), out.data());
    const auto& st = b.accel.head(0, 0).subtiles[0];
    t_write = st.k_array.write_time(0);
    t_read_fresh = b.accel.statistics().last_step().start + sc_time(8, SC_NS);  // QueryPulses start
    s_fresh.assign(st.scores(), st.scores() + 64);
    wait(3, sc_core::SC_MS);  // the host runs projections and the MLP
    b.host.step(0, 0, rm::kCmdAttend, nullptr, nullptr, tok.Q(0), out.data());
    t_read_late = b.accel.statistics().last_step().start;  // ATTEND only: QueryPulses first
    s_late.assign(st.scores(), st.scores() + 64);
  });
  sc_core::sc_start();
  b.check();
  REQUIRE(b.finished);
  // Independent evaluation of S[0] = sum_d q_d g(delta * u_d) from the stored voltages.
  const auto& st = b.accel.head(0, 0).subtiles[0];
  const double* qf = b.accel.head(0, 0).query_fractions();
  auto score = [&](sc_time read) {
    const double delta = std::exp(-(read - t_write).to_seconds() / 5e-3);
    double s = 0.0;
    for (int d = 0; d < 64; ++d)
      s += qf[d] * test::paper_current_ua(delta * (st.k_array.stored_volts(0, d) - 0.45));
    return s;
  };
  CHECK(s_fresh[0] == Approx(score(t_read_fresh)).epsilon(1e-9));
  CHECK(s_late[0] == Approx(score(t_read_late)).epsilon(1e-9));
  CHECK((t_read_late - t_write) > sc_time(3, sc_core::SC_MS));
  CHECK(std::fabs(s_late[0] - s_fresh[0]) > 1e-3 * std::fabs(s_fresh[0]));
}

TEST_CASE("One layer step: 65 ns, phases in order, from the configured schedule",
          "[systemc][timing]") {
  const Config cfg = test::small_config();
  const PhaseSchedule sched = PhaseSchedule::from(cfg);
  REQUIRE(sched.total_ns() == Approx(65.0));
  Tokens tok(1, 2, 64, 3);
  std::vector<float> out(128);
  sc_time cmd_done;
  std::uint32_t last_ps = 0, phase_ps[6] = {};
  Bench b("b", cfg, [&](Bench& b) {
    const std::size_t n = 128;
    b.host.write_floats(rm::kKWindow, tok.K(0), n);
    b.host.write_floats(rm::kVWindow, tok.V(0), n);
    b.host.write_floats(rm::kQWindow, tok.Q(0), n);
    b.host.write32(rm::kIrqEnable, rm::kIrqDone);
    b.host.write32(rm::kCommand, rm::kCmdWriteKv | rm::kCmdAttend);
    cmd_done = b.host.local_time();
    b.host.wait_done();
    last_ps = b.host.read32(rm::kLastStepPs);
    for (int i = 0; i < 6; ++i) phase_ps[i] = b.host.read32(rm::kPhasePs0 + 4 * i);
  });
  sc_core::sc_start();
  b.check();
  const auto& rec = b.accel.statistics().last_step();
  CHECK(rec.start == cmd_done);  // the command starts when its register write completes
  CHECK(rec.end - rec.start == sc_time(65, SC_NS));
  for (std::size_t i = 0; i < kPhaseCount; ++i) CHECK(rec.phase_ns[i] == sched.duration_ns[i]);
  CHECK(last_ps == 65000);
  for (int i = 0; i < 6; ++i)
    CHECK(phase_ps[i] == static_cast<std::uint32_t>(std::lround(sched.duration_ns[i] * 1000)));
  CHECK(b.accel.statistics().busy_time_ns() == Approx(65.0));
}

TEST_CASE("Write-only and attend-only commands run their own phases", "[systemc][timing]") {
  const Config cfg = test::small_config();
  const PhaseSchedule sched = PhaseSchedule::from(cfg);
  Tokens tok(1, 2, 64, 5);
  std::vector<float> out(128);
  sc::StepRecord w, a;
  Bench b("b", cfg, [&](Bench& b) {
    b.host.step(0, 0, rm::kCmdWriteKv, tok.K(0), tok.V(0), nullptr, nullptr);
    w = b.accel.statistics().last_step();
    b.host.step(0, 0, rm::kCmdAttend, nullptr, nullptr, tok.Q(0), out.data());
    a = b.accel.statistics().last_step();
  });
  sc_core::sc_start();
  b.check();
  CHECK((w.end - w.start) == sc_time(sched.duration(Phase::WriteKV), SC_NS));
  CHECK((a.end - a.start) == sc_time(sched.total_ns() - sched.duration(Phase::WriteKV), SC_NS));
  CHECK(a.phase_ns[0] == 0.0);
  CHECK(w.phase_ns[1] == 0.0);
}

TEST_CASE("Data-dependent mode ends pulse windows at the longest pulse", "[systemc][timing]") {
  const Config cfg = test::small_config({"timing.data_dependent=true"});
  const PhaseSchedule sched = PhaseSchedule::from(cfg);
  Tokens tok(1, 2, 64, 5);
  for (auto& x : tok.q) x = 0.2f;  // every query pulse 3 ns
  std::vector<float> out(128);
  Bench b("b", cfg, [&](Bench& b) {
    b.host.step(0, 0, rm::kCmdWriteKv | rm::kCmdAttend, tok.K(0), tok.V(0), tok.Q(0), out.data());
  });
  sc_core::sc_start();
  b.check();
  const auto& rec = b.accel.statistics().last_step();
  CHECK(rec.max_query_fraction == Approx(3.0 / 15.0));
  const auto d = sched.durations(rec.max_query_fraction, rec.max_phi);
  CHECK(rec.phase_ns[1] == d[1]);
  CHECK(rec.phase_ns[3] == d[3]);
  CHECK(rec.phase_ns[1] < sched.duration(Phase::QueryPulses));
  CHECK((rec.end - rec.start) < sc_time(65, SC_NS));
  CHECK((rec.end - rec.start) == sc_time(d[0] + d[1] + d[2] + d[3] + d[4] + d[5], SC_NS));
}

TEST_CASE("Timing-only mode skips the arithmetic but keeps timing and energy",
          "[systemc][functional]") {
  const Config cfg = test::small_config({"model.functional=false"});
  Tokens tok(3, 2, 64, 9);
  std::vector<float> out(128, 1.0f);
  Bench b("b", cfg, [&](Bench& b) {
    for (int t = 0; t < 3; ++t) {
      b.host.step(0, static_cast<std::uint32_t>(t), rm::kCmdWriteKv | rm::kCmdAttend, tok.K(t),
                  tok.V(t), tok.Q(t), out.data());
    }
  });
  sc_core::sc_start();
  b.check();
  const auto& st = b.accel.statistics();
  CHECK_FALSE(b.accel.functional());
  CHECK(st.estimated_steps() == 3);
  CHECK((st.last_step().end - st.last_step().start) == sc_time(65, SC_NS));
  for (float x : out) CHECK(x == 0.0f);
  const EnergyLedger l = st.ledger(0, 0);
  CHECK(l.category(EnergyCategory::Qk) > 0.0);
  CHECK(l.category(EnergyCategory::Av) > 0.0);
  CHECK(l.category(EnergyCategory::Dac) > 0.0);
  CHECK(b.accel.head(0, 0).subtiles[0].k_array.valid(2));  // the column holds its token
}

namespace {

std::vector<std::string> g_errors;
void record_error(const sc_core::sc_report& r, const sc_core::sc_actions&) {
  if (r.get_severity() >= sc_core::SC_ERROR) g_errors.push_back(r.get_msg());
}

}  // namespace

TEST_CASE("Timing-only steps store no cells; a functional read of them is an error until CLEAR_KV",
          "[systemc][functional]") {
  g_errors.clear();
  sc_core::sc_report_handler::set_handler(record_error);
  const Config cfg = test::small_config({"model.functional=false"});
  Tokens tok(5, 2, 64, 9);
  std::vector<float> out(128, 1.0f);
  int blind = -1;
  bool valid = false;
  std::uint64_t estimated_before = 0, estimated_after = 0;
  double energy = 0.0;
  Bench b("b", cfg, [&](Bench& b) {
    for (int t = 0; t < 3; ++t) {
      b.host.step(0, static_cast<std::uint32_t>(t), rm::kCmdWriteKv | rm::kCmdAttend, tok.K(t),
                  tok.V(t), tok.Q(t), out.data());
    }
    blind = b.accel.head(0, 1).subtiles[0].blind_columns();
    valid = b.accel.head(0, 1).subtiles[0].k_array.valid(2);
    // Functional from here: the next step would read the three tokens without cells.
    b.accel.set_functional(true);
    estimated_before = b.accel.statistics().estimated_steps();
    b.host.step(0, 3, rm::kCmdWriteKv | rm::kCmdAttend, tok.K(3), tok.V(3), tok.Q(3), out.data());
    estimated_after = b.accel.statistics().estimated_steps();
    // A new sequence: functional steps read what they wrote.
    b.host.write32(rm::kControl, rm::kCtrlClearKv);
    for (int t = 0; t < 2; ++t) {
      b.host.step(0, static_cast<std::uint32_t>(t), rm::kCmdWriteKv | rm::kCmdAttend, tok.K(t + 3),
                  tok.V(t + 3), tok.Q(t + 3), out.data());
    }
    for (float x : out) energy += std::fabs(x);
  });
  sc_core::sc_start();
  sc_core::sc_report_handler::set_handler(sc_core::sc_report_handler::default_handler);
  b.check();
  REQUIRE(b.finished);
  CHECK(blind == 3);
  CHECK(valid);  // the columns hold their tokens (sub-tiles active, energy estimated as before)
  REQUIRE(g_errors.size() == 1);
  CHECK(g_errors[0].find("b.accel.layer_0.head_0.subtile_0") != std::string::npos);
  CHECK(g_errors[0].find("CLEAR_KV") != std::string::npos);
  CHECK(g_errors[0].find("keep_kv_in_timing_only") != std::string::npos);
  CHECK(estimated_after == estimated_before + 1);  // the reported step ran timing-only
  CHECK(b.accel.head(0, 0).subtiles[0].blind_columns() == 0);
  CHECK(energy > 1.0);  // after CLEAR_KV the functional steps compute outputs
}

TEST_CASE("keep_kv_in_timing_only: timing-only steps store the cells functional steps store",
          "[systemc][functional]") {
  g_errors.clear();
  sc_core::sc_report_handler::set_handler(record_error);
  const Config cfg = test::small_config();
  Tokens tok(6, 2, 64, 21);
  std::vector<float> out_a(128), out_b(128);
  auto steps = [&](Bench& b, std::vector<float>& out, int n) {
    for (int t = 0; t < n; ++t) {
      b.host.step(1, static_cast<std::uint32_t>(t), rm::kCmdWriteKv | rm::kCmdAttend, tok.K(t),
                  tok.V(t), tok.Q(t), out.data());
    }
  };
  Bench functional("functional", cfg, [&](Bench& b) { steps(b, out_a, 5); });
  Bench kept("kept", cfg, [&](Bench& b) {
    b.accel.keep_kv_in_timing_only(true);
    b.accel.set_functional(false);
    steps(b, out_b, 5);
    b.accel.set_functional(true);  // reads the window the timing-only steps filled
    b.host.step(1, 5, rm::kCmdAttend, nullptr, nullptr, tok.Q(5), out_b.data());
  });
  sc_core::sc_start();
  sc_core::sc_report_handler::set_handler(sc_core::sc_report_handler::default_handler);
  functional.check();
  kept.check();
  CHECK(g_errors.empty());
  for (int h = 0; h < 2; ++h) {
    const sc::SubTile& a = functional.accel.head(1, h).subtiles[0];
    const sc::SubTile& k = kept.accel.head(1, h).subtiles[0];
    CHECK(k.blind_columns() == 0);
    int mismatches = 0;
    for (int c = 0; c < 5; ++c) {
      for (int r = 0; r < 64; ++r) {
        mismatches += a.k_array.stored_volts(c, r) != k.k_array.stored_volts(c, r);
        mismatches += a.v_array.stored_volts(c, r) != k.v_array.stored_volts(c, r);
      }
    }
    CHECK(mismatches == 0);
  }
  double energy = 0.0;
  for (float x : out_b) energy += std::fabs(x);
  CHECK(energy > 1.0);
}

TEST_CASE("Energy ledgers per layer and head, idle static power on request", "[systemc][energy]") {
  const Config cfg = test::small_config({"energy.idle_power_mw=2.0"});
  Tokens tok(2, 2, 64, 13);
  std::vector<float> out(128);
  double step_pj[2][2] = {};
  sc::StepRecord rec[2];
  Bench b("b", cfg, [&](Bench& b) {
    for (int t = 0; t < 2; ++t) {
      b.host.step(0, static_cast<std::uint32_t>(t), rm::kCmdWriteKv | rm::kCmdAttend, tok.K(t),
                  tok.V(t), tok.Q(t), out.data());
      rec[t] = b.accel.statistics().last_step();
      for (int h = 0; h < 2; ++h) step_pj[t][h] = b.accel.statistics().last_step_ledger(h).total();
    }
  });
  sc_core::sc_start();
  b.check();
  const auto& st = b.accel.statistics();
  // Cumulative = the steps' ledgers + idle static power charged when each step started.
  const double idle_ns = (rec[0].start + (rec[1].start - rec[0].end)).to_seconds() * 1e9;
  for (int h = 0; h < 2; ++h) {
    CHECK(step_pj[0][h] > 0.0);
    CHECK(st.ledger(0, h).total() == Approx(step_pj[0][h] + step_pj[1][h] + 2.0 * idle_ns));
  }
  for (int h = 0; h < 2; ++h) {
    const EnergyLedger& l = st.ledger(0, h);
    CHECK(l.category(EnergyCategory::Dac) > 0.0);
    CHECK(l.category(EnergyCategory::Qk) > 0.0);
    CHECK(l.category(EnergyCategory::Av) > 0.0);
    CHECK(l.category(EnergyCategory::Digital) > 0.0);
    CHECK(st.ledger(1, h).total() == 0.0);  // layer 1 did nothing yet
  }
  CHECK(st.layer_ledger(0).total() == Approx(st.ledger(0, 0).total() + st.ledger(0, 1).total()));
  CHECK(st.total_ledger().total() == Approx(st.layer_ledger(0).total()));
  // Idle static power is charged lazily; on request up to now: layer 1 idled the whole run.
  b.accel.charge_idle_energy();
  const double now_ns = sc_core::sc_time_stamp().to_seconds() * 1e9;
  const double p_static = cfg.number("energy.static_power_mw");  // mW x ns = pJ
  CHECK(st.ledger(1, 0).component(EnergyComponent::Static) == Approx(2.0 * now_ns));
  CHECK(st.ledger(0, 0).component(EnergyComponent::Static) ==
        Approx(p_static * 2 * 65.0 + 2.0 * (now_ns - 2 * 65.0)));
}

TEST_CASE("A geometry that does not fit the register map is a configuration error",
          "[systemc][config]") {
  Config cfg = Config::paper();
  cfg.set("model.heads=300");
  try {
    sc::AcceleratorParams::from(cfg);
    FAIL("expected ConfigError");
  } catch (const ConfigError& e) {
    CHECK_THAT(e.what(), Catch::Contains("model.heads") && Catch::Contains("65536"));
  }
}
