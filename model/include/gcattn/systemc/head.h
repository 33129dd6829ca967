#pragma once
// One attention head: query DACs, K/V write drivers, window_tokens / cols sub-tiles over a
// circular window (token t lives in slot t mod M: sub-tile slot / cols, column slot mod cols;
// SlotMap) and the digital accumulator. The write, the query DACs and the digital sum are the
// numerics library's HeadStep, the step kernel HeadModel runs too. The per-head scalers arrive
// with each step (they live in the host interface's scaler window). Each method is one phase of
// the controller.
#include <cstdint>
#include <memory_resource>
#include <vector>

#include <systemc>

#include "gcattn/config/hardware_params.h"
#include "gcattn/numerics/head_step.h"
#include "gcattn/numerics/slot_map.h"
#include "gcattn/systemc/digital_accumulator.h"
#include "gcattn/systemc/query_dac.h"
#include "gcattn/systemc/subtile.h"
#include "gcattn/systemc/write_driver.h"

namespace gcattn::sc {

class Head : public sc_core::sc_module {
  // First: query_dacs and write_driver below are views of its converter banks.
  HeadStep step_;

 public:
  /// mem: where the sub-tiles keep their cells and rows (the accelerator's arena); layer, head:
  /// where the head sits (its devices' variation and noise, as HeadModel's).
  Head(const sc_core::sc_module_name& name, const HardwareParams& p,
       std::pmr::memory_resource* mem = std::pmr::get_default_resource(), int layer = 0,
       int head = 0);
  const char* kind() const override { return "gcattn::sc::Head"; }

  int dim() const { return p_.rows; }
  int subtile_count() const { return static_cast<int>(subtiles.size()); }
  /// Where token `token` lives in the window (HeadStep::slot).
  WindowSlot slot(std::int64_t token) const { return step_.slot(token); }

  /// WriteKV: scale + write-DAC model-space k, v and store token in slot token mod M. Without
  /// `store` (timing-only steps) the slot takes the token but its cells are not stored
  /// (HeadStep::write_kv_blind): the written charge is the same.
  void write_kv(std::int64_t token, const float* k_raw, const float* v_raw,
                const HeadScalers& scalers, const sc_core::sc_time& t, bool store = true) {
    written_abs_volts_ = store ? step_.write_kv(subtiles, token, k_raw, v_raw, scalers, t)
                               : step_.write_kv_blind(subtiles, token, k_raw, v_raw, scalers);
  }
  /// Sub-tiles holding tokens whose cells were not stored (SubTile::blind_columns).
  bool holds_blind_columns() const {
    for (const auto& st : subtiles)
      if (st.blind_columns() > 0) return true;
    return false;
  }
  /// Hint before write_kv of `token` (prefetches the target column of the K and V arrays).
  /// Always inlined, as GainCellArrayModel::prefetch_column.
  __attribute__((always_inline)) void prefetch_write(std::int64_t token) const {
    const WindowSlot at = step_.slot(token);
    const SubTile& st = subtiles[static_cast<std::size_t>(at.subtile)];
    st.k_array.model().prefetch_column(at.column);
    st.v_array.model().prefetch_column(at.column);
  }
  /// QueryPulses, step 1: scale + pulse-DAC q; returns the largest pulse fraction. Without
  /// `fractions` (timing-only steps, which read no array) only the pulse statistics are kept.
  double apply_query(const float* q_raw, const HeadScalers& scalers, bool fractions = true);
  /// QueryPulses, step 2: every sub-tile's K array integrates the pulses.
  void integrate_query(const sc_core::sc_time& now, std::int64_t token);
  /// ChargeToPulse: returns the largest phi over the sub-tiles.
  double convert_scores();
  /// PhiPulses.
  void integrate_phi(const sc_core::sc_time& now, std::int64_t token);
  /// OutputConversion.
  void convert_outputs();
  /// DigitalSum: out[dim] = a_o * sum_m code_m + b_o.
  void digital_sum(const HeadScalers& scalers, float* out);
  void clear();

  /// The latest query's pulse fractions (tracing).
  const double* query_fractions() const { return step_.query_fractions().data(); }
  /// What the energy model needs of the latest step: sum |volts| over the K and V columns
  /// written, and the query's non-zero pulses.
  double written_abs_volts() const { return written_abs_volts_; }
  int query_pulses() const { return query_pulses_; }
  /// Sum of the sub-tiles' activity of the latest step.
  SubTileActivity activity() const;

  QueryDacs query_dacs;      // the DACs of the step kernel
  WriteDriver write_driver;  // likewise
  // Plain objects (SubTile), named <head>.subtile_<m>, in the accelerator's arena: 1.6 KB each,
  // thousands of them (their first touch in huge pages, not a page fault per 4 KB).
  std::pmr::vector<SubTile> subtiles;
  DigitalAccumulator accumulator;

 private:
  HardwareParams p_;
  double written_abs_volts_ = 0.0;
  int query_pulses_ = 0;
};

}  // namespace gcattn::sc
