#pragma once
// A 64 x 64 gain-cell array of a sub-tile: a thin wrapper over GainCellArrayModel that takes
// simulated time (sc_time) for writes and reads, so the leakage a read sees is the decay
// accumulated in simulated time since each column was written. A plain member of its SubTile
// module, not an sc_module itself: it has no processes, ports or events (the controller calls it
// at phase boundaries, never per cell), and 4,608 extra modules would only cost construction and
// tear-down time (docs/performance.md).
#include <cstdint>
#include <memory_resource>
#include <string>

#include <systemc>

#include "gcattn/config/hardware_params.h"
#include "gcattn/numerics/gain_cell_array.h"

namespace gcattn::sc {

class GainCellArray {
 public:
  /// mem: where the cells live (GainCellArrayModel); site and unit: which array it is (its
  /// cells' variation and noise, GainCellArrayModel::set_nonideality).
  GainCellArray(const char* name, const HardwareParams& p,
                std::pmr::memory_resource* mem = std::pmr::get_default_resource(),
                const Site& site = {}, Unit unit = Unit::KArray);
  const char* name() const { return name_.c_str(); }
  const char* kind() const { return "gcattn::sc::GainCellArray"; }

  int rows() const { return model_.rows(); }
  int cols() const { return model_.cols(); }

  /// Column write: rows stored voltages (write-DAC outputs) as token `token` at time t.
  void write_column(int col, const double* volts, const sc_core::sc_time& t, std::int64_t token) {
    model_.write_column(col, volts, t.to_seconds(), token);
  }
  /// Column write as the write DACs' grid codes (GainCellArrayModel::write_codes).
  void write_codes(int col, const std::uint8_t* code, const sc_core::sc_time& t,
                   std::int64_t token) {
    model_.write_codes(col, code, t.to_seconds(), token);
  }
  /// Timing-only write: the column holds the token, its cells are not stored
  /// (GainCellArrayModel::write_blind).
  void write_blind(int col) { model_.write_blind(col); }
  void clear() { model_.clear(); }

  /// Query read (K array): input pulse fractions per row; integrated charge per column in
  /// uA-equivalent (charge / t_max). Returns the activity sum |x * g| (energy accounting).
  double read_rows(const double* in_rows, const sc_core::sc_time& now, std::int64_t now_token,
                   double* out_cols) const {
    return model_.read_rows(in_rows, now.to_seconds(), now_token, out_cols);
  }
  /// Value read (V array): input pulse fractions per column; charge per row (uA-equivalent).
  double read_cols(const double* in_cols, const sc_core::sc_time& now, std::int64_t now_token,
                   double* out_rows) const {
    return model_.read_cols(in_cols, now.to_seconds(), now_token, out_rows);
  }

  bool valid(int col) const { return model_.valid(col); }
  double stored_volts(int col, int row) const { return model_.stored_volts(col, row); }
  sc_core::sc_time write_time(int col) const {
    return sc_core::sc_time(model_.write_time_s(col), sc_core::SC_SEC);
  }
  const GainCellArrayModel& model() const { return model_; }

 private:
  std::string name_;
  GainCellArrayModel model_;
};

}  // namespace gcattn::sc
