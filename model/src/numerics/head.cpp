#include "gcattn/numerics/head.h"

#include <algorithm>

namespace gcattn {

HeadModel::HeadModel(const HardwareParams& p, const HeadScalers& scalers, int layer, int head)
    : p_(p),
      scalers_(scalers),
      q_dac_(PulseWidthDac::from(p)),
      kv_dac_(WriteDac::from(p)),
      k_volts_(static_cast<std::size_t>(p.rows)),
      v_volts_(static_cast<std::size_t>(p.rows)),
      q_frac_(static_cast<std::size_t>(p.rows)),
      s_(static_cast<std::size_t>(p.window_tokens)),
      phi_(static_cast<std::size_t>(p.window_tokens)),
      a_(static_cast<std::size_t>(p.rows)),
      sub_out_(static_cast<std::size_t>(p.subtiles()) * static_cast<std::size_t>(p.rows)) {
  subtiles_.reserve(static_cast<std::size_t>(p.subtiles()));
  for (int m = 0; m < p.subtiles(); ++m) subtiles_.emplace_back(p, Site{layer, head, m});
}

void HeadModel::write_token(std::int64_t token, const float* k_raw, const float* v_raw,
                            double t_s) {
  for (int d = 0; d < p_.rows; ++d) {
    k_volts_[d] = kv_dac_.volts(scalers_.k.apply(k_raw[d]));
    v_volts_[d] = kv_dac_.volts(scalers_.v.apply(v_raw[d]));
  }
  write_token_hw(token, k_volts_.data(), v_volts_.data(), t_s);
}

void HeadModel::write_token_hw(std::int64_t token, const double* k_volts, const double* v_volts,
                               double t_s) {
  const int slot = static_cast<int>(token % p_.window_tokens);
  subtiles_[static_cast<std::size_t>(slot / p_.cols)].write(slot % p_.cols, k_volts, v_volts, t_s,
                                                            token);
}

SubTileActivity HeadModel::attend(std::int64_t token, const float* q_raw, double t_s, double* out) {
  for (int d = 0; d < p_.rows; ++d) q_frac_[d] = q_dac_.fraction(scalers_.q.apply(q_raw[d]));
  return attend_hw(token, q_frac_.data(), t_s, out);
}

SubTileActivity HeadModel::attend_hw(std::int64_t token, const double* q_frac, double t_s,
                                     double* out) {
  if (q_frac != q_frac_.data()) std::copy(q_frac, q_frac + p_.rows, q_frac_.begin());
  SubTileActivity total;
  for (int d = 0; d < p_.rows; ++d) out[d] = 0.0;
  for (std::size_t m = 0; m < subtiles_.size(); ++m) {
    const std::size_t base = m * static_cast<std::size_t>(p_.cols);
    double* sub = &sub_out_[m * static_cast<std::size_t>(p_.rows)];
    if (subtiles_[m].k_array().valid_columns() == 0) {
      // Not read (as the accelerator's sub-tiles): the results of an empty read, all zero (the
      // output grids are anchored at 0), without converting 64 zero charges.
      std::fill(&s_[base], &s_[base] + p_.cols, 0.0);
      std::fill(&phi_[base], &phi_[base] + p_.cols, 0.0);
      std::fill(sub, sub + p_.rows, 0.0);
      continue;
    }
    total +=
        subtiles_[m].attend(q_frac_.data(), t_s, token, &s_[base], &phi_[base], a_.data(), sub);
    for (int d = 0; d < p_.rows; ++d) out[d] += sub[d];
  }
  for (int d = 0; d < p_.rows; ++d) out[d] = scalers_.out.apply(out[d]);
  return total;
}

}  // namespace gcattn
