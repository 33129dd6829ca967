#pragma once
// The digital accumulator of one head: sums the sub-tiles' converter outputs per dimension (in
// sub-tile order) and applies the per-head output scaler a_o * x + b_o; the result is what the
// host reads from the OUT window (float32).
#include <systemc>

#include "gcattn/config/hardware_params.h"

namespace gcattn::sc {

class DigitalAccumulator : public sc_core::sc_module {
 public:
  DigitalAccumulator(const sc_core::sc_module_name& name, int rows)
      : sc_core::sc_module(name), rows_(rows) {}
  const char* kind() const override { return "gcattn::sc::DigitalAccumulator"; }

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
  int rows_;
};

}  // namespace gcattn::sc
