#pragma once
// The K/V write DACs and drivers of one head: model-space k or v -> per-head scaler -> clamp to
// the storable range -> 3-bit voltage grid. The write time is the WriteKV phase of the
// configured schedule; its energy is EnergyModel::kv_write of the voltages produced here.
// A plain member of its module (no processes, ports or events), not an sc_module itself.
#include <cstdint>
#include <string>

#include <systemc>

#include "gcattn/config/hardware_params.h"
#include "gcattn/numerics/converters.h"

namespace gcattn::sc {

class WriteDriver {
 public:
  WriteDriver(const char* name, const HardwareParams& p)
      : name_(name), dac_(WriteDac::from(p)), rows_(p.rows) {}
  const char* name() const { return name_.c_str(); }
  const char* kind() const { return "gcattn::sc::WriteDriver"; }

  /// volts[rows] driven onto the storage nodes for raw[rows].
  // Copies of the DAC and scaler: stores through double* could alias them otherwise.
  void convert(const float* raw, const AffineScaler& scaler, double* volts) const {
    const WriteDac dac = dac_;
    const AffineScaler sc = scaler;
    const int rows = rows_;
    for (int r = 0; r < rows; ++r) volts[r] = dac.volts(sc.apply(raw[r]));
  }
  /// Also each voltage's code for the arrays (grid index - WriteDac::grid_min_index(); 0 when
  /// not quantising) and, returned, sum |volts| (the written charge, EnergyModel::kv_write). The
  /// same arithmetic as WriteDac::volts per element, as one vectorised loop (converters.cpp).
  double convert(const float* raw, const AffineScaler& scaler, double* volts,
                 std::uint8_t* code) const;
  const WriteDac& dac() const { return dac_; }

 private:
  std::string name_;
  WriteDac dac_;
  int rows_;
};

}  // namespace gcattn::sc
