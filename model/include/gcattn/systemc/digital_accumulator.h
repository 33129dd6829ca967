#pragma once
// The digital accumulator of one head: sums the sub-tiles' converter outputs per dimension (in
// sub-tile order) and applies the per-head output scaler a_o * x + b_o; the result is what the
// host reads from the OUT window (float32). The arithmetic is the numerics library's DigitalSum
// (the head's step runs it through HeadStep::digital_sum); this component adds its name.
// A plain member of its module (no processes, ports or events), not an sc_module itself.
#include <string>

#include <systemc>

#include "gcattn/config/hardware_params.h"
#include "gcattn/numerics/converter_banks.h"

namespace gcattn::sc {

class DigitalAccumulator {
 public:
  DigitalAccumulator(const char* name, int rows) : name_(name), sum_(rows) {}
  const char* name() const { return name_.c_str(); }
  const char* kind() const { return "gcattn::sc::DigitalAccumulator"; }

  void clear(double* acc) const { sum_.clear(acc); }
  void add(double* acc, const double* subtile_out) const { sum_.add(acc, subtile_out); }
  void finish(const double* acc, const AffineScaler& out_scaler, float* out) const {
    sum_.finish(acc, out_scaler, out);
  }

 private:
  std::string name_;
  DigitalSum sum_;
};

}  // namespace gcattn::sc
