#pragma once
// A sub-tile: one K array and one V array holding the same cols tokens, the first-stage
// charge-to-pulse converters (one per column) and the signed output converters (one per row).
#include <cstdint>
#include <vector>

#include "gcattn/config/hardware_params.h"
#include "gcattn/numerics/converter_banks.h"
#include "gcattn/numerics/converters.h"
#include "gcattn/numerics/gain_cell_array.h"
#include "gcattn/numerics/subtile_activity.h"
#include "gcattn/physics/variation.h"

namespace gcattn {

class SubTileModel {
 public:
  /// site: where the sub-tile sits (its devices' variation and noise, p.nonideal).
  explicit SubTileModel(const HardwareParams& p, const Site& site = {});

  int rows() const { return k_.rows(); }
  int cols() const { return k_.cols(); }

  /// Writes token `token` into column col: stored K and V voltages (already DAC outputs).
  void write(int col, const double* k_volts, const double* v_volts, double t_s, std::int64_t token);
  /// The same as the write DACs' grid codes (GainCellArrayModel::write_codes).
  void write_codes(int col, const std::uint8_t* k_code, const std::uint8_t* v_code, double t_s,
                   std::int64_t token);
  void clear();
  /// Columns holding a token.
  int tokens() const { return k_.valid_columns(); }

  /// q_frac[rows] query pulse fractions. Outputs: s[cols] scores (uA-eq), phi[cols],
  /// a[rows] raw output charge (uA-eq), out[rows] output-converter value (normalised). The phases
  /// of the accelerator's sub-tile (sc::SubTile), on the same converter banks, at one time.
  SubTileActivity attend(const double* q_frac, double now_s, std::int64_t now_token, double* s,
                         double* phi, double* a, double* out) const;

  const GainCellArrayModel& k_array() const { return k_; }
  const GainCellArrayModel& v_array() const { return v_; }
  const ChargeToPulseBank& charge_to_pulse() const { return cpc_; }
  const OutputConverter& output_converter() const { return out_conv_.converter(); }

 private:
  GainCellArrayModel k_, v_;
  ChargeToPulseBank cpc_;         // with the static offsets of variation.converter_offset_sigma_lsb
  OutputConverterBank out_conv_;  // likewise
};

}  // namespace gcattn
