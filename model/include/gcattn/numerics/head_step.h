#pragma once
// The step kernel of one attention head (PAPER.md section 5): what a head does with a token
// besides its sub-tiles' own phases. The write of a token's K and V through the per-head scalers
// and the write DACs into its window slot (SlotMap: sub-tile slot / cols, column slot mod cols),
// the query DACs, and the digital sum of the sub-tiles' converter outputs with the output
// scaler. HeadModel and the accelerator's heads (sc::Head) both run their steps through it, with
// their own sub-tiles (SubTileModel, sc::SubTile: the same converter banks and arrays), so the two
// cannot drift apart.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "gcattn/config/hardware_params.h"
#include "gcattn/numerics/converter_banks.h"
#include "gcattn/numerics/slot_map.h"

namespace gcattn {

class HeadStep {
 public:
  explicit HeadStep(const HardwareParams& p);

  const SlotMap& slots() const { return slots_; }
  /// Where token `token` lives in the window.
  WindowSlot slot(std::int64_t token) const { return slots_(token); }

  /// WriteKV: k_raw and v_raw [rows] (model space) through their scalers and the write DACs into
  /// column slot(token).column of subtiles[slot(token).subtile], stamped t. As the DACs' grid
  /// codes (`write_codes(col, k_code, v_code, t, token)`) when the arrays hold codes
  /// (holds_grid_codes) and both scalers are finite, else as voltages (`write(col, k_volts,
  /// v_volts, t, token)`): the same cells either way. Returns sum |volts| of both columns (the
  /// written charge, EnergyModel::kv_write). SubTiles: indexable by sub-tile (std::vector of
  /// SubTileModel with t in seconds, sc_vector of sc::SubTile with an sc_time).
  template <class SubTiles, class Time>
  double write_kv(SubTiles& subtiles, std::int64_t token, const float* k_raw, const float* v_raw,
                  const HeadScalers& s, const Time& t) {
    const WindowSlot at = slots_(token);
    auto& st = subtiles[static_cast<std::size_t>(at.subtile)];
    const double abs_volts = convert_kv(k_raw, v_raw, s);
    if (codes(s)) {
      st.write_codes(at.column, k_code_.data(), v_code_.data(), t, token);
    } else {
      st.write(at.column, k_volts_.data(), v_volts_.data(), t, token);
    }
    return abs_volts;
  }
  /// write_kv for a timing-only step, which reads no array: the same conversion (and returned
  /// sum |volts|), but the column only takes the token (`write_blind(col)`: its cells are not
  /// stored).
  template <class SubTiles>
  double write_kv_blind(SubTiles& subtiles, std::int64_t token, const float* k_raw,
                        const float* v_raw, const HeadScalers& s) {
    const WindowSlot at = slots_(token);
    // sum |volts| alone where the DACs give codes (no cells are stored): the same sum.
    const double abs_volts = codes(s)
                                 ? kv_dacs_.abs_volts(k_raw, s.k) + kv_dacs_.abs_volts(v_raw, s.v)
                                 : convert_kv(k_raw, v_raw, s);
    subtiles[static_cast<std::size_t>(at.subtile)].write_blind(at.column);
    return abs_volts;
  }

  /// QueryPulses, first step: q_raw[rows] (model space) through the q scaler and the query DACs.
  /// The fractions are kept (query_fractions()) unless `fractions` is false (timing-only steps,
  /// which read no array: only the QueryPulses).
  QueryPulses apply_query(const float* q_raw, const AffineScaler& q, bool fractions = true) {
    return q_dacs_.convert(q_raw, q, fractions ? q_frac_.data() : nullptr);
  }
  /// A query given directly as pulse fractions [rows] (hardware units).
  void set_query_fractions(const double* frac);
  /// The latest query's pulse fractions [rows], what the sub-tiles' K arrays integrate.
  const std::vector<double>& query_fractions() const { return q_frac_; }

  /// DigitalSum: out[rows] = out_scaler(sum of the sub-tiles' converter outputs), the sub-tiles
  /// added in order. outputs_of(m) gives sub-tile m's outputs [rows], or null for a sub-tile
  /// holding no token (it is not read: its outputs are zero and add nothing). T: double
  /// (HeadModel) or float (the OUT window).
  template <class OutputsOf, class T>
  void digital_sum(int subtiles, OutputsOf&& outputs_of, const AffineScaler& out_scaler, T* out) {
    sum_.clear(acc_.data());
    for (int m = 0; m < subtiles; ++m) {
      if (const double* o = outputs_of(m)) sum_.add(acc_.data(), o);
    }
    sum_.finish(acc_.data(), out_scaler, out);
  }

  QueryDacBank& query_dacs() { return q_dacs_; }
  const QueryDacBank& query_dacs() const { return q_dacs_; }
  WriteDacBank& write_dacs() { return kv_dacs_; }
  const WriteDacBank& write_dacs() const { return kv_dacs_; }
  const DigitalSum& digital_sum_unit() const { return sum_; }
  /// Whether write_kv hands the arrays grid codes (for finite scalers).
  bool writes_codes() const { return write_codes_; }

 private:
  static bool finite(const AffineScaler& s) {
    return std::isfinite(s.gain) && std::isfinite(s.offset);
  }
  /// Whether the write DACs hand the arrays grid codes for scalers s.
  bool codes(const HeadScalers& s) const { return write_codes_ && finite(s.k) && finite(s.v); }
  /// k_raw and v_raw through their scalers and the write DACs, into k_code_ / v_code_ (codes(s))
  /// or k_volts_ / v_volts_; returns sum |volts| of both columns.
  double convert_kv(const float* k_raw, const float* v_raw, const HeadScalers& s) {
    if (codes(s)) {
      return kv_dacs_.convert_codes(k_raw, s.k, k_code_.data()) +
             kv_dacs_.convert_codes(v_raw, s.v, v_code_.data());
    }
    return kv_dacs_.convert(k_raw, s.k, k_volts_.data()) +
           kv_dacs_.convert(v_raw, s.v, v_volts_.data());
  }

  SlotMap slots_;
  QueryDacBank q_dacs_;
  WriteDacBank kv_dacs_;
  DigitalSum sum_;
  bool write_codes_;
  // Scratch, sized once: no allocation per token.
  std::vector<double> k_volts_, v_volts_, q_frac_, acc_;
  std::vector<std::uint8_t> k_code_, v_code_;
};

}  // namespace gcattn
