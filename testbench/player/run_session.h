#pragma once
// One `gcattn run`: opens the trace, sets the accelerator geometry from it, loads or calibrates
// the scalers, elaborates the accelerator and the trace player (a real SystemC kernel run),
// simulates and assembles the report. A SystemC kernel runs once per process, so one process
// runs one session.
#include <csignal>
#include <cstddef>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include <systemc>

#include "calibrate/calibrate.h"
#include "gcattn/config/config.h"
#include "gcattn/systemc/host_driver.h"
#include "gcattn/systemc/vcd_tracer.h"
#include "player/accuracy.h"
#include "player/host_settings.h"
#include "player/trace_player.h"
#include "report/report.h"
#include "timeline/timeline_recorder.h"

namespace gcattn::player {

struct RunOptions {
  std::string trace_path;
  std::size_t tokens = 0;  // 0: the whole trace
  sc::Coding coding = sc::Coding::LooselyTimed;
  bool dmi = false;
  sc_core::sc_time quantum = sc_core::sc_time(1, sc_core::SC_US);  // LT global quantum
  std::string scalers_path;                                        // empty: calibrate on a prefix
  calibrate::Options calibration;  // used when scalers_path is empty
  bool accuracy = true;
  AccuracyOptions accuracy_refs;
  std::vector<std::string> gpus;  // GPU reference ids or files; empty: every compiled-in one
  std::optional<sc::VcdOptions> vcd;
  std::optional<timeline::TimelineOptions> timeline;
  bool keep_outputs = false;
  std::vector<std::string> command_line;
  int threads =
      0;  // worker threads for the heads (calibration, accelerator, accuracy); 0: all cores
  std::ostream* progress = nullptr;  // progress bar target (a terminal), or null
  const volatile std::sig_atomic_t* stop = nullptr;
};

struct RunResult {
  report::Report report;
  std::vector<float> outputs;  // [token][layer][head][d] when keep_outputs
  std::vector<std::size_t> outputs_shape;
  std::string vcd_path;
  std::string timeline_path;
  std::uint64_t timeline_events = 0;
};

/// Runs a session. cfg is the resolved configuration (--config, --set); model.layers and
/// model.heads are set from the trace. Errors: InputError (trace, scalers), ConfigError,
/// SimulationError (error response, model report).
RunResult run_trace(Config cfg, const RunOptions& opt);

/// Throws ConfigError naming player.host_gap_ns when layer_steps steps with this host gap could
/// pass the largest simulated time the SystemC kernel represents (2^64 ps): the time would wrap and
/// the report would be silently wrong.
void check_time_range(const Config& cfg, std::size_t layer_steps, double host_gap_ns);

/// The simulated time between two tokens the calibration assumes: layers x (worst-case layer
/// step + host gap); host-interface transfers are not included.
double estimated_token_period_ns(const Config& cfg, int layers, double host_gap_ns);

}  // namespace gcattn::player
