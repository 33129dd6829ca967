#pragma once
// First-stage converters of a sub-tile (one per K-array column): the integrated column charge
// (score S) becomes a pulse of fraction phi = HardSigmoid(S) = clamp(S / s_sat, 0, 1). Unsigned:
// negative scores give no pulse. Unwritten columns never fire. The arithmetic is the numerics
// library's ChargeToPulseBank (as SubTileModel's); this component adds its name.
// A plain member of its module (no processes, ports or events), not an sc_module itself.
#include <string>

#include <systemc>

#include "gcattn/config/hardware_params.h"
#include "gcattn/numerics/converter_banks.h"
#include "gcattn/physics/variation.h"
#include "gcattn/systemc/gain_cell_array.h"

namespace gcattn::sc {

class ChargeToPulseConverters {
 public:
  /// site: the sub-tile's (its converters' offsets, variation.converter_offset_sigma_lsb).
  ChargeToPulseConverters(const char* name, const HardwareParams& p, const Site& site = {})
      : name_(name), bank_(p, site) {}
  const char* name() const { return name_.c_str(); }
  const char* kind() const { return "gcattn::sc::ChargeToPulseConverters"; }

  /// phi[cols] of s[cols]; fills the column counts of act; returns the largest phi.
  double convert(const double* s, const GainCellArray& k_array, double* phi,
                 SubTileActivity& act) const {
    return bank_.convert(s, k_array.model(), phi, act);
  }
  /// The transfer of one converter (HardSigmoid).
  double transfer(double s) const { return bank_.transfer(s); }
  const ChargeToPulseBank& bank() const { return bank_; }

 private:
  std::string name_;
  ChargeToPulseBank bank_;
};

}  // namespace gcattn::sc
