#pragma once
// A sub-tile: one K array and one V array holding the same cols tokens, the first-stage
// charge-to-pulse converters (one per column) and the signed output converters (one per row).
#include <cstdint>
#include <vector>

#include "gcattn/config/hardware_params.h"
#include "gcattn/numerics/converters.h"
#include "gcattn/numerics/gain_cell_array.h"
#include "gcattn/physics/variation.h"

namespace gcattn {

/// Per-sub-tile activity of one attend, for energy accounting.
struct SubTileActivity {
  int active_columns = 0;        // written columns that were read
  int firing_columns = 0;        // columns with phi > 0
  double phi_sum = 0.0;          // sum of phi pulse fractions
  double k_read_activity = 0.0;  // sum |q * g| over K cells (uA-equivalent)
  double v_read_activity = 0.0;  // sum |phi * g| over V cells
  long counter_steps = 0;        // sum |output code|

  /// Adds another sub-tile's (or step's) activity, field by field.
  SubTileActivity& operator+=(const SubTileActivity& o) {
    active_columns += o.active_columns;
    firing_columns += o.firing_columns;
    phi_sum += o.phi_sum;
    k_read_activity += o.k_read_activity;
    v_read_activity += o.v_read_activity;
    counter_steps += o.counter_steps;
    return *this;
  }
};

class SubTileModel {
 public:
  /// site: where the sub-tile sits (its devices' variation and noise, p.nonideal).
  explicit SubTileModel(const HardwareParams& p, const Site& site = {});

  int rows() const { return k_.rows(); }
  int cols() const { return k_.cols(); }

  /// Writes token `token` into column col: stored K and V voltages (already DAC outputs).
  void write(int col, const double* k_volts, const double* v_volts, double t_s, std::int64_t token);
  void clear();

  /// q_frac[rows] query pulse fractions. Outputs: s[cols] scores (uA-eq), phi[cols],
  /// a[rows] raw output charge (uA-eq), out[rows] output-converter value (normalised).
  SubTileActivity attend(const double* q_frac, double now_s, std::int64_t now_token, double* s,
                         double* phi, double* a, double* out) const;

  const GainCellArrayModel& k_array() const { return k_; }
  const GainCellArrayModel& v_array() const { return v_; }
  const OutputConverter& output_converter() const { return out_conv_; }

 private:
  GainCellArrayModel k_, v_;
  ChargeToPulse cpc_;
  OutputConverter out_conv_;
  // Static converter offsets (variation.converter_offset_sigma_lsb): empty when zero.
  std::vector<double> cpc_offset_, out_offset_;
};

}  // namespace gcattn
