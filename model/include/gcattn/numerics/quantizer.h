#pragma once
// Quantisers of PAPER.md section 3.
#include <algorithm>
#include <cmath>

namespace gcattn {

/// Round half to even (the rounding of torch.round / numpy.round). Adding and subtracting 2^52
/// rounds |x| < 2^52 to an integer in the current rounding mode, which is round-to-nearest-even
/// (the C++ default, never changed here): the same result as the textbook round / trunc
/// formulation, bit for bit (signed zeros included), without libm calls in the converters' hot
/// loops. Larger magnitudes are integers already; NaN passes through.
inline double round_half_even(double x) {
  constexpr double kTwo52 = 4503599627370496.0;
  const double a = std::fabs(x);
  // Not folded to a: without -ffast-math the compiler keeps IEEE semantics of the two adds.
  // A select, not a branch, so that the converters' loops vectorise.
  const double r = std::copysign((a + kTwo52) - kTwo52, x);
  return a < kTwo52 ? r : x;
}

inline double clamp(double x, double lo, double hi) {
  return std::min(std::max(x, lo), hi);
}

/// y = step * round_half_even(x / step), step = (hi - lo) / (levels - 1): the reference code's
/// grid, anchored at 0 (not at lo). No clamping: callers clamp first, as the hardware does.
class UniformQuantizer {
 public:
  UniformQuantizer(double lo, double hi, int levels)
      : step_((hi - lo) / (levels - 1)), inv_step_(1.0 / step_) {}
  double operator()(double x) const { return step_ * rounded(x); }
  double step() const { return step_; }
  /// Index of x on the grid (x / step rounded). rounded() is integral already: a conversion, not
  /// a libm call, in the converters' loops; lround only for NaN and magnitudes a long cannot hold.
  long index(double x) const {
    const double r = rounded(x);
    return std::fabs(r) < 0x1p62 ? static_cast<long>(r) : std::lround(r);
  }
  /// round_half_even(x / step) as a double (the grid index; x on the grid is step * this).
  /// x / step (not x * (1/step)) decides, so that ties fall exactly as in the reference code;
  /// the product is within a few ulp of the quotient, so it gives the same integer unless the
  /// quotient lies next to a tie (or is huge, or NaN): only then is the division done.
  double rounded(double x) const {
    const double q = x * inv_step_;
    const double r = round_half_even(q);
    if (std::fabs(q) < 1e6 && std::fabs(std::fabs(q - r) - 0.5) > 1e-6) return r;
    return round_half_even(x / step_);
  }

 private:
  double step_;
  double inv_step_;
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
