#include <catch2/catch.hpp>

#include <set>

#include "gcattn/numerics/quantizer.h"

using namespace gcattn;

TEST_CASE("round half to even", "[numerics][quantizer]") {
  CHECK(round_half_even(0.5) == 0.0);
  CHECK(round_half_even(1.5) == 2.0);
  CHECK(round_half_even(2.5) == 2.0);
  CHECK(round_half_even(-0.5) == 0.0);
  CHECK(round_half_even(-1.5) == -2.0);
  CHECK(round_half_even(15.5) == 16.0);
  CHECK(round_half_even(2.4999) == 2.0);
  CHECK(round_half_even(-2.6) == -3.0);
}

TEST_CASE("query grid: 16 levels over [0, 1], 1 LSB = 1/15", "[numerics][quantizer]") {
  const UniformQuantizer q(0.0, 1.0, 16);
  CHECK(q.step() == Approx(1.0 / 15.0));
  CHECK(q(0.0) == 0.0);
  CHECK(q(1.0) == Approx(1.0));
  CHECK(q(0.5) == Approx(8.0 / 15.0));  // 0.5 / (1/15) = 7.5 exactly: half to even -> 8
  CHECK(q(0.3) == Approx(4.0 / 15.0));  // 4.5 exactly -> 4
}

TEST_CASE("K/V write grid: 8 levels over [0, 0.9] V", "[numerics][quantizer]") {
  const UniformQuantizer q(0.0, 0.9, 8);
  CHECK(q.step() == Approx(0.9 / 7));
  CHECK(q(0.45) == Approx(3 * 0.9 / 7));  // 0.45 / (0.9/7) = 3.4999999999999996 in double
  CHECK(q(0.9) == Approx(0.9));
  CHECK(q(0.2) == Approx(0.9 / 7 * 2));
  std::set<long> levels;
  for (double x = 0.0; x <= 0.9; x += 0.001) levels.insert(q.index(x));
  CHECK(levels.size() == 8);
}

TEST_CASE("output grid keeps the reference code's 33-value quirk", "[numerics][quantizer]") {
  const UniformQuantizer q(-1.0, 1.0, 32);
  CHECK(q.step() == Approx(2.0 / 31));
  CHECK(q(1.0) == Approx(16 * 2.0 / 31));  // 15.5 steps rounds to even 16 = 1.032
  CHECK(q(1.0) == Approx(1.032).epsilon(1e-3));
  CHECK(q(-1.0) == Approx(-16 * 2.0 / 31));
  std::set<long> values;
  for (double x = -1.0; x <= 1.0; x += 1e-4) values.insert(q.index(x));
  values.insert(q.index(1.0));
  CHECK(values.size() == 33);
}

TEST_CASE("counter quantiser: sign + 16 magnitude levels, symmetric", "[numerics][quantizer]") {
  const CounterQuantizer c(32);
  CHECK(c.max_count() == 15);
  CHECK(c(1.0) == 1.0);
  CHECK(c(-1.0) == -1.0);
  CHECK(c(0.0) == 0.0);
  CHECK(c.count(0.5) == 8);  // 7.5 -> 8 (half to even)
  std::set<long> codes;
  for (double x = -1.0; x <= 1.0; x += 1e-3) {
    CHECK(c(-x) == -c(x));
    codes.insert(c.count(x));
  }
  CHECK(codes.size() == 31);  // 32 codes (sign x 16), +0 and -0 coincide
}

TEST_CASE("quantisers are idempotent", "[numerics][quantizer]") {
  const UniformQuantizer grids[] = {{0.0, 1.0, 16}, {0.0, 0.9, 8}, {-1.0, 1.0, 32}};
  const CounterQuantizer counter(32);
  for (const auto& q : grids) {
    for (double x = -1.2; x <= 1.2; x += 0.0137) CHECK(q(q(x)) == Approx(q(x)).margin(1e-15));
  }
  for (double x = -1.0; x <= 1.0; x += 0.0137) CHECK(counter(counter(x)) == counter(x));
}
