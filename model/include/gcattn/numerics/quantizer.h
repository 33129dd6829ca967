#pragma once
// Quantisers of PAPER.md section 3.
#include <algorithm>
#include <cmath>

namespace gcattn {

/// Round half to even (the rounding of torch.round / numpy.round).
inline double round_half_even(double x) {
  const double r = std::round(x);  // half away from zero
  if (std::fabs(x - std::trunc(x)) == 0.5) return 2.0 * std::round(x / 2.0);
  return r;
}

inline double clamp(double x, double lo, double hi) { return std::min(std::max(x, lo), hi); }

/// y = step * round_half_even(x / step), step = (hi - lo) / (levels - 1): the reference code's
/// grid, anchored at 0 (not at lo). No clamping: callers clamp first, as the hardware does.
class UniformQuantizer {
 public:
  UniformQuantizer(double lo, double hi, int levels)
      : step_((hi - lo) / (levels - 1)) {}
  // x / step (not x * (1/step)) so that ties fall exactly as in the reference code.
  double operator()(double x) const { return step_ * round_half_even(x / step_); }
  double step() const { return step_; }
  /// Index of x on the grid (x / step rounded).
  long index(double x) const { return std::lround(round_half_even(x / step_)); }

 private:
  double step_;
};

/// Sign + saturating magnitude counter: y = sign(x) * min(round(|x| * n), n) / n with
/// n = levels/2 - 1 magnitude steps; symmetric, 0 maps to 0, +-1 stays +-1.
class CounterQuantizer {
 public:
  explicit CounterQuantizer(int levels) : n_(levels / 2 - 1) {}
  double operator()(double x) const { return count(x) / static_cast<double>(n_); }
  long count(double x) const {
    const double m = std::min(round_half_even(std::fabs(x) * n_), static_cast<double>(n_));
    return static_cast<long>(x < 0 ? -m : m);
  }
  int max_count() const { return n_; }

 private:
  int n_;
};

}  // namespace gcattn
