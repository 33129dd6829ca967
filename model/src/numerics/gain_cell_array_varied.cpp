// The varied path of GainCellArrayModel (set_nonideality): every cell's current on its own, with
// its static gain, offset and retention, the noise of its latest write and a fresh read noise.
// The nominal path (gain_cell_array.cpp) is untouched: an array without variation never gets here.
#include <algorithm>
#include <array>
#include <cmath>

#include "gcattn/numerics/gain_cell_array.h"

namespace gcattn {

void GainCellArrayModel::set_nonideality(const Nonideality& n, const Site& site, Unit unit) {
  var_ = Variation{};
  var_.gain_sigma = n.cell_gain_sigma;
  var_.offset_sigma_v = n.cell_offset_sigma_v;
  var_.tau_sigma = n.tau_sigma;
  var_.read_sigma = n.read_sigma;
  var_.write_sigma_v = n.write_sigma_v;
  var_.gain_key = unit_key(n.variation_seed, Stream::CellGain, site, unit);
  var_.offset_key = unit_key(n.variation_seed, Stream::CellOffset, site, unit);
  var_.tau_key = unit_key(n.variation_seed, Stream::CellTau, site, unit);
  var_.read_key = unit_key(n.noise_seed, Stream::ReadNoise, site, unit);
  var_.write_key = unit_key(n.noise_seed, Stream::WriteNoise, site, unit);
  varied_ = n.arrays();
}

void GainCellArrayModel::vary_column(int col, std::int64_t token) {
  if (gain_.empty()) {  // first write: sample the static variation of every cell
    const std::size_t n = static_cast<std::size_t>(rows_) * static_cast<std::size_t>(cols_);
    gain_.resize(n);
    offset_.resize(n);
    rate_.resize(n);
    write_noise_.assign(n, 0.0f);
    for (std::size_t i = 0; i < n; ++i) {
      gain_[i] = static_cast<float>(
          var_.gain_sigma > 0.0 ? 1.0 + var_.gain_sigma * normal(mix_key(var_.gain_key, i)) : 1.0);
      offset_[i] = static_cast<float>(
          var_.offset_sigma_v > 0.0 ? var_.offset_sigma_v * normal(mix_key(var_.offset_key, i))
                                    : 0.0);
      // tau_cell = tau * exp(sigma z): the decay exponent scales by exp(-sigma z).
      rate_[i] = static_cast<float>(
          var_.tau_sigma > 0.0 ? std::exp(-var_.tau_sigma * normal(mix_key(var_.tau_key, i)))
                               : 1.0);
    }
  }
  if (var_.write_sigma_v > 0.0) {
    const std::uint64_t ev = mix_key(var_.write_key, static_cast<std::uint64_t>(token));
    float* wn = &write_noise_[idx(col, 0)];
    for (int r = 0; r < rows_; ++r)
      wn[r] = static_cast<float>(var_.write_sigma_v *
                                 normal(mix_key(ev, static_cast<std::uint64_t>(r))));
  }
}

// The current of each cell of one column at one read.
struct GainCellArrayModel::ColumnCells {
  const double* level_u;  // grid-coded cells: deviation per level, indexed by code
  const std::uint8_t* code;
  const double* u;  // dense cells
  const float *gain, *offset, *rate, *write_noise;
  std::array<double, 4> k;  // the nominal cell's cubic
  double delta, log_delta;
  bool spread;  // tau spread with leakage: a decay per cell
  double read_sigma;
  std::uint64_t read_event;

  double operator()(int r) const {
    const double u0 = (code ? level_u[code[r]] : u[r]) + write_noise[r];
    const double d = spread ? std::exp(log_delta * rate[r]) : delta;
    const double w = d * u0 + offset[r];
    double i = gain[r] * (k[0] + w * (k[1] + w * (k[2] + w * k[3])));
    if (read_sigma > 0.0)
      i *= 1.0 + read_sigma * fast_normal(mix_key(read_event, static_cast<std::uint64_t>(r)));
    return i;
  }
};

GainCellArrayModel::ColumnCells GainCellArrayModel::column_cells(int c, double now_s,
                                                                 std::int64_t now_token) const {
  const std::size_t base = idx(c, 0);
  const double el = now_s - t_write_s_[c];
  const std::int64_t age = now_token - token_[c];
  // Read noise: one event per (array, read token, column), one draw per cell of it.
  const std::uint64_t event = mix_key(mix_key(var_.read_key, static_cast<std::uint64_t>(now_token)),
                                      static_cast<std::uint64_t>(c));
  return ColumnCells{level_u_.data(),
                     coded_ ? &code_[base] : nullptr,
                     coded_ ? nullptr : &u_[base],
                     &gain_[base],
                     &offset_[base],
                     &rate_[base],
                     &write_noise_[base],
                     cell_.coefficients(),
                     leakage_.factor(el, age),
                     leakage_.log_factor(el, age),
                     var_.tau_sigma > 0.0 && leakage_.mode() != LeakageMode::Off,
                     var_.read_sigma,
                     event};
}

double GainCellArrayModel::read_rows_varied(const double* in_rows, double now_s,
                                            std::int64_t now_token, double* out_cols) const {
  double activity = 0.0;
  for (int c = 0; c < cols_; ++c) {
    if (!valid_[c]) {
      out_cols[c] = 0.0;
      continue;
    }
    const ColumnCells cell = column_cells(c, now_s, now_token);
    double acc = 0.0;
    for (int r = 0; r < rows_; ++r) {
      const double x = in_rows[r] * cell(r);
      acc += x;
      activity += std::fabs(x);
    }
    out_cols[c] = acc;
  }
  return activity;
}

double GainCellArrayModel::read_cols_varied(const double* in_cols, double now_s,
                                            std::int64_t now_token, double* out_rows) const {
  std::fill(out_rows, out_rows + rows_, 0.0);
  double activity = 0.0;
  for (int c = 0; c < cols_; ++c) {
    const double x = in_cols[c];
    if (!valid_[c] || x == 0.0) continue;
    const ColumnCells cell = column_cells(c, now_s, now_token);
    for (int r = 0; r < rows_; ++r) {
      const double y = x * cell(r);
      out_rows[r] += y;
      activity += std::fabs(y);
    }
  }
  return activity;
}

}  // namespace gcattn
