#include "gcattn/numerics/head_step.h"

#include <algorithm>

#include "gcattn/numerics/gain_cell_array.h"

namespace gcattn {

HeadStep::HeadStep(const HardwareParams& p)
    : slots_(p),
      q_dacs_(p),
      kv_dacs_(p),
      sum_(p.rows),
      write_codes_(holds_grid_codes(p)),
      k_volts_(static_cast<std::size_t>(p.rows), 0.0),
      v_volts_(static_cast<std::size_t>(p.rows), 0.0),
      q_frac_(static_cast<std::size_t>(p.rows), 0.0),
      acc_(static_cast<std::size_t>(p.rows), 0.0),
      k_code_(static_cast<std::size_t>(p.rows), 0),
      v_code_(static_cast<std::size_t>(p.rows), 0) {}

void HeadStep::set_query_fractions(const double* frac) {
  if (frac != q_frac_.data()) std::copy(frac, frac + q_frac_.size(), q_frac_.begin());
}

}  // namespace gcattn
