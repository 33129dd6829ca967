// first_nonfinite_f32: the host interface's check of every burst (AVX-512 and portable forms).
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "gcattn/numerics/finite_scan.h"

using namespace gcattn;

TEST_CASE("first_nonfinite_f32 finds the first NaN or infinity at any position and alignment",
          "[numerics][finite_scan]") {
  const float bad_values[] = {
      std::numeric_limits<float>::quiet_NaN(), -std::numeric_limits<float>::quiet_NaN(),
      std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity()};
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> value(-1e30f, 1e30f);
  for (std::size_t n : {0u, 1u, 7u, 15u, 16u, 17u, 31u, 32u, 33u, 64u, 100u, 768u}) {
    for (std::size_t offset = 0; offset < 4; ++offset) {  // byte offsets: unaligned words
      std::vector<float> v(n);
      for (float& x : v) x = value(rng);
      if (n > 0) v[0] = std::numeric_limits<float>::max();  // finite extremes pass
      if (n > 1) v[n - 1] = std::numeric_limits<float>::denorm_min();
      std::vector<unsigned char> buf(4 * n + 4);
      auto scan = [&] {
        std::memcpy(buf.data() + offset, v.data(), 4 * n);
        return first_nonfinite_f32(buf.data() + offset, n);
      };
      INFO("n " << n << ", offset " << offset);
      CHECK(scan() == n);
      for (std::size_t at = 0; at < n; at += (n > 40 ? 13 : 1)) {
        const float keep = v[at];
        v[at] = bad_values[at % 4];
        if (at + 5 < n) v[at + 5] = bad_values[(at + 1) % 4];  // a later one does not count
        INFO("bad word at " << at);
        CHECK(scan() == at);
        v[at] = keep;
        if (at + 5 < n) v[at + 5] = 1.0f;
      }
    }
  }
}
