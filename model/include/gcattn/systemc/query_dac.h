#pragma once
// The query pulse-width DACs of one head (one per row): model-space q -> per-head q scaler ->
// clamp [0, 1] -> 4-bit grid -> pulse of width fraction * t_max on the row's read word line.
// A plain member of its module (no processes, ports or events), not an sc_module itself.
#include <string>

#include <systemc>

#include "gcattn/config/hardware_params.h"
#include "gcattn/numerics/converters.h"
#include "gcattn/numerics/level_thresholds.h"

namespace gcattn::sc {

class QueryDacs {
 public:
  QueryDacs(const char* name, const HardwareParams& p)
      : name_(name), dac_(PulseWidthDac::from(p)), rows_(p.rows) {}
  const char* name() const { return name_.c_str(); }
  const char* kind() const { return "gcattn::sc::QueryDacs"; }

  /// What a conversion reports besides the fractions.
  struct Pulses {
    double max_fraction = 0.0;  // the largest pulse (sizes the data-dependent window)
    int count = 0;              // non-zero pulses (those that charge a word line)
  };
  /// frac[rows] pulse fractions of q_raw[rows] (frac may be null: only the Pulses). The results
  /// of PulseWidthDac::fraction per element, as one vectorised loop over the thresholds of the
  /// scaler's transfer (converters.cpp).
  Pulses convert(const float* q_raw, const AffineScaler& scaler, double* frac);
  /// Pulse width of a fraction.
  sc_core::sc_time width(double frac) const {
    return sc_core::sc_time(dac_.width_ns(frac), sc_core::SC_NS);
  }
  const PulseWidthDac& dac() const { return dac_; }

 private:
  std::string name_;
  PulseWidthDac dac_;
  int rows_;
  LevelThresholdCache cache_;  // the transfer of the q scaler
};

}  // namespace gcattn::sc
