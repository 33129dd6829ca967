#include "gcattn/numerics/head.h"

#include <algorithm>

namespace gcattn {

HeadModel::HeadModel(const HardwareParams& p, const HeadScalers& scalers, int layer, int head)
    : p_(p),
      scalers_(scalers),
      step_(p),
      s_(static_cast<std::size_t>(p.window_tokens)),
      phi_(static_cast<std::size_t>(p.window_tokens)),
      a_(static_cast<std::size_t>(p.rows)),
      sub_out_(static_cast<std::size_t>(p.subtiles()) * static_cast<std::size_t>(p.rows)) {
  subtiles_.reserve(static_cast<std::size_t>(p.subtiles()));
  for (int m = 0; m < p.subtiles(); ++m) subtiles_.emplace_back(p, Site{layer, head, m});
}

void HeadModel::write_token(std::int64_t token, const float* k_raw, const float* v_raw,
                            double t_s) {
  step_.write_kv(subtiles_, token, k_raw, v_raw, scalers_, t_s);
}

void HeadModel::write_token_hw(std::int64_t token, const double* k_volts, const double* v_volts,
                               double t_s) {
  const WindowSlot at = step_.slot(token);
  subtiles_[static_cast<std::size_t>(at.subtile)].write(at.column, k_volts, v_volts, t_s, token);
}

SubTileActivity HeadModel::attend(std::int64_t token, const float* q_raw, double t_s, double* out) {
  step_.apply_query(q_raw, scalers_.q);
  return attend_hw(token, step_.query_fractions().data(), t_s, out);
}

SubTileActivity HeadModel::attend_hw(std::int64_t token, const double* q_frac, double t_s,
                                     double* out) {
  step_.set_query_fractions(q_frac);
  const double* q = step_.query_fractions().data();
  const auto R = static_cast<std::size_t>(p_.rows);
  SubTileActivity total;
  for (std::size_t m = 0; m < subtiles_.size(); ++m) {
    const std::size_t base = m * static_cast<std::size_t>(p_.cols);
    double* sub = &sub_out_[m * R];
    if (subtiles_[m].tokens() == 0) {
      // Not read (as the accelerator's sub-tiles): the results of an empty read, all zero (the
      // output grids are anchored at 0), without converting 64 zero charges.
      std::fill(&s_[base], &s_[base] + p_.cols, 0.0);
      std::fill(&phi_[base], &phi_[base] + p_.cols, 0.0);
      std::fill(sub, sub + p_.rows, 0.0);
      continue;
    }
    total += subtiles_[m].attend(q, t_s, token, &s_[base], &phi_[base], a_.data(), sub);
  }
  step_.digital_sum(
      subtile_count(),
      [this, R](int m) -> const double* {
        return subtiles_[static_cast<std::size_t>(m)].tokens() == 0
                   ? nullptr
                   : &sub_out_[static_cast<std::size_t>(m) * R];
      },
      scalers_.out, out);
  return total;
}

}  // namespace gcattn
