#pragma once
// The calibration workload of docs/validation.md (GPT-2-small shape, full window, q uniform in
// [0, 1], k and v uniform over the write-DAC range), run on the SystemC accelerator through its
// TLM-2.0 socket or on the plain numerics sub-tiles, with the energy, latency and activity per
// head and token step that `gcattn reproduce` compares with the published figures.
#include <cstdint>
#include <string>

#include "gcattn/config/config.h"
#include "gcattn/power/energy_model.h"

namespace gcattn::reproduce {

struct Workload {
  int layers = 0;
  int heads = 0;
  int measured_steps = 4;
  std::uint64_t seed = 1;
};

struct WorkloadResult {
  EnergyLedger per_head_token;   // average over layers, heads and measured steps
  double latency_ns = 0.0;       // mean layer-step latency over the measured steps
  double token_period_ns = 0.0;  // simulated time between tokens of one layer
  std::string path;              // which model ran
  int fill_tokens = 0;
  // Mean activity per head and token step, for docs/validation.md.
  bool has_activity = false;
  double active_columns = 0, firing_columns = 0, phi_sum = 0, k_read_activity = 0,
         v_read_activity = 0, counter_steps = 0, query_pulses = 0, routing_bits = 0;
};

/// The SystemC path: gcattn::sc::Accelerator driven by gcattn::sc::HostDriver (loosely timed, DMI
/// on the data windows, completion by interrupt, no host gap). Throws SimulationError.
WorkloadResult run_systemc(Config cfg, const Workload& w);

/// The numerics path: per head a bank of SubTileModels sequenced as the controller does, with
/// EnergyModel's call protocol (the cross-check of the SystemC path).
WorkloadResult run_numerics(const Config& cfg, const Workload& w);

}  // namespace gcattn::reproduce
