#pragma once
// First-stage converters of a sub-tile (one per K-array column): the integrated column charge
// (score S) becomes a pulse of fraction phi = HardSigmoid(S) = clamp(S / s_sat, 0, 1). Unsigned:
// negative scores give no pulse. Unwritten columns never fire.
// A plain member of its module (no processes, ports or events), not an sc_module itself.
#include <string>

#include <systemc>

#include "gcattn/config/hardware_params.h"
#include "gcattn/numerics/converters.h"
#include "gcattn/numerics/subtile.h"
#include "gcattn/systemc/gain_cell_array.h"

namespace gcattn::sc {

class ChargeToPulseConverters {
 public:
  ChargeToPulseConverters(const char* name, const HardwareParams& p)
      : name_(name), cpc_(ChargeToPulse::from(p)), cols_(p.cols) {}
  const char* name() const { return name_.c_str(); }
  const char* kind() const { return "gcattn::sc::ChargeToPulseConverters"; }

  /// phi[cols] of s[cols]; fills the column counts of act; returns the largest phi.
  double convert(const double* s, const GainCellArray& k_array, double* phi,
                 SubTileActivity& act) const {
    const ChargeToPulse cpc = cpc_;  // a copy: stores through double* could alias it
    const int cols = cols_;
    double mx = 0.0;
    for (int c = 0; c < cols; ++c) {
      const bool v = k_array.valid(c);
      phi[c] = v ? cpc.phi(s[c]) : 0.0;
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
  std::string name_;
  ChargeToPulse cpc_;
  int cols_;
};

}  // namespace gcattn::sc
