#pragma once
// Retention loss of a gain cell: the stored deviation u decays toward 0 (V toward v_mid).
#include <cmath>
#include <cstdint>

#include "gcattn/config/hardware_params.h"
#include "gcattn/physics/decay_exp.h"
#include "gcattn/physics/variation.h"

namespace gcattn {

/// x rounded to the nearest bfloat16 (8 significant bits, round to nearest even) through float32,
/// as PyTorch's `.to(torch.bfloat16)` of a double tensor: Eigen::bfloat16 (leakage.cpp).
double round_to_bfloat16(double x);

class Leakage {
 public:
  Leakage(LeakageMode mode, double tau_s, double decay_per_token,
          DecayRounding rounding = DecayRounding::None)
      : mode_(mode), inv_tau_s_(1.0 / tau_s), per_token_(decay_per_token), rounding_(rounding) {}
  /// The decay of a configuration, unrounded (leakage.decay_rounding does not apply).
  static Leakage from(const HardwareParams& p) {
    return Leakage(p.leakage_mode, p.tau_s, p.decay_per_token);
  }
  /// The decay of one array of a sub-tile: the K array's factor is rounded as
  /// leakage.decay_rounding says (bfloat16_qk), the V array's never.
  static Leakage from(const HardwareParams& p, Unit unit) {
    return Leakage(p.leakage_mode, p.tau_s, p.decay_per_token,
                   unit == Unit::KArray ? p.decay_rounding : DecayRounding::None);
  }

  /// Factor delta applied to u after elapsed_s seconds or age_tokens tokens since the write
  /// (rounded, with a rounding).
  double factor(double elapsed_s, std::int64_t age_tokens) const {
    const double f = exact_factor(elapsed_s, age_tokens);
    return rounding_ == DecayRounding::None ? f : round_to_bfloat16(f);
  }
  /// factor() of n columns read at (now_s, now_token), written at t_write_s[i] as token[i]: the
  /// same values, their exponentials computed eight at a time (decay_exp_n).
  void factors(double now_s, std::int64_t now_token, const double* t_write_s,
               const std::int64_t* token, std::size_t n, double* out) const;
  /// ln of the unrounded factor(): the exponent (0 without leakage). A cell whose time constant is
  /// the nominal one divided by r decays by exp(r * log_factor()) (variation.tau_sigma; such
  /// per-cell factors are not rounded).
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
  DecayRounding rounding() const { return rounding_; }

 private:
  double exact_factor(double elapsed_s, std::int64_t age_tokens) const {
    switch (mode_) {
      case LeakageMode::Time:
        return decay_exp(-elapsed_s * inv_tau_s_);
      case LeakageMode::TokenAge:
        return decay_exp(-per_token_ * static_cast<double>(age_tokens));
      case LeakageMode::Off:
        break;
    }
    return 1.0;
  }

  LeakageMode mode_;
  double inv_tau_s_;
  double per_token_;
  DecayRounding rounding_;
};

}  // namespace gcattn
