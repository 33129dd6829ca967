#pragma once
// The K/V write DACs and drivers of one head: model-space k or v -> per-head scaler -> clamp to
// the storable range -> 3-bit voltage grid. The write time is the WriteKV phase of the
// configured schedule; its energy is EnergyModel::kv_write of the voltages produced here.
// A plain member of its module (no processes, ports or events), not an sc_module itself.
#include <cmath>
#include <cstdint>
#include <string>

#include <systemc>

#include "gcattn/config/hardware_params.h"
#include "gcattn/numerics/converters.h"
#include "gcattn/numerics/level_thresholds.h"

namespace gcattn::sc {

class WriteDriver {
 public:
  WriteDriver(const char* name, const HardwareParams& p)
      : name_(name), dac_(WriteDac::from(p)), rows_(p.rows) {}
  const char* name() const { return name_.c_str(); }
  const char* kind() const { return "gcattn::sc::WriteDriver"; }

  /// volts[rows] driven onto the storage nodes for raw[rows]; returns sum |volts| (the written
  /// charge, EnergyModel::kv_write).
  // Copies of the DAC and scaler: stores through double* could alias them otherwise.
  double convert(const float* raw, const AffineScaler& scaler, double* volts) const {
    const WriteDac dac = dac_;
    const AffineScaler sc = scaler;
    const int rows = rows_;
    double sum = 0.0;
    for (int r = 0; r < rows; ++r) {
      volts[r] = dac.volts(sc.apply(raw[r]));
      sum += std::fabs(volts[r]);
    }
    return sum;
  }
  /// The same as the arrays' grid codes (index - WriteDac::grid_min_index(), for
  /// GainCellArray::write_codes) when quantising; returns sum |volts| likewise. One vectorised
  /// loop over the thresholds of the scaler's transfer (converters.cpp): the indices of
  /// WriteDac::volts for every float. Throws std::logic_error when not quantising and
  /// std::invalid_argument for a non-finite scaler.
  double convert_codes(const float* raw, const AffineScaler& scaler, std::uint8_t* code);
  const WriteDac& dac() const { return dac_; }

 private:
  std::string name_;
  WriteDac dac_;
  int rows_;
  LevelThresholdCache cache_;  // the transfers of the K and V scalers
};

}  // namespace gcattn::sc
