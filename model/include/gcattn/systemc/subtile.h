#pragma once
// A sub-tile: one K and one V gain-cell array holding the same 64 tokens, the first-stage
// charge-to-pulse converters and the signed output converters. The attend of PAPER.md section 5
// is split into the controller's phases; each call is one phase's arithmetic, evaluated at the
// simulated time of that phase (leakage sees the actual read time). A sub-tile holding no token
// skips every phase: its results stay the all-zero ones of an empty read. A plain object, not an
// sc_module (it has no process or port): a GPT-2-XL accelerator holds 19,200 of them, whose
// registration with the kernel cost most of the accelerator's elaboration and tear-down.
#include <cstdint>
#include <memory_resource>
#include <string>
#include <vector>

#include <systemc>

#include "gcattn/config/hardware_params.h"
#include "gcattn/numerics/subtile.h"
#include "gcattn/systemc/charge_to_pulse.h"
#include "gcattn/systemc/gain_cell_array.h"
#include "gcattn/systemc/output_converters.h"

namespace gcattn::sc {

class SubTile {
 public:
  /// parent: the hierarchical name of the head holding it (outlives the sub-tile); index: its
  /// place in the head (its name, for messages, is <parent>.subtile_<index>, built when asked
  /// for: thousands of sub-tiles need none unless an error names one); mem: where the arrays'
  /// cells and the sub-tile's result rows live (the accelerator's arena); site: where it sits
  /// (its devices' variation and noise, as SubTileModel's).
  SubTile(const char* parent, int index, const HardwareParams& p,
          std::pmr::memory_resource* mem = std::pmr::get_default_resource(), const Site& site = {});
  std::string name() const { return std::string(parent_) + ".subtile_" + std::to_string(index_); }
  const char* kind() const { return "gcattn::sc::SubTile"; }

  int rows() const { return k_array.rows(); }
  int cols() const { return k_array.cols(); }

  /// WriteKV phase: K and V write-DAC voltages into column col.
  void write(int col, const double* k_volts, const double* v_volts, const sc_core::sc_time& t,
             std::int64_t token);
  /// The same as the write DACs' grid codes (GainCellArray::write_codes).
  void write_codes(int col, const std::uint8_t* k_code, const std::uint8_t* v_code,
                   const sc_core::sc_time& t, std::int64_t token);
  /// A timing-only step's write: a token occupies column col, its K and V cells are not stored
  /// (GainCellArrayModel::write_blind). Reading the sub-tile before the column is written again
  /// or the sub-tile cleared is an error (blind_columns()).
  void write_blind(int col);
  /// Columns holding a token whose cells were not stored (write_blind).
  int blind_columns() const { return k_array.model().blind_columns(); }
  void clear();
  /// Columns holding a token (kept up to date on write; no scan of the array).
  int tokens() const { return tokens_; }

  /// QueryPulses phase: the K array integrates the query pulses into column scores.
  void integrate_query(const double* q_frac, const sc_core::sc_time& now, std::int64_t now_token);
  /// ChargeToPulse phase: scores to phi pulse fractions; returns the largest phi.
  double convert_scores();
  /// PhiPulses phase: the V array integrates the phi pulses into row charges.
  void integrate_phi(const sc_core::sc_time& now, std::int64_t now_token);
  /// OutputConversion phase: signed converters and counters.
  void convert_outputs();

  // Results of the latest step (valid after the corresponding phase). All zero until the
  // sub-tile is first read (timing-only runs never allocate them).
  const double* scores() const { return s_.empty() ? zero_doubles() : s_.data(); }
  const double* phis() const { return phi_.empty() ? zero_doubles() : phi_.data(); }
  const double* charges() const { return a_.empty() ? zero_doubles() : a_.data(); }
  const double* outputs() const { return out_.empty() ? zero_doubles() : out_.data(); }
  const long* codes() const { return code_.empty() ? zero_longs() : code_.data(); }
  const SubTileActivity& activity() const { return act_; }

  GainCellArray k_array;
  GainCellArray v_array;
  ChargeToPulseConverters cpc;
  OutputConverters out_conv;

 private:
  // The all-zero results of a sub-tile never read (rows and cols are at most 4096).
  static const double* zero_doubles();
  static const long* zero_longs();
  void allocate_results();

  const char* parent_;
  int index_;
  SubTileActivity act_;
  int tokens_ = 0;
  std::pmr::vector<double> s_, phi_, a_, out_;
  std::pmr::vector<long> code_;
};

}  // namespace gcattn::sc
