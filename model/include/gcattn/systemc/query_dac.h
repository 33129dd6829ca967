#pragma once
// The query pulse-width DACs of one head (one per row): model-space q -> per-head q scaler ->
// clamp [0, 1] -> 4-bit grid -> pulse of width fraction * t_max on the row's read word line.
// The arithmetic is the numerics library's QueryDacBank; this component adds its name and the
// pulse width as simulated time. A plain member of its module (no processes, ports or events),
// not an sc_module itself.
#include <memory>
#include <string>

#include <systemc>

#include "gcattn/config/hardware_params.h"
#include "gcattn/numerics/converter_banks.h"

namespace gcattn::sc {

class QueryDacs {
 public:
  /// What a conversion reports besides the fractions.
  using Pulses = QueryPulses;

  /// Its own bank of DACs (a standalone component).
  QueryDacs(const char* name, const HardwareParams& p)
      : name_(name), own_(std::make_unique<QueryDacBank>(p)), bank_(own_.get()) {}
  /// The DACs of `bank` (a head's: the bank of its HeadStep), which must outlive this.
  QueryDacs(const char* name, QueryDacBank& bank) : name_(name), bank_(&bank) {}
  const char* name() const { return name_.c_str(); }
  const char* kind() const { return "gcattn::sc::QueryDacs"; }

  /// frac[rows] pulse fractions of q_raw[rows] (frac may be null: only the Pulses):
  /// QueryDacBank::convert.
  Pulses convert(const float* q_raw, const AffineScaler& scaler, double* frac) {
    return bank_->convert(q_raw, scaler, frac);
  }
  /// Pulse width of a fraction.
  sc_core::sc_time width(double frac) const {
    return sc_core::sc_time(bank_->dac().width_ns(frac), sc_core::SC_NS);
  }
  const PulseWidthDac& dac() const { return bank_->dac(); }
  const QueryDacBank& bank() const { return *bank_; }

 private:
  std::string name_;
  std::unique_ptr<QueryDacBank> own_;  // null for a view of a head's bank
  QueryDacBank* bank_;
};

}  // namespace gcattn::sc
