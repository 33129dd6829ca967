#pragma once
// The query pulse-width DACs of one head (one per row): model-space q -> per-head q scaler ->
// clamp [0, 1] -> 4-bit grid -> pulse of width fraction * t_max on the row's read word line.
#include <systemc>

#include "gcattn/config/hardware_params.h"
#include "gcattn/numerics/converters.h"

namespace gcattn::sc {

class QueryDacs : public sc_core::sc_module {
 public:
  QueryDacs(const sc_core::sc_module_name& name, const HardwareParams& p)
      : sc_core::sc_module(name), dac_(PulseWidthDac::from(p)), rows_(p.rows) {}
  const char* kind() const override { return "gcattn::sc::QueryDacs"; }

  /// frac[rows] pulse fractions of q_raw[rows]; returns the largest (the data-dependent window).
  double convert(const float* q_raw, const AffineScaler& scaler, double* frac) const {
    double mx = 0.0;
    for (int r = 0; r < rows_; ++r) {
      frac[r] = dac_.fraction(scaler.apply(q_raw[r]));
      mx = frac[r] > mx ? frac[r] : mx;
    }
    return mx;
  }
  /// Pulse width of a fraction.
  sc_core::sc_time width(double frac) const {
    return sc_core::sc_time(dac_.width_ns(frac), sc_core::SC_NS);
  }
  const PulseWidthDac& dac() const { return dac_; }

 private:
  PulseWidthDac dac_;
  int rows_;
};

}  // namespace gcattn::sc
