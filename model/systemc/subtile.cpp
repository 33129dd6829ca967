#include "gcattn/systemc/subtile.h"

#include <algorithm>

namespace gcattn::sc {

SubTile::SubTile(const sc_core::sc_module_name& name, const HardwareParams& p,
                 std::pmr::memory_resource* mem)
    : sc_core::sc_module(name),
      k_array("k_array", p, mem),
      v_array("v_array", p, mem),
      cpc("cpc", p),
      out_conv("out_conv", p),
      s_(static_cast<std::size_t>(p.cols), 0.0, mem),
      phi_(static_cast<std::size_t>(p.cols), 0.0, mem),
      a_(static_cast<std::size_t>(p.rows), 0.0, mem),
      out_(static_cast<std::size_t>(p.rows), 0.0, mem),
      code_(static_cast<std::size_t>(p.rows), 0, mem) {}

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

void SubTile::integrate_query(const double* q_frac, const sc_core::sc_time& now,
                              std::int64_t now_token) {
  act_ = SubTileActivity{};
  if (tokens_ == 0) return;
  act_.k_read_activity = k_array.read_rows(q_frac, now, now_token, s_.data());
}

double SubTile::convert_scores() {
  if (tokens_ == 0) return 0.0;
  return cpc.convert(s_.data(), k_array, phi_.data(), act_);
}

void SubTile::integrate_phi(const sc_core::sc_time& now, std::int64_t now_token) {
  if (tokens_ == 0) return;
  act_.v_read_activity = v_array.read_cols(phi_.data(), now, now_token, a_.data());
}

void SubTile::convert_outputs() {
  if (tokens_ == 0) return;
  act_.counter_steps = out_conv.convert(a_.data(), out_.data(), code_.data());
}

}  // namespace gcattn::sc
