#pragma once
// Second-stage converters of a sub-tile (one per V-array row): the signed output charge A is
// turned into a pulse and counted: clamp(A / a_sat, -1, 1) on the 5-bit grid (reference mode)
// or sign + saturating counter (counter mode), see output.mode. The arithmetic is the numerics
// library's OutputConverterBank (as SubTileModel's); this component adds its name.
// A plain member of its module (no processes, ports or events), not an sc_module itself.
#include <string>

#include <systemc>

#include "gcattn/config/hardware_params.h"
#include "gcattn/numerics/converter_banks.h"
#include "gcattn/physics/variation.h"

namespace gcattn::sc {

class OutputConverters {
 public:
  /// site: the sub-tile's (its converters' offsets, variation.converter_offset_sigma_lsb).
  OutputConverters(const char* name, const HardwareParams& p, const Site& site = {})
      : name_(name), bank_(p, site) {}
  const char* name() const { return name_.c_str(); }
  const char* kind() const { return "gcattn::sc::OutputConverters"; }

  /// out[rows] normalised outputs and code[rows] counter values of a[rows]; returns sum |code|.
  long convert(const double* a, double* out, long* code) const {
    return bank_.convert(a, out, code);
  }
  const OutputConverter& converter() const { return bank_.converter(); }
  const OutputConverterBank& bank() const { return bank_; }

 private:
  std::string name_;
  OutputConverterBank bank_;
};

}  // namespace gcattn::sc
