#include "gcattn/numerics/reference.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

namespace gcattn {

void softmax_attention(const float* q, const float* k, const float* v, int n, int d, double* out) {
  std::vector<double> w(static_cast<std::size_t>(n));
  const double scale = 1.0 / std::sqrt(static_cast<double>(d));
  double mx = -INFINITY;
  for (int t = 0; t < n; ++t) {
    double s = 0.0;
    for (int i = 0; i < d; ++i)
      s += static_cast<double>(q[i]) * k[static_cast<std::size_t>(t) * d + i];
    w[t] = s * scale;
    mx = std::max(mx, w[t]);
  }
  double z = 0.0;
  for (auto& x : w) z += (x = std::exp(x - mx));
  std::fill(out, out + d, 0.0);
  for (int t = 0; t < n; ++t) {
    const double p = w[t] / z;
    for (int i = 0; i < d; ++i) out[i] += p * v[static_cast<std::size_t>(t) * d + i];
  }
}

double cosine_similarity(const double* x, const double* ref, std::size_t n) {
  double xy = 0, xx = 0, yy = 0;
  for (std::size_t i = 0; i < n; ++i) {
    xy += x[i] * ref[i];
    xx += x[i] * x[i];
    yy += ref[i] * ref[i];
  }
  if (xx == 0.0 && yy == 0.0) return 1.0;
  if (xx == 0.0 || yy == 0.0) return 0.0;
  return xy / std::sqrt(xx * yy);
}

double relative_rms_error(const double* x, const double* ref, std::size_t n) {
  double ee = 0, yy = 0;
  for (std::size_t i = 0; i < n; ++i) {
    ee += (x[i] - ref[i]) * (x[i] - ref[i]);
    yy += ref[i] * ref[i];
  }
  if (yy == 0.0) return ee == 0.0 ? 0.0 : INFINITY;
  return std::sqrt(ee / yy);
}

}  // namespace gcattn
