#include "gcattn/physics/variation.h"

#include <array>
#include <cmath>

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

}  // namespace gcattn
