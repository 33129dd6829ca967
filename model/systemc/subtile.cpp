#include "gcattn/systemc/subtile.h"

#include <algorithm>

namespace gcattn::sc {

namespace {
constexpr int kMaxDim = 4096;  // array.rows and array.cols (configs/schema.json)
}  // namespace

SubTile::SubTile(const char* parent, int index, const HardwareParams& p,
                 std::pmr::memory_resource* mem, const Site& site)
    : k_array("k_array", p, mem, site, Unit::KArray),
      v_array("v_array", p, mem, site, Unit::VArray),
      cpc("cpc", p, site),
      out_conv("out_conv", p, site),
      parent_(parent),
      index_(index),
      s_(mem),
      phi_(mem),
      a_(mem),
      out_(mem),
      code_(mem) {
  if (p.rows > kMaxDim || p.cols > kMaxDim) {
    SC_REPORT_ERROR("gcattn/subtile",
                    (name() + ": array.rows and array.cols must be at most 4096").c_str());
  }
}

const double* SubTile::zero_doubles() {
  static const double zeros[kMaxDim] = {};
  return zeros;
}

const long* SubTile::zero_longs() {
  static const long zeros[kMaxDim] = {};
  return zeros;
}

// The result rows are allocated on the first read: a timing-only run never reads an array, and
// the pages of thousands of sub-tiles' rows would only cost their first touch.
void SubTile::allocate_results() {
  const auto rows = static_cast<std::size_t>(k_array.rows());
  const auto cols = static_cast<std::size_t>(k_array.cols());
  s_.assign(cols, 0.0);
  phi_.assign(cols, 0.0);
  a_.assign(rows, 0.0);
  out_.assign(rows, 0.0);
  code_.assign(rows, 0L);
}

void SubTile::write(int col, const double* k_volts, const double* v_volts,
                    const sc_core::sc_time& t, std::int64_t token) {
  tokens_ += !k_array.valid(col);
  k_array.write_column(col, k_volts, t, token);
  v_array.write_column(col, v_volts, t, token);
}

void SubTile::write_codes(int col, const std::uint8_t* k_code, const std::uint8_t* v_code,
                          const sc_core::sc_time& t, std::int64_t token) {
  tokens_ += !k_array.valid(col);
  k_array.write_codes(col, k_code, t, token);
  v_array.write_codes(col, v_code, t, token);
}

void SubTile::write_blind(int col) {
  tokens_ += !k_array.valid(col);
  k_array.write_blind(col);
  v_array.write_blind(col);
}

void SubTile::clear() {
  tokens_ = 0;
  k_array.clear();
  v_array.clear();
  // An empty sub-tile's phases are skipped: its results must read as those of an empty read
  // (all zero; the output grids are anchored at 0, so a zero charge converts to 0).
  std::fill(s_.begin(), s_.end(), 0.0);
  std::fill(phi_.begin(), phi_.end(), 0.0);
  std::fill(a_.begin(), a_.end(), 0.0);
  std::fill(out_.begin(), out_.end(), 0.0);
  std::fill(code_.begin(), code_.end(), 0L);
  act_ = SubTileActivity{};
}

// Each phase returns at once for a sub-tile holding no token (it is not read: PAPER.md section 5
// evaluates only written columns). Its results stay the all-zero ones of clear() / construction.
// A phase with work allocates the result rows if this is the sub-tile's first read.

void SubTile::integrate_query(const double* q_frac, const sc_core::sc_time& now,
                              std::int64_t now_token) {
  act_ = SubTileActivity{};
  if (tokens_ == 0) return;
  if (out_.empty()) allocate_results();
  act_.k_read_activity = k_array.read_rows(q_frac, now, now_token, s_.data());
}

double SubTile::convert_scores() {
  if (tokens_ == 0) return 0.0;
  if (out_.empty()) allocate_results();
  return cpc.convert(s_.data(), k_array, phi_.data(), act_);
}

void SubTile::integrate_phi(const sc_core::sc_time& now, std::int64_t now_token) {
  if (tokens_ == 0) return;
  if (out_.empty()) allocate_results();
  act_.v_read_activity = v_array.read_cols(phi_.data(), now, now_token, a_.data());
}

void SubTile::convert_outputs() {
  if (tokens_ == 0) return;
  if (out_.empty()) allocate_results();
  act_.counter_steps = out_conv.convert(a_.data(), out_.data(), code_.data());
}

}  // namespace gcattn::sc
