#pragma once
// The phases of one layer step of the accelerator and their durations (configuration section
// "timing"). The paper publishes only the 65 ns total; the split is assumed and documented
// in docs/validation.md.
#include <array>
#include <cstddef>

#include "gcattn/config/config.h"

namespace gcattn {

enum class Phase : int {
  WriteKV = 0,       // write DACs drive the new token's K and V columns
  QueryPulses,       // 64 pulse-width query pulses into the K arrays (<= t_max)
  ChargeToPulse,     // first-stage converters turn column charge into phi pulses
  PhiPulses,         // phi pulses into the V arrays (<= t_max)
  OutputConversion,  // signed charge-to-pulse + counters (5-bit codes)
  DigitalSum,        // digital sum of sub-tile codes, output scaler
};
constexpr std::size_t kPhaseCount = 6;
const char* phase_name(Phase p);  // "write_kv", "query_pulses", ...

struct PhaseSchedule {
  std::array<double, kPhaseCount> duration_ns{};  // configured (worst-case) durations
  bool data_dependent = false;                    // pulse windows end at the longest actual pulse
  double t_max_ns = 15.0;                         // full-scale pulse width (query_dac.t_max_ns)
  double pulse_margin_ns = 1.0;  // after the longest actual pulse (data-dependent mode)

  /// Reads timing.* and query_dac.t_max_ns; throws ConfigError when a pulse window is shorter
  /// than t_max (a full-scale pulse would be cut off).
  static PhaseSchedule from(const Config& cfg);
  double duration(Phase p) const { return duration_ns[static_cast<std::size_t>(p)]; }
  /// Sum of the configured durations: the worst-case layer step.
  double total_ns() const;
  /// Durations of one step; in data-dependent mode the QueryPulses and PhiPulses windows
  /// shrink to max_q_frac * t_max and max_phi * t_max (plus the configured margin), never beyond
  /// the configured windows. Otherwise the configured durations. Fractions must lie in [0, 1]
  /// (std::invalid_argument otherwise).
  std::array<double, kPhaseCount> durations(double max_q_frac, double max_phi) const;
};

}  // namespace gcattn
