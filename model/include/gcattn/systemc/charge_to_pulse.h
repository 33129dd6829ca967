#pragma once
// First-stage converters of a sub-tile (one per K-array column): the integrated column charge
// (score S) becomes a pulse of fraction phi = HardSigmoid(S) = clamp(S / s_sat, 0, 1). Unsigned:
// negative scores give no pulse. Unwritten columns never fire.
// A plain member of its module (no processes, ports or events), not an sc_module itself.
#include <string>
#include <vector>

#include <systemc>

#include "gcattn/config/hardware_params.h"
#include "gcattn/numerics/converters.h"
#include "gcattn/numerics/subtile.h"
#include "gcattn/physics/variation.h"
#include "gcattn/systemc/gain_cell_array.h"

namespace gcattn::sc {

class ChargeToPulseConverters {
 public:
  /// site: the sub-tile's (its converters' offsets, variation.converter_offset_sigma_lsb).
  ChargeToPulseConverters(const char* name, const HardwareParams& p, const Site& site = {})
      : name_(name),
        cpc_(ChargeToPulse::from(p)),
        cols_(p.cols),
        offset_(converter_offsets(p.nonideal, site, Unit::ChargeToPulse, p.cols,
                                  ChargeToPulse::offset_lsb(p))) {}
  const char* name() const { return name_.c_str(); }
  const char* kind() const { return "gcattn::sc::ChargeToPulseConverters"; }

  /// phi[cols] of s[cols]; fills the column counts of act; returns the largest phi.
  double convert(const double* s, const GainCellArray& k_array, double* phi,
                 SubTileActivity& act) const {
    const ChargeToPulse cpc = cpc_;  // a copy: stores through double* could alias it
    const int cols = cols_;
    const double* off = offset_.empty() ? nullptr : offset_.data();
    double mx = 0.0;
    for (int c = 0; c < cols; ++c) {
      const bool v = k_array.valid(c);
      phi[c] = !v ? 0.0 : off ? cpc.phi(s[c], off[c]) : cpc.phi(s[c]);
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
  std::vector<double> offset_;  // per converter; empty without offsets
};

}  // namespace gcattn::sc
