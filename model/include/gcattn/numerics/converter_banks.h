#pragma once
// The converters around the arrays as banks, one converter per row or column, and the digital
// sum: the per-row loops of PAPER.md section 5. Plain numerics, shared by HeadModel / SubTileModel
// and the accelerator's components (gcattn/systemc/query_dac.h, write_driver.h,
// charge_to_pulse.h, output_converters.h, digital_accumulator.h), which only add names.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "gcattn/config/hardware_params.h"
#include "gcattn/numerics/converters.h"
#include "gcattn/numerics/gain_cell_array.h"
#include "gcattn/numerics/level_thresholds.h"
#include "gcattn/numerics/subtile_activity.h"
#include "gcattn/physics/variation.h"

namespace gcattn {

/// What a query conversion reports besides the fractions.
struct QueryPulses {
  double max_fraction = 0.0;  // the largest pulse (sizes the data-dependent window)
  int count = 0;              // non-zero pulses (those that charge a word line)
};

/// The query pulse-width DACs of one head (one per row): model-space q -> per-head q scaler ->
/// clamp [0, 1] -> q_levels grid -> a pulse of fraction x t_max on the row's read word line.
class QueryDacBank {
 public:
  explicit QueryDacBank(const HardwareParams& p) : dac_(PulseWidthDac::from(p)), rows_(p.rows) {}

  /// frac[rows] pulse fractions of q_raw[rows] (frac may be null: only the QueryPulses): the
  /// results of PulseWidthDac::fraction per element. With a quantising DAC and a finite scaler,
  /// one vectorised loop over the thresholds of the scaler's transfer (LevelThresholds, cached
  /// per scaler; converter_banks.cpp); otherwise the scalar transfer. Without frac, the
  /// QueryPulses alone: levels rise with the thresholds' keys, so the largest pulse is the level
  /// of the largest key and the non-zero pulses are the values at or above the threshold of
  /// level 1 (AVX-512, 1 to 15 thresholds, lowest level 0; the same numbers as the levels give).
  QueryPulses convert(const float* q_raw, const AffineScaler& scaler, double* frac);
  const PulseWidthDac& dac() const { return dac_; }
  int rows() const { return rows_; }

 private:
  PulseWidthDac dac_;
  int rows_;
  LevelThresholdCache cache_;  // the transfer of the q scaler
};

/// The K/V write DACs of one head (one per row): model-space k or v -> per-head scaler -> clamp
/// to the storable range -> kv_levels voltage grid.
class WriteDacBank {
 public:
  explicit WriteDacBank(const HardwareParams& p) : dac_(WriteDac::from(p)), rows_(p.rows) {}

  /// volts[rows] driven onto the storage nodes for raw[rows]; returns sum |volts| (the written
  /// charge, EnergyModel::kv_write).
  // Copies of the DAC and scaler: stores through double* could alias them otherwise.
  double convert(const float* raw, const AffineScaler& scaler, double* volts) const {
    const WriteDac dac = dac_;
    const AffineScaler sc = scaler;
    const int rows = rows_;
    double sum = 0.0;
    for (int r = 0; r < rows; ++r) {
      volts[r] = dac.volts(sc.apply(raw[r]));
      sum += std::fabs(volts[r]);
    }
    return sum;
  }
  /// The same as the arrays' grid codes (index - WriteDac::grid_min_index(), for
  /// GainCellArrayModel::write_codes) when quantising; returns sum |volts| likewise. One
  /// vectorised loop over the thresholds of the scaler's transfer (converter_banks.cpp): the
  /// indices of WriteDac::volts for every float. Throws std::logic_error when not quantising and
  /// std::invalid_argument for a non-finite scaler.
  double convert_codes(const float* raw, const AffineScaler& scaler, std::uint8_t* code);
  /// sum |volts| alone, as convert_codes returns it (the write of a timing-only step, whose
  /// cells are not stored): with at most 15 thresholds, a grid at or above 0 V and AVX-512 it
  /// counts, per threshold, the values at or above it instead of finding each value's level.
  /// Same checks and throws.
  double abs_volts(const float* raw, const AffineScaler& scaler);
  const WriteDac& dac() const { return dac_; }
  int rows() const { return rows_; }

 private:
  const LevelThresholds& thresholds(const AffineScaler& scaler);

  WriteDac dac_;
  int rows_;
  LevelThresholdCache cache_;        // the transfers of the K and V scalers
  std::vector<std::uint8_t> codes_;  // abs_volts' scratch where it converts codes
};

/// The first-stage converters of a sub-tile (one per K-array column): the column charge (score
/// S) becomes a pulse of fraction phi = HardSigmoid(S) = clamp(S / s_sat, 0, 1). Unsigned:
/// negative scores give no pulse. Unwritten columns never fire.
class ChargeToPulseBank {
 public:
  /// site: the sub-tile's (its converters' offsets, variation.converter_offset_sigma_lsb).
  explicit ChargeToPulseBank(const HardwareParams& p, const Site& site = {})
      : cpc_(ChargeToPulse::from(p)),
        cols_(p.cols),
        offset_(converter_offsets(p.nonideal, site, Unit::ChargeToPulse, p.cols,
                                  ChargeToPulse::offset_lsb(p))) {}

  /// phi[cols] of s[cols] for the columns of k_array; adds the column counts and phi sum to act;
  /// returns the largest phi.
  double convert(const double* s, const GainCellArrayModel& k_array, double* phi,
                 SubTileActivity& act) const {
    const ChargeToPulse cpc = cpc_;  // a copy: stores through double* could alias it
    const int cols = cols_;
    const double* off = offset_.empty() ? nullptr : offset_.data();
    // The counts and the phi sum in locals (the same additions in the same order): stores to phi
    // could alias act, so updating act in the loop made every column wait for the last one's
    // store.
    int active = act.active_columns, firing = act.firing_columns;
    double phi_sum = act.phi_sum, mx = 0.0;
    for (int c = 0; c < cols; ++c) {
      const bool v = k_array.valid(c);
      const double p = !v ? 0.0 : off ? cpc.phi(s[c], off[c]) : cpc.phi(s[c]);
      phi[c] = p;
      active += v;
      firing += p > 0.0;
      phi_sum += p;
      mx = p > mx ? p : mx;
    }
    act.active_columns = active;
    act.firing_columns = firing;
    act.phi_sum = phi_sum;
    return mx;
  }
  /// The transfer of one converter (HardSigmoid, without offset).
  double transfer(double s) const { return cpc_.phi(s); }
  int cols() const { return cols_; }

 private:
  ChargeToPulse cpc_;
  int cols_;
  std::vector<double> offset_;  // per converter; empty without offsets
};

/// The second-stage converters of a sub-tile (one per V-array row): the signed output charge A
/// is turned into a pulse and counted: clamp(A / a_sat, -1, 1) on the output grid (reference
/// mode) or sign + saturating counter (counter mode), see output.mode.
class OutputConverterBank {
 public:
  /// site: the sub-tile's (its converters' offsets, variation.converter_offset_sigma_lsb).
  explicit OutputConverterBank(const HardwareParams& p, const Site& site = {})
      : conv_(OutputConverter::from(p)),
        rows_(p.rows),
        offset_(converter_offsets(p.nonideal, site, Unit::OutputConverter, p.rows, conv_.lsb())) {}

  /// out[rows] normalised outputs and code[rows] counter values of a[rows] (code may be null);
  /// returns sum |code|.
  long convert(const double* a, double* out, long* code) const {
    return code ? convert_rows<true>(a, out, code) : convert_rows<false>(a, out, nullptr);
  }
  const OutputConverter& converter() const { return conv_; }
  int rows() const { return rows_; }

 private:
  template <bool kCodes>
  long convert_rows(const double* a, double* out, long* code) const {
    const OutputConverter conv = conv_;  // a copy: stores through double* could alias it
    const int rows = rows_;
    const double* off = offset_.empty() ? nullptr : offset_.data();
    long steps = 0;
    for (int r = 0; r < rows; ++r) {
      long c = 0;
      // quantised once, the value from the code
      out[r] = off ? conv.convert(a[r], off[r], c) : conv.convert(a[r], c);
      if (kCodes) code[r] = c;
      steps += std::labs(c);
    }
    return steps;
  }

  OutputConverter conv_;
  int rows_;
  std::vector<double> offset_;  // per converter; empty without offsets
};

/// The digital sum of a head: the sub-tiles' converter outputs added per dimension (in sub-tile
/// order), then the per-head output scaler a_o * x + b_o.
class DigitalSum {
 public:
  explicit DigitalSum(int rows) : rows_(rows) {}
  void clear(double* acc) const {
    for (int r = 0; r < rows_; ++r) acc[r] = 0.0;
  }
  void add(double* acc, const double* subtile_out) const {
    for (int r = 0; r < rows_; ++r) acc[r] += subtile_out[r];
  }
  /// out[rows] = out_scaler(acc[rows]), as T (double for HeadModel, float for the OUT window).
  template <class T>
  void finish(const double* acc, const AffineScaler& out_scaler, T* out) const {
    for (int r = 0; r < rows_; ++r) out[r] = static_cast<T>(out_scaler.apply(acc[r]));
  }
  int rows() const { return rows_; }

 private:
  int rows_;
};

}  // namespace gcattn
