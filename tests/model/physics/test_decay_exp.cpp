// decay_exp: the leakage factors' exp, the same bits in its scalar and AVX-512 forms and within
// one ulp of the C library's exp (which rounds correctly almost always).
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <utility>
#include <vector>

#include "gcattn/physics/decay_exp.h"
#include "gcattn/physics/leakage.h"

using namespace gcattn;

namespace {
std::int64_t ulps(double a, double b) {
  std::int64_t x, y;
  std::memcpy(&x, &a, sizeof x);
  std::memcpy(&y, &b, sizeof y);
  return x > y ? x - y : y - x;
}
}  // namespace

TEST_CASE("decay_exp is within one ulp of std::exp, the block form equal to the scalar one",
          "[physics][leakage][exp]") {
  std::mt19937_64 rng(7);
  // The leakage arguments (-elapsed / tau, -per_token * age: [-a few, 0]) and the whole range.
  for (const auto& [lo, hi] : {std::pair{-4.0, 0.0}, std::pair{-700.0, 700.0}}) {
    std::uniform_real_distribution<double> u(lo, hi);
    std::vector<double> x(100003), y(x.size());  // not a multiple of 8: the masked tail
    for (auto& v : x) v = u(rng);
    decay_exp_n(x.data(), y.data(), x.size());
    std::size_t differ = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
      INFO("x = " << x[i]);
      REQUIRE(y[i] == decay_exp(x[i]));
      const std::int64_t d = ulps(y[i], std::exp(x[i]));
      REQUIRE(d <= 1);
      differ += d != 0;
    }
    // Rounded differently from the C library for about 1.4 % of the arguments (measured).
    CHECK(differ < x.size() / 40);
  }
  // Exact points and the edges: e^0 = 1, far arguments and NaN through std::exp.
  CHECK(decay_exp(0.0) == 1.0);
  CHECK(decay_exp(-0.0) == 1.0);
  for (double v : {-700.0, 700.0, -701.0, 709.0, -745.0, -800.0, 800.0,
                   -std::numeric_limits<double>::infinity()}) {
    INFO("x = " << v);
    CHECK(ulps(decay_exp(v), std::exp(v)) <= 1);
    double y = 0.0;
    decay_exp_n(&v, &y, 1);
    CHECK(y == decay_exp(v));
  }
  // In place (Leakage::factors does that), the far arguments included, across the masked tail.
  std::vector<double> x = {-0.5,
                           -701.0,
                           -2000.0,
                           0.0,
                           750.0,
                           -1e-3,
                           -800.0,
                           -3.0,
                           -900.0,
                           1.5,
                           std::numeric_limits<double>::quiet_NaN()};
  std::vector<double> want(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) want[i] = decay_exp(x[i]);
  decay_exp_n(x.data(), x.data(), x.size());
  for (std::size_t i = 0; i < x.size(); ++i) {
    INFO("i = " << i);
    CHECK((x[i] == want[i] || (std::isnan(x[i]) && std::isnan(want[i]))));
  }
  CHECK(std::isnan(decay_exp(std::numeric_limits<double>::quiet_NaN())));
}

TEST_CASE("Leakage::factors equals factor() column by column, in every mode and rounding",
          "[physics][leakage][exp]") {
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> t(0.0, 4e-3);
  // Reads at 4.5 ms (every factor in decay_exp's range) and at 20 s (beyond it: std::exp).
  std::vector<double> t_write(37), out(37);
  std::vector<std::int64_t> token(37);
  for (std::size_t i = 0; i < t_write.size(); ++i) {
    t_write[i] = t(rng);
    token[i] = static_cast<std::int64_t>(rng() % 900);
  }
  for (const LeakageMode mode : {LeakageMode::Time, LeakageMode::TokenAge, LeakageMode::Off}) {
    for (const DecayRounding rounding : {DecayRounding::None, DecayRounding::BFloat16QK}) {
      const Leakage leak(mode, 5e-3, 1.6e-4, rounding);
      for (const auto& [now_s, now_token] :
           {std::pair{4.5e-3, std::int64_t{1000}}, std::pair{20.0, std::int64_t{6000000}}}) {
        leak.factors(now_s, now_token, t_write.data(), token.data(), t_write.size(), out.data());
        for (std::size_t i = 0; i < out.size(); ++i) {
          CHECK(out[i] == leak.factor(now_s - t_write[i], now_token - token[i]));
        }
      }
    }
  }
}
