// The trace player against the SystemC accelerator, in process (one SystemC kernel per test
// case: CTest runs each test case in its own process).
#include <catch2/catch.hpp>

#include <cmath>

#include "gcattn/numerics/head.h"
#include "player/run_session.h"
#include "testbench/player/player_support.h"
#include "trace/trace_file.h"

using namespace gcattn;

namespace {

player::RunOptions options(const std::string& trace) {
  player::RunOptions o;
  o.trace_path = trace;
  o.keep_outputs = true;
  o.calibration.tokens = 32;
  return o;
}

}  // namespace

TEST_CASE(
    "Player: accelerator outputs equal the numerics HeadModel with the window wrapping around",
    "[systemc][player][wrap]") {
  const test::TempDir dir("headmodel");
  const int L = 2, H = 2, D = 64;
  const std::size_t T = 200;  // > window: slots are overwritten
  const std::string path = test::small_trace(dir, L, H, D, T);
  Config cfg = Config::paper();
  cfg.set("array.window_tokens=128");  // 2 sub-tiles: tokens 128.. overwrite the oldest
  cfg.set("leakage.mode=token_age");   // leakage independent of the few ns between phases
  const player::RunResult res = player::run_trace(cfg, options(path));
  const report::Report& rep = res.report;
  REQUIRE(rep.complete);
  REQUIRE(rep.tokens_simulated == T);
  REQUIRE(res.outputs_shape == std::vector<std::size_t>{T, 2, 2, 64});
  CHECK(rep.timing.layer_steps == T * L);
  CHECK(rep.window == 128);

  const trace::TraceReader tr(path);
  const HardwareParams hw = HardwareParams::from(cfg);
  HardwareParams no_wrap = hw;
  no_wrap.window_tokens = 256;
  std::size_t mismatches = 0, differs_without_wrap = 0;
  for (int l = 0; l < L; ++l) {
    for (int h = 0; h < H; ++h) {
      const HeadScalers s =
          rep.heads_table[static_cast<std::size_t>(l * H + h)].scalers;  // float32-rounded
      HeadModel model(hw, s), wide(no_wrap, s);
      std::vector<double> out(D), out_wide(D);
      for (std::size_t t = 0; t < T; ++t) {
        const std::vector<float> k(tr.k(t, l, h), tr.k(t, l, h) + D),
            v(tr.v(t, l, h), tr.v(t, l, h) + D), q(tr.q(t, l, h), tr.q(t, l, h) + D);
        model.write_token(static_cast<std::int64_t>(t), k.data(), v.data(), 0.0);
        model.attend(static_cast<std::int64_t>(t), q.data(), 0.0, out.data());
        wide.write_token(static_cast<std::int64_t>(t), k.data(), v.data(), 0.0);
        wide.attend(static_cast<std::int64_t>(t), q.data(), 0.0, out_wide.data());
        bool diff = false;
        for (int d = 0; d < D; ++d) {
          const float acc = res.outputs[((t * L + static_cast<std::size_t>(l)) * H +
                                         static_cast<std::size_t>(h)) *
                                            D +
                                        static_cast<std::size_t>(d)];
          mismatches += acc != static_cast<float>(out[static_cast<std::size_t>(d)]);
          diff = diff || acc != static_cast<float>(out_wide[static_cast<std::size_t>(d)]);
        }
        if (t < 128) {
          CHECK_FALSE(diff);  // before the wrap both windows hold the same tokens
        } else {
          differs_without_wrap += diff;
        }
      }
    }
  }
  CHECK(mismatches == 0);
  CHECK(differs_without_wrap >
        0);  // the wrap is visible: dropping the oldest tokens changes outputs
  CHECK(rep.leakage.oldest_age_tokens == 127);
}

TEST_CASE("Player: with the non-idealities off the accelerator equals ideal hardware",
          "[systemc][player][accuracy]") {
  const test::TempDir dir("ideal");
  const std::string path = test::small_trace(dir, 2, 3, 64, 70, true);
  Config cfg = Config::paper();
  cfg.set("cell.model=linear");
  cfg.set("signal.quantize=false");
  cfg.set("leakage.mode=off");
  const player::RunResult res = player::run_trace(cfg, options(path));
  const report::Report& rep = res.report;
  // The ideal reference is computed in single precision (fast_reference.h): the accelerator's
  // double-precision outputs agree to float rounding (about 2e-7 relative here).
  REQUIRE(rep.accuracy.ideal.available);
  CHECK(rep.accuracy.ideal.cosine == Approx(1.0).margin(1e-10));
  CHECK(rep.accuracy.ideal.relative_rms < 1e-6);
  CHECK(rep.accuracy.ideal.outputs == 70 * 2);
  for (const auto& row : rep.heads_table) {
    CHECK(row.accuracy.ideal.cosine == Approx(1.0).margin(1e-10));
    CHECK(row.accuracy.ideal.relative_rms < 1e-6);
  }
  // The synthetic attn_out is float softmax attention: both references agree.
  REQUIRE(rep.accuracy.attn_out.available);
  CHECK(rep.accuracy.attn_out.cosine == Approx(rep.accuracy.softmax.cosine).margin(1e-5));
  CHECK(rep.accuracy.softmax.cosine < 0.999);  // the hardware is not softmax attention
}

TEST_CASE("Player: the paper's hardware differs from ideal hardware",
          "[systemc][player][accuracy]") {
  const test::TempDir dir("nonideal");
  const std::string path = test::small_trace(dir, 2, 3, 64, 70);
  const player::RunResult res = player::run_trace(Config::paper(), options(path));
  REQUIRE(res.report.accuracy.ideal.available);
  CHECK(res.report.accuracy.ideal.cosine < 0.999);
  CHECK(res.report.accuracy.ideal.relative_rms > 1e-3);
  CHECK_FALSE(res.report.accuracy.attn_out.available);  // this trace has no attn_out
}

TEST_CASE(
    "Player: a stop request ends the run at a layer-step boundary and marks the report incomplete",
    "[systemc][player][sigint]") {
  const test::TempDir dir("stop");
  const std::string path = test::small_trace(dir, 2, 2, 64, 10);
  volatile std::sig_atomic_t stop = SIGINT;  // the flag holds the signal's number
  player::RunOptions o = options(path);
  o.stop = &stop;
  const player::RunResult res = player::run_trace(Config::paper(), o);
  CHECK_FALSE(res.report.complete);
  CHECK(res.report.stop_reason.find("SIGINT") != std::string::npos);
  CHECK(res.report.tokens_simulated == 0);
  CHECK(res.report.timing.layer_steps == 0);
  CHECK(res.outputs.empty());
}

TEST_CASE("Player: timing-only mode keeps the timing and estimates the energy",
          "[systemc][player][functional]") {
  const test::TempDir dir("timing_only");
  const std::string path = test::small_trace(dir, 2, 2, 64, 20);
  Config cfg = Config::paper();
  cfg.set("model.functional=false");
  const player::RunResult res = player::run_trace(cfg, options(path));
  const report::Report& rep = res.report;
  CHECK(rep.complete);
  CHECK_FALSE(rep.functional);
  CHECK_FALSE(rep.accuracy.softmax.available);
  CHECK(rep.energy.estimated_activity);
  CHECK(rep.timing.latency_per_token_layer_ns == Approx(65.0));
  CHECK(rep.timing.latency_per_token_ns == Approx(130.0));
  CHECK(rep.energy.per_token_head_pj.total > 0.0);
}
