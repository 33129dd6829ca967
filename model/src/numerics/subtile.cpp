#include "gcattn/numerics/subtile.h"

#include <algorithm>

namespace gcattn {

SubTileModel::SubTileModel(const HardwareParams& p, const Site& site)
    : k_(make_array(p, Unit::KArray, site)),
      v_(make_array(p, Unit::VArray, site)),
      cpc_(p, site),
      out_conv_(p, site) {}

void SubTileModel::write(int col, const double* k_volts, const double* v_volts, double t_s,
                         std::int64_t token) {
  k_.write_column(col, k_volts, t_s, token);
  v_.write_column(col, v_volts, t_s, token);
}

void SubTileModel::write_codes(int col, const std::uint8_t* k_code, const std::uint8_t* v_code,
                               double t_s, std::int64_t token) {
  k_.write_codes(col, k_code, t_s, token);
  v_.write_codes(col, v_code, t_s, token);
}

void SubTileModel::clear() {
  k_.clear();
  v_.clear();
}

SubTileActivity SubTileModel::attend(const double* q_frac, double now_s, std::int64_t now_token,
                                     double* s, double* phi, double* a, double* out) const {
  SubTileActivity act;
  if (k_.valid_columns() == 0) {
    // Not read (PAPER.md section 5 evaluates only written columns; the SystemC sub-tile skips
    // every phase): all zero, what an empty read converts to, also with converter offsets.
    std::fill(s, s + cols(), 0.0);
    std::fill(phi, phi + cols(), 0.0);
    std::fill(a, a + rows(), 0.0);
    std::fill(out, out + rows(), 0.0);
    return act;
  }
  act.k_read_activity = k_.read_rows(q_frac, now_s, now_token, s);
  cpc_.convert(s, k_, phi, act);
  act.v_read_activity = v_.read_cols(phi, now_s, now_token, a);
  act.counter_steps = out_conv_.convert(a, out, nullptr);
  return act;
}

}  // namespace gcattn
