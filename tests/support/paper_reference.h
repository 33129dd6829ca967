#pragma once
// An independent, deliberately plain double-precision transcription of PAPER.md sections 3-5,
// used by tests to check the library. It shares no code with the model.
#include <cmath>
#include <vector>

namespace gcattn::test {

// g(u) = sum_ij c_ij 0.9^j u^i with the ten published coefficients (i = 0..3, j = 0..3-i).
inline double paper_current_ua(double u, double vread = 0.9) {
  static const double c[10] = {0.17393044, 0.15653739, 0.14088365,  0.12679529,  5.51975209,
                               4.96777688, 4.4709992,  -1.44776001, -1.30298401, 46.05483778};
  double g = 0.0;
  int n = 0;
  for (int i = 0; i <= 3; ++i) {
    for (int j = 0; j <= 3 - i; ++j) g += c[n++] * std::pow(vread, j) * std::pow(u, i);
  }
  return g;
}

inline double paper_linear_ua(double u) {
  return 19.3 * u;
}

/// One sub-tile, causal: query t sees tokens 0..t. q fractions, k/v volts, [T][D] row-major.
/// No quantisation; decay exp(-rate * age). Fills S, phi [T][T] and out [T][D] (clamped A/40).
inline void paper_subtile(const std::vector<double>& q, const std::vector<double>& k,
                          const std::vector<double>& v, int T, int D, double rate, bool linear,
                          std::vector<double>& S, std::vector<double>& phi,
                          std::vector<double>& out) {
  S.assign(static_cast<std::size_t>(T * T), 0.0);
  phi.assign(static_cast<std::size_t>(T * T), 0.0);
  out.assign(static_cast<std::size_t>(T * D), 0.0);
  auto g = [&](double u) { return linear ? paper_linear_ua(u) : paper_current_ua(u); };
  for (int t = 0; t < T; ++t) {
    std::vector<double> A(static_cast<std::size_t>(D), 0.0);
    for (int s = 0; s <= t; ++s) {
      const double delta = std::exp(-rate * (t - s));
      double score = 0.0;
      for (int d = 0; d < D; ++d) score += q[t * D + d] * g((k[s * D + d] - 0.45) * delta);
      const double p = std::min(std::max(score / 80.0, 0.0), 1.0);
      S[t * T + s] = score;
      phi[t * T + s] = p;
      for (int d = 0; d < D; ++d) A[d] += p * g((v[s * D + d] - 0.45) * delta);
    }
    for (int d = 0; d < D; ++d) out[t * D + d] = std::min(std::max(A[d] / 40.0, -1.0), 1.0);
  }
}

}  // namespace gcattn::test
