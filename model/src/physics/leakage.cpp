#include "gcattn/physics/leakage.h"

#include <algorithm>

#include <Eigen/Core>

namespace gcattn {

// Eigen::bfloat16 of a double converts through float (static_cast<float>, then round to nearest
// even on the upper 16 bits), as c10::BFloat16 does: the same value as `.to(torch.bfloat16)`.
double round_to_bfloat16(double x) {
  return static_cast<double>(static_cast<float>(Eigen::bfloat16(static_cast<float>(x))));
}

void Leakage::factors(double now_s, std::int64_t now_token, const double* t_write_s,
                      const std::int64_t* token, std::size_t n, double* out) const {
  if (mode_ == LeakageMode::Off) {
    std::fill(out, out + n, 1.0);
    return;
  }
  // log_factor()'s expressions, one loop per mode so that each vectorises.
  if (mode_ == LeakageMode::Time) {
    for (std::size_t i = 0; i < n; ++i) out[i] = -(now_s - t_write_s[i]) * inv_tau_s_;
  } else {
    for (std::size_t i = 0; i < n; ++i) {
      out[i] = -per_token_ * static_cast<double>(now_token - token[i]);
    }
  }
  decay_exp_n(out, out, n);
  if (rounding_ != DecayRounding::None) {
    for (std::size_t i = 0; i < n; ++i) out[i] = round_to_bfloat16(out[i]);
  }
}

}  // namespace gcattn
