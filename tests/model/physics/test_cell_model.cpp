#include <catch2/catch.hpp>

#include "gcattn/physics/cell_model.h"
#include "gcattn/physics/leakage.h"
#include "support/paper_reference.h"

using namespace gcattn;

TEST_CASE("polynomial cell model reproduces the published read currents", "[physics][cell]") {
  const HardwareParams p = HardwareParams::from(Config::paper());
  const CellModel g = CellModel::from(p);
  // Collapsed coefficients computed by hand: c_i0 + c_i1*0.9 + c_i2*0.81 + c_i3*0.729.
  const double c0 = 0.17393044 + 0.15653739 * 0.9 + 0.14088365 * 0.81 + 0.12679529 * 0.729;
  const double c1 = 5.51975209 + 4.96777688 * 0.9 + 4.4709992 * 0.81;
  const double c2 = -1.44776001 + -1.30298401 * 0.9;
  const double c3 = 46.05483778;
  CHECK(g.coefficients()[0] == Approx(c0).epsilon(1e-12));
  CHECK(g.coefficients()[1] == Approx(c1).epsilon(1e-12));
  CHECK(g.coefficients()[2] == Approx(c2).epsilon(1e-12));
  CHECK(g.coefficients()[3] == Approx(c3).epsilon(1e-12));
  // PAPER.md section 4: g(u) = 0.521364 + 13.612261 u - 2.620446 u^2 + 46.054838 u^3.
  CHECK(c0 == Approx(0.521364).epsilon(1e-6));
  CHECK(c1 == Approx(13.612261).epsilon(1e-6));
  CHECK(c2 == Approx(-2.620446).epsilon(1e-6));
  // About +-10.3 uA at the ends of the storage range.
  CHECK(g.current_ua(0.45) == Approx(10.313).epsilon(1e-3));
  CHECK(g.current_ua(-0.45) == Approx(-10.3315).epsilon(1e-3));
  for (double u = -0.45; u <= 0.45; u += 0.05) {
    CHECK(g.current_ua(u) == Approx(test::paper_current_ua(u)).epsilon(1e-12).margin(1e-12));
  }
}

TEST_CASE("linear cell model is 19.3 uA/V", "[physics][cell]") {
  const CellModel g = CellModel::linear(19.3);
  CHECK(g.current_ua(0.0) == 0.0);
  CHECK(g.current_ua(0.45) == Approx(8.685));
  CHECK(g.current_ua(-0.2) == Approx(-3.86));
}

TEST_CASE("decayed cell model equals g(delta * u)", "[physics][cell]") {
  const CellModel g = CellModel::from(HardwareParams::from(Config::paper()));
  for (double delta : {1.0, 0.85, 0.3, 0.0}) {
    const CellModel h = g.decayed(delta);
    for (double u : {-0.45, -0.1, 0.0, 0.2, 0.45}) {
      CHECK(h.current_ua(u) == Approx(g.current_ua(delta * u)).margin(1e-12));
    }
  }
}

TEST_CASE("leakage decays with simulated time and token age, monotonically", "[physics][leakage]") {
  const Leakage time(LeakageMode::Time, 5e-3, 1.6e-4);
  CHECK(time.factor(0.0, 0) == 1.0);
  CHECK(time.factor(5e-3, 0) == Approx(std::exp(-1.0)));
  // A full 1024-token window at 0.8 us per token keeps about 85 % (PAPER.md section 4).
  CHECK(time.factor(1023 * 0.8e-6, 0) == Approx(0.849).epsilon(2e-3));
  double prev = 1.0;
  for (double t = 1e-6; t < 0.1; t *= 1.7) {
    const double f = time.factor(t, 0);
    CHECK(f < prev);
    CHECK(f > 0.0);
    prev = f;
  }
  const Leakage age(LeakageMode::TokenAge, 5e-3, 1.6e-4);
  CHECK(age.factor(1.0, 1000) == Approx(std::exp(-0.16)));
  CHECK(age.factor(123.0, 0) == 1.0);  // time is ignored in token-age mode
  const Leakage off(LeakageMode::Off, 5e-3, 1.6e-4);
  CHECK(off.factor(1e3, 1000000) == 1.0);
}
