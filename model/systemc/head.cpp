#include "gcattn/systemc/head.h"

namespace gcattn::sc {

Head::Head(const sc_core::sc_module_name& name, const HardwareParams& p,
           std::pmr::memory_resource* mem, int layer, int head)
    : sc_core::sc_module(name),
      step_(p),
      query_dacs("query_dacs", step_.query_dacs()),
      write_driver("write_driver", step_.write_dacs()),
      subtiles(mem),
      accumulator("accumulator", p.rows),
      p_(p) {
  const int M = p.subtiles();
  subtiles.reserve(static_cast<std::size_t>(M));
  for (int m = 0; m < M; ++m) {
    subtiles.emplace_back(this->name(), m, p, mem, Site{layer, head, m});
  }
}

double Head::apply_query(const float* q_raw, const HeadScalers& scalers, bool fractions) {
  const QueryPulses p = step_.apply_query(q_raw, scalers.q, fractions);
  query_pulses_ = p.count;
  return p.max_fraction;
}

void Head::integrate_query(const sc_core::sc_time& now, std::int64_t token) {
  const double* q = step_.query_fractions().data();
  // The next sub-tile's K array into the caches while this one is read.
  for (std::size_t m = 0; m < subtiles.size(); ++m) {
    if (m + 1 < subtiles.size()) subtiles[m + 1].k_array.model().prefetch_read();
    subtiles[m].integrate_query(q, now, token);
  }
}

double Head::convert_scores() {
  double mx = 0.0;
  for (auto& st : subtiles) {
    const double m = st.convert_scores();
    mx = m > mx ? m : mx;
  }
  return mx;
}

void Head::integrate_phi(const sc_core::sc_time& now, std::int64_t token) {
  for (std::size_t m = 0; m < subtiles.size(); ++m) {
    if (m + 1 < subtiles.size()) subtiles[m + 1].v_array.model().prefetch_read();
    subtiles[m].integrate_phi(now, token);
  }
}

void Head::convert_outputs() {
  for (auto& st : subtiles) st.convert_outputs();
}

void Head::digital_sum(const HeadScalers& scalers, float* out) {
  step_.digital_sum(
      subtile_count(),
      [this](int m) -> const double* {
        const SubTile& st = subtiles[static_cast<std::size_t>(m)];
        return st.tokens() == 0 ? nullptr : st.outputs();
      },
      scalers.out, out);
}

void Head::clear() {
  for (auto& st : subtiles) st.clear();
}

SubTileActivity Head::activity() const {
  SubTileActivity total;
  for (const auto& st : subtiles) total += st.activity();
  return total;
}

}  // namespace gcattn::sc
