// Scaler calibration (range and the paper's adaptation) on small synthetic traces, checked against
// independent evaluations with the numerics library's HeadModel.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

#include "base/errors.h"
#include "calibrate/calibrate.h"
#include "gcattn/numerics/head.h"
#include "gcattn/numerics/reference.h"
#include "testbench/player/player_support.h"
#include "trace/trace_file.h"

using namespace gcattn;
using Catch::Matchers::Contains;

namespace {

struct Moments {
  double mean = 0, std = 0;
};

Moments moments(const std::vector<double>& x) {
  Moments m;
  for (double v : x) m.mean += v;
  m.mean /= static_cast<double>(x.size());
  for (double v : x) m.std += (v - m.mean) * (v - m.mean);
  m.std = std::sqrt(m.std / static_cast<double>(x.size()));
  return m;
}

// Outputs (after the output scaler) of one head over the first n tokens, as a player would see
// them.
std::vector<double> head_outputs(const trace::TraceReader& tr, const HardwareParams& hw,
                                 const HeadScalers& s, int l, int h, std::size_t n,
                                 double period_s) {
  HeadModel m(hw, s);
  std::vector<double> out(n * static_cast<std::size_t>(hw.rows));
  for (std::size_t t = 0; t < n; ++t) {
    const double now = static_cast<double>(t) * period_s;
    std::vector<float> k(tr.k(t, l, h), tr.k(t, l, h) + hw.rows),
        v(tr.v(t, l, h), tr.v(t, l, h) + hw.rows);
    m.write_token(static_cast<std::int64_t>(t), k.data(), v.data(), now);
    m.attend(static_cast<std::int64_t>(t), tr.q(t, l, h), now,
             &out[t * static_cast<std::size_t>(hw.rows)]);
  }
  return out;
}

}  // namespace

TEST_CASE(
    "calibrate range: q onto 0..1 and k and v symmetric about v_mid and the output by least "
    "squares",
    "[calibrate]") {
  const test::TempDir dir("calib_range");
  const trace::TraceReader tr(test::small_trace(dir, 2, 2, 64, 40));
  const HardwareParams hw = HardwareParams::from(Config::paper());
  calibrate::Options opt;
  opt.tokens = 30;
  opt.percentile = 100.0;  // exact min / max
  const calibrate::Result r = calibrate::calibrate(tr, hw, opt);
  REQUIRE(r.tokens == 30);
  REQUIRE(r.scalers.layers == 2);
  REQUIRE(r.scalers.heads == 2);
  CHECK(r.scalers.method == "range");
  CHECK(r.scalers.calibration_tokens == 30);
  for (int l = 0; l < 2; ++l) {
    for (int h = 0; h < 2; ++h) {
      double qmin = 1e300, qmax = -1e300, kabs = 0, vabs = 0;
      for (std::size_t t = 0; t < 30; ++t) {
        for (int d = 0; d < 64; ++d) {
          qmin = std::min<double>(qmin, tr.q(t, l, h)[d]);
          qmax = std::max<double>(qmax, tr.q(t, l, h)[d]);
          kabs = std::max<double>(kabs, std::fabs(tr.k(t, l, h)[d]));
          vabs = std::max<double>(vabs, std::fabs(tr.v(t, l, h)[d]));
        }
      }
      const HeadScalers& s = r.scalers.at(l, h);
      CHECK(s.q.apply(qmin) == Approx(0.0).margin(1e-12));
      CHECK(s.q.apply(qmax) == Approx(1.0));
      CHECK(s.k.offset == 0.45);
      CHECK(s.k.gain * kabs == Approx(0.45));
      CHECK(s.v.offset == 0.45);
      CHECK(s.v.gain * vabs == Approx(0.45));

      // The output scaler minimises the squared error against softmax on the prefix.
      HeadScalers s1 = s;
      s1.out = {1.0, 0.0};
      const std::vector<double> x = head_outputs(tr, hw, s1, l, h, 30, 0.0);
      std::vector<double> y(x.size());
      for (std::size_t t = 0; t < 30; ++t) {
        std::vector<float> K, V;
        for (std::size_t j = 0; j <= t; ++j) {
          K.insert(K.end(), tr.k(j, l, h), tr.k(j, l, h) + 64);
          V.insert(V.end(), tr.v(j, l, h), tr.v(j, l, h) + 64);
        }
        softmax_attention(tr.q(t, l, h), K.data(), V.data(), static_cast<int>(t + 1), 64,
                          &y[t * 64]);
      }
      auto sse = [&](const AffineScaler& a) {
        double e = 0;
        for (std::size_t i = 0; i < x.size(); ++i)
          e += (a.apply(x[i]) - y[i]) * (a.apply(x[i]) - y[i]);
        return e;
      };
      const double best = sse(s.out);
      CHECK(best <= sse({s.out.gain * 1.01, s.out.offset}));
      CHECK(best <= sse({s.out.gain * 0.99, s.out.offset}));
      CHECK(best <= sse({s.out.gain, s.out.offset + 1e-3}));
      CHECK(best <= sse({s.out.gain, s.out.offset - 1e-3}));
    }
  }
  CHECK(r.overall.cosine > 0.0);
  CHECK(r.overall.cosine <= 1.0);
}

TEST_CASE("calibrate paper: the output statistics match the linear-cell intermediate model",
          "[calibrate]") {
  const test::TempDir dir("calib_paper");
  const trace::TraceReader tr(test::small_trace(dir, 1, 2, 64, 50, false, 9));
  const HardwareParams hw = HardwareParams::from(Config::paper());
  calibrate::Options range_opt;
  range_opt.tokens = 50;
  const calibrate::Result range = calibrate::calibrate(tr, hw, range_opt);
  calibrate::Options opt = range_opt;
  opt.method = calibrate::Method::Paper;
  opt.tolerance = 1e-6;
  const calibrate::Result r = calibrate::calibrate(tr, hw, opt);
  CHECK(r.scalers.method == "paper");
  CHECK(r.unconverged_heads == 0);
  CHECK(r.max_iterations_used > 1);  // damped: more than one step
  HardwareParams lin = hw;
  lin.cell_kind = CellKind::Linear;
  for (int h = 0; h < 2; ++h) {
    const HeadScalers& s = r.scalers.at(0, h);
    // On a trace the q, k, v statistics match from the start: the range scalers are kept.
    CHECK(s.q.gain == range.scalers.at(0, h).q.gain);
    CHECK(s.k.gain == range.scalers.at(0, h).k.gain);
    CHECK(s.v.offset == range.scalers.at(0, h).v.offset);
    // The target: the intermediate model's outputs with their output scaler matched to softmax.
    const Moments hw_out = moments(head_outputs(tr, hw, s, 0, h, 50, 0.0));
    HeadScalers s_lin = s;
    s_lin.out = {1.0, 0.0};
    const std::vector<double> x_lin = head_outputs(tr, lin, s_lin, 0, h, 50, 0.0);
    // Mean and std of softmax over the prefix (the intermediate model's output scaler target).
    std::vector<double> y;
    for (std::size_t t = 0; t < 50; ++t) {
      std::vector<float> K, V;
      for (std::size_t j = 0; j <= t; ++j) {
        K.insert(K.end(), tr.k(j, 0, h), tr.k(j, 0, h) + 64);
        V.insert(V.end(), tr.v(j, 0, h), tr.v(j, 0, h) + 64);
      }
      std::vector<double> o(64);
      softmax_attention(tr.q(t, 0, h), K.data(), V.data(), static_cast<int>(t + 1), 64, o.data());
      y.insert(y.end(), o.begin(), o.end());
    }
    const Moments target = moments(y);
    CHECK(hw_out.std == Approx(target.std).epsilon(1e-5));
    CHECK(hw_out.mean == Approx(target.mean).margin(1e-5 * target.std));
    CHECK(moments(x_lin).std > 0.0);
  }
}

TEST_CASE("calibrate: a trace whose d_head is not the array height is refused",
          "[calibrate][errors]") {
  const test::TempDir dir("calib_dhead");
  const trace::TraceReader tr(test::small_trace(dir, 1, 1, 32, 8));
  const HardwareParams hw = HardwareParams::from(Config::paper());
  CHECK_THROWS_AS(calibrate::calibrate(tr, hw, calibrate::Options{}), gcattn::InputError);
  CHECK_THROWS_WITH(calibrate::calibrate(tr, hw, calibrate::Options{}),
                    Contains("d_head 32") && Contains("array.rows = 64"));
  CHECK(calibrate::percentile({1, 2, 3, 4, 5}, 50) == 3.0);
  CHECK(calibrate::percentile({1, 2, 3, 4}, 50) == 2.5);
  CHECK(calibrate::percentile({4, 1, 3, 2}, 100) == 4.0);
  CHECK(calibrate::percentile({4, 1, 3, 2}, 0) == 1.0);
}

TEST_CASE("calibrate range: streamed statistics equal the two-pass double computation",
          "[calibrate]") {
  // The calibration keeps per-token sums instead of the outputs and uses the single-precision
  // softmax; the fit and the prefix accuracy must equal the straightforward double computation
  // (stored outputs, double softmax, two-pass moments) to the stated tolerance.
  const test::TempDir dir("calib_twopass");
  const trace::TraceReader tr(test::small_trace(dir, 1, 2, 64, 90, false, 4));
  Config cfg = Config::paper();
  cfg.set("array.window_tokens=64");  // the softmax window slides
  const HardwareParams hw = HardwareParams::from(cfg);
  calibrate::Options opt;
  opt.token_period_ns = 900.0;  // leakage between tokens
  const calibrate::Result r = calibrate::calibrate(tr, hw, opt);
  double cos_sum = 0, err2 = 0, ref2 = 0;
  for (int h = 0; h < 2; ++h) {
    HeadScalers s = r.scalers.at(0, h);
    const AffineScaler fitted = s.out;
    s.out = {1.0, 0.0};
    const std::vector<double> x = head_outputs(tr, hw, s, 0, h, 90, 900e-9);
    std::vector<double> y(x.size());
    for (std::size_t t = 0; t < 90; ++t) {
      const std::size_t first = t + 1 > 64 ? t + 1 - 64 : 0;
      std::vector<float> K, V;
      for (std::size_t j = first; j <= t; ++j) {
        K.insert(K.end(), tr.k(j, 0, h), tr.k(j, 0, h) + 64);
        V.insert(V.end(), tr.v(j, 0, h), tr.v(j, 0, h) + 64);
      }
      softmax_attention(tr.q(t, 0, h), K.data(), V.data(), static_cast<int>(t + 1 - first), 64,
                        &y[t * 64]);
    }
    const Moments mx = moments(x), my = moments(y);
    double cov = 0;
    for (std::size_t i = 0; i < x.size(); ++i) cov += (x[i] - mx.mean) * (y[i] - my.mean);
    cov /= static_cast<double>(x.size());
    const double gain = cov / (mx.std * mx.std), offset = my.mean - gain * mx.mean;
    CHECK(fitted.gain == Approx(gain).epsilon(1e-6));
    CHECK(fitted.offset == Approx(offset).epsilon(1e-6).margin(1e-9));
    for (std::size_t t = 0; t < 90; ++t) {
      std::vector<double> o(64);
      for (int i = 0; i < 64; ++i) {
        o[i] = fitted.apply(x[t * 64 + i]);
        err2 += (o[i] - y[t * 64 + i]) * (o[i] - y[t * 64 + i]);
        ref2 += y[t * 64 + i] * y[t * 64 + i];
      }
      cos_sum += cosine_similarity(o.data(), &y[t * 64], 64);
    }
  }
  CHECK(r.overall.cosine == Approx(cos_sum / 180.0).epsilon(1e-6));
  CHECK(r.overall.relative_rms == Approx(std::sqrt(err2 / ref2)).epsilon(1e-6));
}

TEST_CASE("calibrate: a stop request returns at once, marked interrupted", "[calibrate]") {
  const test::TempDir dir("calib_stop");
  const trace::TraceReader tr(test::small_trace(dir, 2, 2, 64, 20));
  volatile std::sig_atomic_t stop = 1;
  calibrate::Options opt;
  opt.stop = &stop;
  CHECK(calibrate::calibrate(tr, HardwareParams::from(Config::paper()), opt).interrupted);
  stop = 0;
  CHECK_FALSE(calibrate::calibrate(tr, HardwareParams::from(Config::paper()), opt).interrupted);
}
