#pragma once
// The K/V write DACs and drivers of one head: model-space k or v -> per-head scaler -> clamp to
// the storable range -> 3-bit voltage grid. The write time is the WriteKV phase of the
// configured schedule; its energy is EnergyModel::kv_write of the voltages produced here.
#include <systemc>

#include "gcattn/config/hardware_params.h"
#include "gcattn/numerics/converters.h"

namespace gcattn::sc {

class WriteDriver : public sc_core::sc_module {
 public:
  WriteDriver(const sc_core::sc_module_name& name, const HardwareParams& p)
      : sc_core::sc_module(name), dac_(WriteDac::from(p)), rows_(p.rows) {}
  const char* kind() const override { return "gcattn::sc::WriteDriver"; }

  /// volts[rows] driven onto the storage nodes for raw[rows].
  void convert(const float* raw, const AffineScaler& scaler, double* volts) const {
    for (int r = 0; r < rows_; ++r) volts[r] = dac_.volts(scaler.apply(raw[r]));
  }
  const WriteDac& dac() const { return dac_; }

 private:
  WriteDac dac_;
  int rows_;
};

}  // namespace gcattn::sc
