#pragma once
// The hardware sections of a report (timing, energy per component and head, accuracy per layer and
// head, GPU comparison, leakage, area) from the accelerator's statistics and the host's, shared
// by `gcattn run` and `gcattn eval` / `generate`.
#include <cstddef>
#include <string>
#include <vector>

#include "gcattn/config/config.h"
#include "gcattn/config/hardware_params.h"
#include "gcattn/systemc/statistics.h"
#include "player/accuracy.h"
#include "player/layer_step.h"
#include "report/report.h"
#include "scalers/scalers.h"

namespace gcattn::player {

struct HardwareRun {
  const Config& cfg;
  const HardwareParams& hw;
  const sc::AcceleratorStatistics& stats;
  const PlayerStats& player;
  int layers, heads, d_head;
  double gap_ns;                         // host gap per layer step
  const ScalerTable& scalers;            // as the accelerator applied them (float32)
  const AccuracyTracker* accuracy;       // may be null
  const std::vector<std::string>& gpus;  // GPU ids or files; empty: every compiled-in one
  std::size_t sequence_tokens;           // tokens of the longest sequence (window occupancy)
};

/// Fills rep.timing, energy, heads_table, layer_accuracy, accuracy, gpu, leakage and area.
void fill_hardware_sections(report::Report& rep, const HardwareRun& in);

}  // namespace gcattn::player
