#include "gcattn/systemc/subtile.h"

namespace gcattn::sc {

SubTile::SubTile(const sc_core::sc_module_name& name, const HardwareParams& p)
    : sc_core::sc_module(name),
      k_array("k_array", p),
      v_array("v_array", p),
      cpc("cpc", p),
      out_conv("out_conv", p),
      s_(static_cast<std::size_t>(p.cols), 0.0),
      phi_(static_cast<std::size_t>(p.cols), 0.0),
      a_(static_cast<std::size_t>(p.rows), 0.0),
      out_(static_cast<std::size_t>(p.rows), 0.0),
      code_(static_cast<std::size_t>(p.rows), 0) {}

void SubTile::write(int col, const double* k_volts, const double* v_volts,
                    const sc_core::sc_time& t, std::int64_t token) {
  tokens_ += !k_array.valid(col);
  k_array.write_column(col, k_volts, t, token);
  v_array.write_column(col, v_volts, t, token);
}

void SubTile::clear() {
  tokens_ = 0;
  k_array.clear();
  v_array.clear();
}

void SubTile::integrate_query(const double* q_frac, const sc_core::sc_time& now,
                              std::int64_t now_token) {
  act_ = SubTileActivity{};
  act_.k_read_activity = k_array.read_rows(q_frac, now, now_token, s_.data());
}

double SubTile::convert_scores() {
  return cpc.convert(s_.data(), k_array, phi_.data(), act_);
}

void SubTile::integrate_phi(const sc_core::sc_time& now, std::int64_t now_token) {
  act_.v_read_activity = v_array.read_cols(phi_.data(), now, now_token, a_.data());
}

void SubTile::convert_outputs() {
  act_.counter_steps = out_conv.convert(a_.data(), out_.data(), code_.data());
}

}  // namespace gcattn::sc
