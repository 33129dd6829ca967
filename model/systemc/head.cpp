#include "gcattn/systemc/head.h"

namespace gcattn::sc {

Head::Head(const sc_core::sc_module_name& name, const HardwareParams& p,
           std::pmr::memory_resource* mem, int layer, int head)
    : sc_core::sc_module(name),
      query_dacs("query_dacs", p),
      write_driver("write_driver", p),
      subtiles("subtile", static_cast<std::size_t>(p.subtiles()),
               [&p, mem, layer, head](const char* n, std::size_t m) {
                 return new SubTile(n, p, mem, Site{layer, head, static_cast<int>(m)});
               }),
      accumulator("accumulator", p.rows),
      p_(p),
      write_codes_(p.quantize && subtiles[0].k_array.model().has_write_grid()),
      k_volts_(static_cast<std::size_t>(p.rows), 0.0),
      v_volts_(static_cast<std::size_t>(p.rows), 0.0),
      q_frac_(static_cast<std::size_t>(p.rows), 0.0),
      acc_(static_cast<std::size_t>(p.rows), 0.0),
      k_code_(static_cast<std::size_t>(p.rows), 0),
      v_code_(static_cast<std::size_t>(p.rows), 0) {}

void Head::write_kv(std::int64_t token, const float* k_raw, const float* v_raw,
                    const HeadScalers& scalers, const sc_core::sc_time& t) {
  const int slot = static_cast<int>(token % p_.window_tokens);
  SubTile& st = subtiles[static_cast<std::size_t>(slot / p_.cols)];
  if (write_codes_) {
    written_abs_volts_ = write_driver.convert_codes(k_raw, scalers.k, k_code_.data()) +
                         write_driver.convert_codes(v_raw, scalers.v, v_code_.data());
    st.write_codes(slot % p_.cols, k_code_.data(), v_code_.data(), t, token);
  } else {
    written_abs_volts_ = write_driver.convert(k_raw, scalers.k, k_volts_.data()) +
                         write_driver.convert(v_raw, scalers.v, v_volts_.data());
    st.write(slot % p_.cols, k_volts_.data(), v_volts_.data(), t, token);
  }
}

double Head::apply_query(const float* q_raw, const HeadScalers& scalers, bool fractions) {
  const QueryDacs::Pulses p =
      query_dacs.convert(q_raw, scalers.q, fractions ? q_frac_.data() : nullptr);
  query_pulses_ = p.count;
  return p.max_fraction;
}

void Head::integrate_query(const sc_core::sc_time& now, std::int64_t token) {
  for (auto& st : subtiles) st.integrate_query(q_frac_.data(), now, token);
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
  for (auto& st : subtiles) st.integrate_phi(now, token);
}

void Head::convert_outputs() {
  for (auto& st : subtiles) st.convert_outputs();
}

void Head::digital_sum(const HeadScalers& scalers, float* out) {
  accumulator.clear(acc_.data());
  for (auto& st : subtiles) accumulator.add(acc_.data(), st.outputs());
  accumulator.finish(acc_.data(), scalers.out, out);
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
