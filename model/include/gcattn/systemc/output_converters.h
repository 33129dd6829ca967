#pragma once
// Second-stage converters of a sub-tile (one per V-array row): the signed output charge A is
// turned into a pulse and counted: clamp(A / a_sat, -1, 1) on the 5-bit grid (reference mode)
// or sign + saturating counter (counter mode), see output.mode.
// A plain member of its module (no processes, ports or events), not an sc_module itself.
#include <cstdlib>

#include <string>
#include <vector>

#include <systemc>

#include "gcattn/config/hardware_params.h"
#include "gcattn/numerics/converters.h"
#include "gcattn/physics/variation.h"

namespace gcattn::sc {

class OutputConverters {
 public:
  /// site: the sub-tile's (its converters' offsets, variation.converter_offset_sigma_lsb).
  OutputConverters(const char* name, const HardwareParams& p, const Site& site = {})
      : name_(name),
        conv_(OutputConverter::from(p)),
        rows_(p.rows),
        offset_(converter_offsets(p.nonideal, site, Unit::OutputConverter, p.rows, conv_.lsb())) {}
  const char* name() const { return name_.c_str(); }
  const char* kind() const { return "gcattn::sc::OutputConverters"; }

  /// out[rows] normalised outputs and code[rows] counter values of a[rows]; returns sum |code|.
  long convert(const double* a, double* out, long* code) const {
    const OutputConverter conv = conv_;  // a copy: stores through double* could alias it
    const int rows = rows_;
    const double* off = offset_.empty() ? nullptr : offset_.data();
    long steps = 0;
    for (int r = 0; r < rows; ++r) {
      // quantised once, the value from the code
      out[r] = off ? conv.convert(a[r], off[r], code[r]) : conv.convert(a[r], code[r]);
      steps += std::labs(code[r]);
    }
    return steps;
  }
  const OutputConverter& converter() const { return conv_; }

 private:
  std::string name_;
  OutputConverter conv_;
  int rows_;
  std::vector<double> offset_;  // per converter; empty without offsets
};

}  // namespace gcattn::sc
