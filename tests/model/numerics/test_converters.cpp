#include <catch2/catch.hpp>

#include "gcattn/numerics/converters.h"

using namespace gcattn;

TEST_CASE("pulse-width DAC: clamp, 16 levels, 1 LSB = 1 ns", "[numerics][converters]") {
  const PulseWidthDac dac(16, 15.0, true);
  CHECK(dac.fraction(-0.3) == 0.0);
  CHECK(dac.fraction(1.7) == Approx(1.0));
  CHECK(dac.width_ns(dac.fraction(1.0)) == Approx(15.0));
  CHECK(dac.width_ns(dac.lsb()) == Approx(1.0));
  CHECK(dac.fraction(0.3) == Approx(4.0 / 15));  // 0.3 / (1/15) = 4.5 exactly: half to even
  const PulseWidthDac cont(16, 15.0, false);
  CHECK(cont.fraction(0.3) == Approx(0.3));
}

TEST_CASE("write DAC: clamp to [0, 0.9] V, 3-bit levels", "[numerics][converters]") {
  const WriteDac dac(8, 0.0, 0.9, true);
  CHECK(dac.volts(-1.0) == 0.0);
  CHECK(dac.volts(2.0) == Approx(0.9));
  CHECK(dac.volts(0.13) == Approx(0.9 / 7));
  CHECK(WriteDac(8, 0.0, 0.9, false).volts(0.13) == Approx(0.13));
}

TEST_CASE("charge-to-pulse HardSigmoid: monotone, saturating, phi = S/80",
          "[numerics][converters]") {
  const ChargeToPulse cpc(80.0);
  CHECK(cpc.phi(-5.0) == 0.0);
  CHECK(cpc.phi(0.0) == 0.0);
  CHECK(cpc.phi(40.0) == Approx(0.5));
  CHECK(cpc.phi(80.0) == 1.0);
  CHECK(cpc.phi(1e6) == 1.0);
  double prev = -1.0;
  for (double s = -100; s <= 200; s += 0.5) {
    const double p = cpc.phi(s);
    CHECK(p >= prev);
    CHECK(p >= 0.0);
    CHECK(p <= 1.0);
    prev = p;
  }
}

TEST_CASE("signed output converter: A/40 clamped, reference and counter modes",
          "[numerics][converters]") {
  const OutputConverter ref(40.0, 32, OutputMode::Reference, true);
  CHECK(ref.convert(0.0) == 0.0);
  CHECK(ref.convert(40.0) == Approx(32.0 / 31));  // saturated +1 -> 1.032
  CHECK(ref.convert(-400.0) == Approx(-32.0 / 31));
  CHECK(ref.convert(20.0) == Approx(16.0 / 31));  // 0.5 / (2/31) = 7.75 -> 8 steps
  CHECK(ref.code(20.0) == 8);
  const OutputConverter cnt(40.0, 32, OutputMode::Counter, true);
  CHECK(cnt.convert(40.0) == 1.0);
  CHECK(cnt.convert(-40.0) == -1.0);
  CHECK(cnt.code(40.0) == 15);
  const OutputConverter cont(40.0, 32, OutputMode::Reference, false);
  CHECK(cont.convert(10.0) == Approx(0.25));
  // Symmetric where the physics is symmetric (the converter itself is odd).
  for (double a = 0.0; a <= 60.0; a += 0.37) {
    CHECK(cnt.convert(-a) == -cnt.convert(a));
    CHECK(ref.convert(-a) == Approx(-ref.convert(a)).margin(1e-15));
    CHECK(cont.convert(-a) == -cont.convert(a));
  }
  // Monotone.
  double prev = -2.0;
  for (double a = -60.0; a <= 60.0; a += 0.11) {
    CHECK(ref.convert(a) >= prev);
    prev = ref.convert(a);
  }
}
