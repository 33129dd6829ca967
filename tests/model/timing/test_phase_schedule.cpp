// PhaseSchedule: the configured layer-step phases, the paper preset's 65 ns, data-dependent
// pulse windows and the validation of the windows against t_max.
#include <catch2/catch.hpp>

#include <cmath>
#include <set>
#include <stdexcept>
#include <string>

#include "gcattn/timing/phase_schedule.h"

using namespace gcattn;
using Catch::Matchers::Contains;

TEST_CASE("paper preset: six phases summing to the published 65 ns", "[timing]") {
  const PhaseSchedule s = PhaseSchedule::from(Config::paper());
  CHECK(s.total_ns() == 65.0);
  CHECK_FALSE(s.data_dependent);
  CHECK(s.t_max_ns == 15.0);
  // Pulse windows hold a full-scale pulse.
  CHECK(s.duration(Phase::QueryPulses) >= s.t_max_ns);
  CHECK(s.duration(Phase::PhiPulses) >= s.t_max_ns);
  double sum = 0.0;
  for (double d : s.durations(1.0, 1.0)) sum += d;
  CHECK(sum == 65.0);
  // Worst-case mode ignores the data.
  CHECK(s.durations(0.0, 0.0) == s.duration_ns);
  std::set<std::string> names;
  for (std::size_t i = 0; i < kPhaseCount; ++i) names.insert(phase_name(static_cast<Phase>(i)));
  CHECK(names.size() == kPhaseCount);
  CHECK(std::string(phase_name(Phase::WriteKV)) == "write_kv");
  CHECK(std::string(phase_name(Phase::DigitalSum)) == "digital_sum");
}

TEST_CASE("every phase duration is a configuration parameter", "[timing]") {
  Config cfg = Config::paper();
  cfg.set("timing.write_kv_ns=3");
  cfg.set("timing.cpc_ns=5");
  cfg.set("timing.output_conversion_ns=20");
  cfg.set("timing.digital_sum_ns=2.5");
  cfg.set("timing.query_pulse_window_ns=15");
  cfg.set("timing.phi_pulse_window_ns=18");
  const PhaseSchedule s = PhaseSchedule::from(cfg);
  CHECK(s.duration(Phase::WriteKV) == 3.0);
  CHECK(s.duration(Phase::ChargeToPulse) == 5.0);
  CHECK(s.duration(Phase::OutputConversion) == 20.0);
  CHECK(s.duration(Phase::DigitalSum) == 2.5);
  CHECK(s.duration(Phase::QueryPulses) == 15.0);
  CHECK(s.duration(Phase::PhiPulses) == 18.0);
  CHECK(s.total_ns() == Approx(63.5));
}

TEST_CASE("data-dependent windows end at the longest pulse plus the margin", "[timing]") {
  Config cfg = Config::paper();
  cfg.set("timing.data_dependent=true");
  cfg.set("timing.pulse_margin_ns=0.5");
  const PhaseSchedule s = PhaseSchedule::from(cfg);
  const auto d = s.durations(0.4, 0.2);
  CHECK(d[static_cast<std::size_t>(Phase::QueryPulses)] == Approx(0.4 * 15.0 + 0.5));
  CHECK(d[static_cast<std::size_t>(Phase::PhiPulses)] == Approx(0.2 * 15.0 + 0.5));
  CHECK(d[static_cast<std::size_t>(Phase::WriteKV)] == 8.0);
  CHECK(d[static_cast<std::size_t>(Phase::OutputConversion)] == 17.0);
  // Never beyond the configured window.
  const auto full = s.durations(1.0, 1.0);
  CHECK(full[static_cast<std::size_t>(Phase::QueryPulses)] == 15.5);
  cfg.set("timing.pulse_margin_ns=3");
  const auto capped = PhaseSchedule::from(cfg).durations(1.0, 1.0);
  CHECK(capped[static_cast<std::size_t>(Phase::QueryPulses)] == 16.0);
  // No pulses: only the margin is left of the windows.
  const auto none = PhaseSchedule::from(cfg).durations(0.0, 0.0);
  CHECK(none[static_cast<std::size_t>(Phase::PhiPulses)] == 3.0);
}

TEST_CASE("pulse windows shorter than t_max are rejected with the key and the fix",
          "[timing][errors]") {
  Config cfg = Config::paper();
  cfg.set("timing.query_pulse_window_ns=12");
  CHECK_THROWS_WITH(PhaseSchedule::from(cfg), Contains("timing.query_pulse_window_ns = 12") &&
                                                  Contains("query_dac.t_max_ns = 15") &&
                                                  Contains("at least 15"));
  Config cfg2 = Config::paper();
  cfg2.set("query_dac.t_max_ns=20");  // the phi window (16 ns) no longer holds phi = 1
  CHECK_THROWS_AS(PhaseSchedule::from(cfg2), ConfigError);
  Config cfg3 = Config::paper();
  CHECK_THROWS_AS(cfg3.set("timing.cpc_ns=-1"), ConfigError);  // schema range
}

TEST_CASE("durations() rejects fractions outside [0, 1]", "[timing][errors]") {
  const PhaseSchedule s = PhaseSchedule::from(Config::paper());
  CHECK_THROWS_AS(s.durations(1.5, 0.0), std::invalid_argument);
  CHECK_THROWS_AS(s.durations(0.0, -0.1), std::invalid_argument);
  CHECK_THROWS_AS(s.durations(std::nan(""), 0.0), std::invalid_argument);
}
