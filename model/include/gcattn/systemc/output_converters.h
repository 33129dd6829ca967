#pragma once
// Second-stage converters of a sub-tile (one per V-array row): the signed output charge A is
// turned into a pulse and counted: clamp(A / a_sat, -1, 1) on the 5-bit grid (reference mode)
// or sign + saturating counter (counter mode), see output.mode.
#include <cstdlib>

#include <systemc>

#include "gcattn/config/hardware_params.h"
#include "gcattn/numerics/converters.h"

namespace gcattn::sc {

class OutputConverters : public sc_core::sc_module {
 public:
  OutputConverters(const sc_core::sc_module_name& name, const HardwareParams& p)
      : sc_core::sc_module(name), conv_(OutputConverter::from(p)), rows_(p.rows) {}
  const char* kind() const override { return "gcattn::sc::OutputConverters"; }

  /// out[rows] normalised outputs and code[rows] counter values of a[rows]; returns sum |code|.
  long convert(const double* a, double* out, long* code) const {
    long steps = 0;
    for (int r = 0; r < rows_; ++r) {
      out[r] = conv_.convert(a[r]);
      code[r] = conv_.code(a[r]);
      steps += std::labs(code[r]);
    }
    return steps;
  }
  const OutputConverter& converter() const { return conv_; }

 private:
  OutputConverter conv_;
  int rows_;
};

}  // namespace gcattn::sc
