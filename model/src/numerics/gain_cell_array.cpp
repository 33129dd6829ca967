#include "gcattn/numerics/gain_cell_array.h"

#include <algorithm>
#include <cmath>

namespace gcattn {

GainCellArrayModel::GainCellArrayModel(int rows, int cols, const CellModel& cell,
                                       const Leakage& leakage, double v_mid_v)
    : rows_(rows), cols_(cols), cell_(cell), leakage_(leakage), v_mid_v_(v_mid_v),
      u_(static_cast<std::size_t>(rows) * static_cast<std::size_t>(cols), 0.0),
      t_write_s_(static_cast<std::size_t>(cols), 0.0),
      token_(static_cast<std::size_t>(cols), 0),
      valid_(static_cast<std::size_t>(cols), 0) {}

void GainCellArrayModel::write_column(int col, const double* volts, double t_s, std::int64_t token) {
  double* u = &u_[idx(col, 0)];
  for (int r = 0; r < rows_; ++r) u[r] = volts[r] - v_mid_v_;
  t_write_s_[col] = t_s;
  token_[col] = token;
  valid_[col] = 1;
}

void GainCellArrayModel::clear() {
  std::fill(u_.begin(), u_.end(), 0.0);
  std::fill(valid_.begin(), valid_.end(), 0);
}

int GainCellArrayModel::valid_columns() const {
  return static_cast<int>(std::count(valid_.begin(), valid_.end(), 1));
}

double GainCellArrayModel::read_rows(const double* in_rows, double now_s, std::int64_t now_token,
                                     double* out_cols) const {
  double activity = 0.0;
  const double c0 = cell_.coefficients()[0];
  for (int c = 0; c < cols_; ++c) {
    if (!valid_[c]) {
      out_cols[c] = 0.0;
      continue;
    }
    const auto k = cell_.decayed(decay(c, now_s, now_token)).coefficients();
    const double* u = &u_[idx(c, 0)];
    double acc = 0.0, act = 0.0;
    for (int r = 0; r < rows_; ++r) {
      const double g = c0 + u[r] * (k[1] + u[r] * (k[2] + u[r] * k[3]));
      const double contrib = in_rows[r] * g;
      acc += contrib;
      act += std::fabs(contrib);
    }
    out_cols[c] = acc;
    activity += act;
  }
  return activity;
}

double GainCellArrayModel::read_cols(const double* in_cols, double now_s, std::int64_t now_token,
                                     double* out_rows) const {
  std::fill(out_rows, out_rows + rows_, 0.0);
  double activity = 0.0;
  const double c0 = cell_.coefficients()[0];
  for (int c = 0; c < cols_; ++c) {
    const double x = in_cols[c];
    if (!valid_[c] || x == 0.0) continue;
    const auto k = cell_.decayed(decay(c, now_s, now_token)).coefficients();
    const double* u = &u_[idx(c, 0)];
    for (int r = 0; r < rows_; ++r) {
      const double contrib = x * (c0 + u[r] * (k[1] + u[r] * (k[2] + u[r] * k[3])));
      out_rows[r] += contrib;
      activity += std::fabs(contrib);
    }
  }
  return activity;
}

}  // namespace gcattn
