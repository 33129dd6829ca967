#include "gcattn/numerics/subtile.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace gcattn {

SubTileModel::SubTileModel(const HardwareParams& p, const Site& site)
    : k_(p.rows, p.cols, CellModel::from(p), Leakage::from(p), p.v_mid_v),
      v_(p.rows, p.cols, CellModel::from(p), Leakage::from(p), p.v_mid_v),
      cpc_(ChargeToPulse::from(p)),
      out_conv_(OutputConverter::from(p)),
      cpc_offset_(converter_offsets(p.nonideal, site, Unit::ChargeToPulse, p.cols,
                                    ChargeToPulse::offset_lsb(p))),
      out_offset_(
          converter_offsets(p.nonideal, site, Unit::OutputConverter, p.rows, out_conv_.lsb())) {
  k_.set_nonideality(p.nonideal, site, Unit::KArray);
  v_.set_nonideality(p.nonideal, site, Unit::VArray);
  if (p.quantize) {
    const WriteDac dac = WriteDac::from(p);
    const int lo = static_cast<int>(std::lround(round_half_even(p.kv_v_min_v / dac.step_v())));
    const int hi = static_cast<int>(std::lround(round_half_even(p.kv_v_max_v / dac.step_v())));
    k_.set_write_grid(dac.step_v(), lo, hi);
    v_.set_write_grid(dac.step_v(), lo, hi);
  }
}

void SubTileModel::write(int col, const double* k_volts, const double* v_volts, double t_s,
                         std::int64_t token) {
  k_.write_column(col, k_volts, t_s, token);
  v_.write_column(col, v_volts, t_s, token);
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
  for (int c = 0; c < cols(); ++c) {
    phi[c] = !k_.valid(c)          ? 0.0
             : cpc_offset_.empty() ? cpc_.phi(s[c])
                                   : cpc_.phi(s[c], cpc_offset_[static_cast<std::size_t>(c)]);
    act.active_columns += k_.valid(c);
    act.firing_columns += phi[c] > 0.0;
    act.phi_sum += phi[c];
  }
  act.v_read_activity = v_.read_cols(phi, now_s, now_token, a);
  for (int r = 0; r < rows(); ++r) {
    long code = 0;
    out[r] = out_offset_.empty()
                 ? out_conv_.convert(a[r], code)
                 : out_conv_.convert(a[r], out_offset_[static_cast<std::size_t>(r)], code);
    act.counter_steps += std::labs(code);
  }
  return act;
}

}  // namespace gcattn
