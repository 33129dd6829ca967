#include "gcattn/timing/phase_schedule.h"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>

namespace gcattn {

const char* phase_name(Phase p) {
  switch (p) {
    case Phase::WriteKV:
      return "write_kv";
    case Phase::QueryPulses:
      return "query_pulses";
    case Phase::ChargeToPulse:
      return "charge_to_pulse";
    case Phase::PhiPulses:
      return "phi_pulses";
    case Phase::OutputConversion:
      return "output_conversion";
    case Phase::DigitalSum:
      return "digital_sum";
  }
  return "?";
}

namespace {

void check_window(const Config& cfg, const char* key, double window_ns, double t_max_ns) {
  if (window_ns < t_max_ns) {
    std::ostringstream os;
    os << key << " = " << window_ns << " ns (from " << cfg.origin_of(key)
       << ") is shorter than query_dac.t_max_ns = " << t_max_ns
       << " ns: a full-scale pulse would be cut off; set it to at least " << t_max_ns << " ns";
    throw ConfigError(os.str());
  }
}

}  // namespace

PhaseSchedule PhaseSchedule::from(const Config& cfg) {
  PhaseSchedule s;
  s.t_max_ns = cfg.number("query_dac.t_max_ns");
  s.data_dependent = cfg.boolean("timing.data_dependent");
  s.pulse_margin_ns = cfg.number("timing.pulse_margin_ns");
  auto set = [&](Phase p, const char* key) {
    s.duration_ns[static_cast<std::size_t>(p)] = cfg.number(key);
  };
  set(Phase::WriteKV, "timing.write_kv_ns");
  set(Phase::QueryPulses, "timing.query_pulse_window_ns");
  set(Phase::ChargeToPulse, "timing.cpc_ns");
  set(Phase::PhiPulses, "timing.phi_pulse_window_ns");
  set(Phase::OutputConversion, "timing.output_conversion_ns");
  set(Phase::DigitalSum, "timing.digital_sum_ns");
  check_window(cfg, "timing.query_pulse_window_ns", s.duration(Phase::QueryPulses), s.t_max_ns);
  check_window(cfg, "timing.phi_pulse_window_ns", s.duration(Phase::PhiPulses), s.t_max_ns);
  return s;
}

double PhaseSchedule::total_ns() const {
  double t = 0.0;
  for (double d : duration_ns) t += d;
  return t;
}

std::array<double, kPhaseCount> PhaseSchedule::durations(double max_q_frac, double max_phi) const {
  auto check = [](double x, const char* what) {
    if (!(x >= 0.0 && x <= 1.0)) {  // also rejects NaN
      std::ostringstream os;
      os << "PhaseSchedule::durations: " << what << " = " << x << " outside [0, 1]";
      throw std::invalid_argument(os.str());
    }
  };
  check(max_q_frac, "max_q_frac");
  check(max_phi, "max_phi");
  std::array<double, kPhaseCount> d = duration_ns;
  if (!data_dependent) return d;
  auto shrink = [&](Phase p, double frac) {
    auto& w = d[static_cast<std::size_t>(p)];
    w = std::min(w, frac * t_max_ns + pulse_margin_ns);
  };
  shrink(Phase::QueryPulses, max_q_frac);
  shrink(Phase::PhiPulses, max_phi);
  return d;
}

}  // namespace gcattn
