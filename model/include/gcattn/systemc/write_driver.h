#pragma once
// The K/V write DACs and drivers of one head: model-space k or v -> per-head scaler -> clamp to
// the storable range -> 3-bit voltage grid. The write time is the WriteKV phase of the
// configured schedule; its energy is EnergyModel::kv_write of the voltages produced here. The
// arithmetic is the numerics library's WriteDacBank; this component adds its name.
// A plain member of its module (no processes, ports or events), not an sc_module itself.
#include <cstdint>
#include <memory>
#include <string>

#include <systemc>

#include "gcattn/config/hardware_params.h"
#include "gcattn/numerics/converter_banks.h"

namespace gcattn::sc {

class WriteDriver {
 public:
  /// Its own bank of DACs (a standalone component).
  WriteDriver(const char* name, const HardwareParams& p)
      : name_(name), own_(std::make_unique<WriteDacBank>(p)), bank_(own_.get()) {}
  /// The DACs of `bank` (a head's: the bank of its HeadStep), which must outlive this.
  WriteDriver(const char* name, WriteDacBank& bank) : name_(name), bank_(&bank) {}
  const char* name() const { return name_.c_str(); }
  const char* kind() const { return "gcattn::sc::WriteDriver"; }

  /// volts[rows] driven onto the storage nodes for raw[rows]; returns sum |volts|
  /// (WriteDacBank::convert).
  double convert(const float* raw, const AffineScaler& scaler, double* volts) const {
    return bank_->convert(raw, scaler, volts);
  }
  /// The arrays' grid codes of raw[rows]; returns sum |volts| (WriteDacBank::convert_codes:
  /// throws std::logic_error when not quantising, std::invalid_argument for a non-finite
  /// scaler).
  double convert_codes(const float* raw, const AffineScaler& scaler, std::uint8_t* code) {
    return bank_->convert_codes(raw, scaler, code);
  }
  const WriteDac& dac() const { return bank_->dac(); }
  const WriteDacBank& bank() const { return *bank_; }

 private:
  std::string name_;
  std::unique_ptr<WriteDacBank> own_;  // null for a view of a head's bank
  WriteDacBank* bank_;
};

}  // namespace gcattn::sc
