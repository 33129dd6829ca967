#pragma once
// Retention loss of a gain cell: the stored deviation u decays toward 0 (V toward v_mid).
#include <cmath>
#include <cstdint>

#include "gcattn/config/hardware_params.h"

namespace gcattn {

class Leakage {
 public:
  Leakage(LeakageMode mode, double tau_s, double decay_per_token)
      : mode_(mode), inv_tau_s_(1.0 / tau_s), per_token_(decay_per_token) {}
  static Leakage from(const HardwareParams& p) {
    return Leakage(p.leakage_mode, p.tau_s, p.decay_per_token);
  }

  /// Factor delta applied to u after elapsed_s seconds or age_tokens tokens since the write.
  double factor(double elapsed_s, std::int64_t age_tokens) const {
    switch (mode_) {
      case LeakageMode::Time:
        return std::exp(-elapsed_s * inv_tau_s_);
      case LeakageMode::TokenAge:
        return std::exp(-per_token_ * static_cast<double>(age_tokens));
      case LeakageMode::Off:
        break;
    }
    return 1.0;
  }
  /// ln factor(): the exponent (0 without leakage). A cell whose time constant is the nominal one
  /// divided by r decays by exp(r * log_factor()) (variation.tau_sigma).
  double log_factor(double elapsed_s, std::int64_t age_tokens) const {
    switch (mode_) {
      case LeakageMode::Time:
        return -elapsed_s * inv_tau_s_;
      case LeakageMode::TokenAge:
        return -per_token_ * static_cast<double>(age_tokens);
      case LeakageMode::Off:
        break;
    }
    return 0.0;
  }
  LeakageMode mode() const { return mode_; }

 private:
  LeakageMode mode_;
  double inv_tau_s_;
  double per_token_;
};

}  // namespace gcattn
