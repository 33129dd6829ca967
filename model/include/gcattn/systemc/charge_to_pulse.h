#pragma once
// First-stage converters of a sub-tile (one per K-array column): the integrated column charge
// (score S) becomes a pulse of fraction phi = HardSigmoid(S) = clamp(S / s_sat, 0, 1). Unsigned:
// negative scores give no pulse. Unwritten columns never fire.
#include <systemc>

#include "gcattn/config/hardware_params.h"
#include "gcattn/numerics/converters.h"
#include "gcattn/numerics/subtile.h"
#include "gcattn/systemc/gain_cell_array.h"

namespace gcattn::sc {

class ChargeToPulseConverters : public sc_core::sc_module {
 public:
  ChargeToPulseConverters(const sc_core::sc_module_name& name, const HardwareParams& p)
      : sc_core::sc_module(name), cpc_(ChargeToPulse::from(p)), cols_(p.cols) {}
  const char* kind() const override { return "gcattn::sc::ChargeToPulseConverters"; }

  /// phi[cols] of s[cols]; fills the column counts of act; returns the largest phi.
  double convert(const double* s, const GainCellArray& k_array, double* phi,
                 SubTileActivity& act) const {
    double mx = 0.0;
    for (int c = 0; c < cols_; ++c) {
      const bool v = k_array.valid(c);
      phi[c] = v ? cpc_.phi(s[c]) : 0.0;
      act.active_columns += v;
      act.firing_columns += phi[c] > 0.0;
      act.phi_sum += phi[c];
      mx = phi[c] > mx ? phi[c] : mx;
    }
    return mx;
  }
  /// The transfer of one converter (HardSigmoid).
  double transfer(double s) const { return cpc_.phi(s); }

 private:
  ChargeToPulse cpc_;
  int cols_;
};

}  // namespace gcattn::sc
