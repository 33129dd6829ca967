#pragma once
// One rows x cols gain-cell array (plain numerics). Column c holds one token: rows values written
// together by the write DACs. Reads integrate cell currents weighted by input pulse fractions:
// - read_rows: pulses on the rows (query components), charge per column (K array, score S);
// - read_cols: pulses per column (phi of each token), charge per row (V array, output A).
// Results are in uA-equivalent units (sum of fraction * current); multiply by t_max for charge.
#include <cstdint>
#include <memory_resource>
#include <vector>

#include "gcattn/config/hardware_params.h"
#include "gcattn/physics/cell_model.h"
#include "gcattn/physics/leakage.h"
#include "gcattn/physics/variation.h"

namespace gcattn {

namespace detail {
struct VariedRead;  // gain_cell_array_varied.cpp
}  // namespace detail

class GainCellArrayModel {
 public:
  /// mem: where the cells and per-column bookkeeping live (e.g. the accelerator's PageArena);
  /// the dense fallback of off-grid values always uses the default heap.
  GainCellArrayModel(int rows, int cols, const CellModel& cell, const Leakage& leakage,
                     double v_mid_v,
                     std::pmr::memory_resource* mem = std::pmr::get_default_resource());

  int rows() const { return rows_; }
  int cols() const { return cols_; }

  /// Declares the write DAC's voltage grid (volts = step_v * i, i in [min_index, max_index]).
  /// Columns whose values all lie exactly on it are stored as grid indices (1 byte per cell)
  /// and read through a per-column table of the cell current at each grid level: the same
  /// doubles, operations and summation order as the dense path, so reads are bit-identical,
  /// with 8x less memory traffic and one cubic per level instead of per cell. A value off the
  /// grid switches the array to dense storage (until clear()). Call before the first write.
  void set_write_grid(double step_v, int min_index, int max_index);
  /// Device variation and noise of this array (HardwareParams::nonideal) as the `unit` (K or V
  /// array) of the sub-tile at `site`. With every sigma of the cells and noise zero the array stays
  /// the nominal one and reads take the fast path above, unchanged. Otherwise every cell's current
  /// is evaluated on its own: (1 + gain) * g(delta_cell * (u + write noise) + offset) * (1 + read
  /// noise), the static values sampled on the first write (functions of seed, site and cell only),
  /// the noise drawn per write (token, cell) and read (read token, cell). Call before the first
  /// write.
  void set_nonideality(const Nonideality& n, const Site& site, Unit unit);
  /// Whether the cells deviate from the nominal ones (set_nonideality with a sigma > 0).
  bool varied() const { return varied_; }
  /// Writes a column with stored voltages volts[rows] at time t_s as token `token`.
  void write_column(int col, const double* volts, double t_s, std::int64_t token);
  /// Writes a column given as grid codes: code[r] is the grid index of the stored voltage minus
  /// the grid's min_index (what the write DAC of the same HardwareParams produces, see
  /// WriteDac::grid_min_index). The same cells as write_column of those voltages; throws
  /// std::out_of_range without a declared grid or for a code beyond it.
  void write_codes(int col, const std::uint8_t* code, double t_s, std::int64_t token);
  /// Whether set_write_grid declared a grid (write_codes is usable).
  bool has_write_grid() const { return !level_u_.empty(); }
  /// Hint: column col is about to be written (prefetches its cells and bookkeeping, so that a
  /// caller writing many arrays in a row overlaps the cache misses). No effect on results.
  /// Always inlined: GCC takes a function that only prefetches for one without effects and
  /// drops its calls.
  __attribute__((always_inline)) void prefetch_column(int col) const {
    if (coded_ && !code_.empty()) __builtin_prefetch(&code_[idx(col, 0)], 1);
    if (!coded_ && !u_.empty()) __builtin_prefetch(&u_[idx(col, 0)], 1);
    if (!t_write_s_.empty()) {
      __builtin_prefetch(&t_write_s_[static_cast<std::size_t>(col)], 1);
      __builtin_prefetch(&token_[static_cast<std::size_t>(col)], 1);
    }
    __builtin_prefetch(&valid_[static_cast<std::size_t>(col)], 1);
  }
  /// Hint: the array is about to be read (prefetches every column's write time, or token, and
  /// the first cells: an array is rarely cached, a layer step reads a few MB of them, and a caller
  /// reading many in a row overlaps the next one's misses with this one's work). No effect on
  /// results.
  __attribute__((always_inline)) void prefetch_read() const {
    if (t_write_s_.empty()) return;  // never written by a functional write: nothing to read
    if (leakage_.mode() != LeakageMode::Off) {
      const bool by_time = leakage_.mode() == LeakageMode::Time;
      for (std::size_t c = 0; c < t_write_s_.size(); c += 8) {
        __builtin_prefetch(by_time ? static_cast<const void*>(&t_write_s_[c])
                                   : static_cast<const void*>(&token_[c]));
      }
    }
    if (coded_ && !code_.empty()) {
      for (std::size_t i = 0; i < 256 && i < code_.size(); i += 64) __builtin_prefetch(&code_[i]);
    }
  }
  /// Timing-only write (the accelerator's steps with model.functional off): column col holds a
  /// token, but neither its cells nor its write time and token are recorded (nothing reads them
  /// in timing-only mode, and the first touch of the cells' pages is a large part of such a
  /// run). valid(col) is true; the column is unknown until it is written again. Reading the
  /// array while any column is in that state throws std::logic_error (blind_columns()).
  void write_blind(int col) {
    n_valid_ += !valid_[col];
    n_blind_ += valid_[col] != kBlind;
    valid_[col] = kBlind;
  }
  /// Columns holding a token written by write_blind.
  int blind_columns() const { return n_blind_; }
  void invalidate_column(int col) {
    n_valid_ -= valid_[col] != 0;
    n_blind_ -= valid_[col] == kBlind;
    valid_[col] = 0;
  }
  void clear();
  bool valid(int col) const { return valid_[col] != 0; }
  /// Written columns (kept as a count: callers ask every step).
  int valid_columns() const { return n_valid_; }
  double stored_volts(int col, int row) const { return u_at(col, row) + v_mid_v_; }
  /// Whether the cells are held as grid indices (observation for tests).
  bool grid_coded() const { return coded_; }
  /// Write time and token of column col (0 before the array's first functional write).
  double write_time_s(int col) const { return t_write_s_.empty() ? 0.0 : t_write_s_[col]; }
  std::int64_t write_token(int col) const { return token_.empty() ? 0 : token_[col]; }
  /// Leakage factor of column col at (now_s, now_token).
  double decay(int col, double now_s, std::int64_t now_token) const {
    return leakage_.factor(now_s - write_time_s(col), now_token - write_token(col));
  }

  /// out_cols[c] = sum_r in_rows[r] * g(delta_c * u[c][r]); 0 for unwritten columns.
  /// Returns the activity sum |in * g| over all cells (for energy accounting).
  /// The sum over r runs as 8 interleaved partial sums (r mod 8) combined in a fixed order, so
  /// it vectorises; the result is the same on every CPU (see gain_cell_array.cpp).
  double read_rows(const double* in_rows, double now_s, std::int64_t now_token,
                   double* out_cols) const;
  /// out_rows[r] = sum_c in_cols[c] * g(delta_c * u[c][r]) summed in column order;
  /// unwritten or zero-input columns skip. Returns the activity sum |in * g|.
  double read_cols(const double* in_cols, double now_s, std::int64_t now_token,
                   double* out_rows) const;

  /// Grid-coded reads with at most 8 levels use an AVX-512 kernel where the CPU has one
  /// (bit-identical to the portable kernels). Switchable, process-wide, for tests and
  /// benchmarks that compare the two; avx512_reads() tells whether it is in use.
  static void enable_avx512_reads(bool on);
  static bool avx512_reads();

 private:
  std::size_t idx(int col, int row) const {
    return static_cast<std::size_t>(col) * static_cast<std::size_t>(rows_) +
           static_cast<std::size_t>(row);
  }
  double u_at(int col, int row) const {
    if (coded_) return code_.empty() ? 0.0 : level_u_[code_[idx(col, row)]];
    return u_.empty() ? 0.0 : u_[idx(col, row)];
  }
  void to_dense();
  void store_dense(int col, const double* volts);
  void stamp(int col, double t_s, std::int64_t token);
  // The varied path (set_nonideality; gain_cell_array_varied.cpp).
  void vary_column(int col, std::int64_t token);
  detail::VariedRead varied_read(double now_s, std::int64_t now_token) const;
  double read_rows_varied(const double* in_rows, double now_s, std::int64_t now_token,
                          double* out_cols) const;
  double read_cols_varied(const double* in_cols, double now_s, std::int64_t now_token,
                          double* out_rows) const;
  int rows_, cols_;
  CellModel cell_;
  Leakage leakage_;
  double v_mid_v_;
  std::vector<double> u_;  // [cols][rows]: deviation from v_mid, contiguous per token; empty
                           // until the first write (allocated lazily)
  // Grid-coded storage (see set_write_grid): code_[cols][rows] indices into level_u_, the
  // deviation of each grid level (step * i - v_mid, as write_column computes it).
  bool coded_ = false;
  double grid_step_v_ = 0.0, inv_grid_step_v_ = 0.0;
  int grid_min_ = 0;
  std::pmr::vector<double> level_u_;
  std::pmr::vector<std::uint8_t> code_;
  // Write time and token per column: allocated on the first functional write.
  std::pmr::vector<double> t_write_s_;
  std::pmr::vector<std::int64_t> token_;
  std::pmr::vector<std::uint8_t> valid_;  // 0 empty, 1 written, kBlind written by write_blind
  static constexpr std::uint8_t kBlind = 2;
  int n_valid_ = 0, n_blind_ = 0;
  [[noreturn]] void blind_read() const;
  // Variation and noise: the sigmas and the keys of their streams, the noise sequences scaled by
  // each noise's sigma (shared by all arrays of that sigma); per cell [cols][rows], in IEEE half
  // precision (2 bytes), the current gain's deviation g = sigma z, the storage-node offset (V) and
  // the decay-rate factor (1 / tau multiplier), allocated on the first write for those that vary,
  // and the largest decay-rate factor of each column. The write noise is not stored per cell: a
  // read takes it from the windows of the scaled sequences that the column's latest write picked
  // (its two offsets, low and high 16 bits, per column).
  struct Variation {
    double gain_sigma = 0.0, offset_sigma_v = 0.0, tau_sigma = 0.0, read_sigma = 0.0,
           write_sigma_v = 0.0;
    std::uint64_t gain_key = 0, offset_key = 0, tau_key = 0, read_key = 0, write_key = 0;
    const NoiseTables* read_noise = nullptr;   // 1 + s a and s b, s = sigma / sqrt 2
    const NoiseTables* write_noise = nullptr;  // s a and s b, s = sigma_v / sqrt 2
    bool sampled = false;                      // the static tables exist (first write)
  };
  bool varied_ = false;
  Variation var_;
  std::pmr::vector<std::uint16_t> gain_, offset_, rate_;
  std::pmr::vector<float> rate_max_;
  std::pmr::vector<std::uint32_t> write_window_;
};

/// Whether the arrays of configuration p (make_array) hold their cells as the write DACs' grid
/// codes, so that GainCellArrayModel::write_codes is usable: with quantising write DACs whose grid
/// set_write_grid accepts.
bool holds_grid_codes(const HardwareParams& p);

/// The array `unit` (Unit::KArray or Unit::VArray) of the sub-tile at `site` in configuration p:
/// its cell, its leakage (Leakage::from(p, unit): the K array's factor rounded as
/// leakage.decay_rounding says), the write DACs' grid when quantising (WriteDac::grid_min_index
/// .. grid_max_index) and its devices' variation and noise. The one recipe of SubTileModel's
/// arrays and the accelerator's (sc::GainCellArray).
GainCellArrayModel make_array(const HardwareParams& p, Unit unit, const Site& site = {},
                              std::pmr::memory_resource* mem = std::pmr::get_default_resource());

}  // namespace gcattn
