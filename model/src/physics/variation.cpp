#include "gcattn/physics/variation.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <utility>
#include <vector>

namespace gcattn {

const double* normal_table() {
  static const std::array<double, 1u << kNoiseBits> table = [] {
    std::array<double, 1u << kNoiseBits> t{};
    const double n = static_cast<double>(t.size());
    double sum2 = 0.0;
    for (std::size_t i = 0; i < t.size(); ++i) {
      // Solve Phi(z) = (i + 1/2) / n by bisection; Phi(z) = erfc(-z / sqrt 2) / 2.
      const double p = (static_cast<double>(i) + 0.5) / n;
      double lo = -10.0, hi = 10.0;
      for (int it = 0; it < 100; ++it) {
        const double mid = 0.5 * (lo + hi);
        (0.5 * std::erfc(-mid / std::sqrt(2.0)) < p ? lo : hi) = mid;
      }
      t[i] = 0.5 * (lo + hi);
      sum2 += t[i] * t[i];
    }
    const double scale = 1.0 / std::sqrt(sum2 / n);
    for (double& z : t) z *= scale;
    return t;
  }();
  return table.data();
}

namespace {

// normal_table() as float in the order of a Fisher-Yates shuffle driven by keyed hashes of `key`,
// then its first kNoiseWindow entries again.
std::vector<float> shuffled_normals(std::uint64_t key) {
  std::vector<float> v(static_cast<std::size_t>(kNoiseLevels + kNoiseWindow));
  const double* z = normal_table();
  for (int i = 0; i < kNoiseLevels; ++i) v[static_cast<std::size_t>(i)] = static_cast<float>(z[i]);
  for (std::uint64_t i = kNoiseLevels - 1; i > 0; --i) {
    const std::uint64_t j = mix_key(key, i) % (i + 1);
    std::swap(v[i], v[j]);
  }
  std::copy(v.begin(), v.begin() + kNoiseWindow, v.begin() + kNoiseLevels);
  return v;
}

}  // namespace

const NoiseTables& noise_tables() {
  static const std::vector<float> a = shuffled_normals(0x6A09E667F3BCC908ULL),
                                  b = shuffled_normals(0xBB67AE8584CAA73BULL);
  static const NoiseTables t{a.data(), b.data()};
  return t;
}

}  // namespace gcattn
