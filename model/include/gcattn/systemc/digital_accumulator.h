#pragma once
// The digital accumulator of one head: sums the sub-tiles' converter outputs per dimension (in
// sub-tile order) and applies the per-head output scaler a_o * x + b_o; the result is what the
// host reads from the OUT window (float32).
// A plain member of its module (no processes, ports or events), not an sc_module itself.
#include <string>

#include <systemc>

#include "gcattn/config/hardware_params.h"

namespace gcattn::sc {

class DigitalAccumulator {
 public:
  DigitalAccumulator(const char* name, int rows) : name_(name), rows_(rows) {}
  const char* name() const { return name_.c_str(); }
  const char* kind() const { return "gcattn::sc::DigitalAccumulator"; }

  void clear(double* acc) const {
    for (int r = 0; r < rows_; ++r) acc[r] = 0.0;
  }
  void add(double* acc, const double* subtile_out) const {
    for (int r = 0; r < rows_; ++r) acc[r] += subtile_out[r];
  }
  void finish(const double* acc, const AffineScaler& out_scaler, float* out) const {
    for (int r = 0; r < rows_; ++r) out[r] = static_cast<float>(out_scaler.apply(acc[r]));
  }

 private:
  std::string name_;
  int rows_;
};

}  // namespace gcattn::sc
