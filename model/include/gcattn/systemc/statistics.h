#pragma once
// Read-only observation of the accelerator for reports: per-step records, time per phase and an
// energy ledger per layer and head. Not a back door: nothing here changes the model's state.
#include <array>
#include <cstdint>
#include <vector>

#include <systemc>

#include "gcattn/power/energy_model.h"
#include "gcattn/timing/phase_schedule.h"

namespace gcattn::sc {

/// One command (layer step) as the controller ran it.
struct StepRecord {
  int layer = -1;
  std::int64_t position = 0;
  std::uint32_t command = 0;                   // regmap::kCmd* bits
  sc_core::sc_time start;                      // first phase begins
  sc_core::sc_time end;                        // last phase ends (DONE, interrupt)
  std::array<double, kPhaseCount> phase_ns{};  // 0 for phases the command does not run
  double max_query_fraction = 0.0;             // what the data-dependent windows were sized by
  double max_phi = 0.0;
  bool activity_estimated = false;  // functional off: energy from the estimated activity
};

/// The DMA engine's traffic over all COMMAND.DMA commands (docs/register-map.md, "DMA").
struct DmaStatistics {
  std::uint64_t commands = 0;       // DMA commands accepted
  std::uint64_t transfers = 0;      // fetches and write-backs started
  std::uint64_t bytes_read = 0;     // from system memory
  std::uint64_t bytes_written = 0;  // to system memory
  std::uint64_t bursts = 0;
  std::uint64_t dmi_bursts = 0;  // of which through a DMI pointer
  std::uint64_t errors = 0;      // transfers ended by an error response
  double busy_ns = 0.0;          // simulated time of the transfers
};

class AcceleratorStatistics {
 public:
  AcceleratorStatistics(int layers, int heads);

  std::uint64_t steps() const { return steps_; }
  /// Simulated time spent in each phase over all steps, ns.
  const std::array<double, kPhaseCount>& phase_time_ns() const { return phase_ns_; }
  /// Simulated time the controller was busy, ns (sum of step durations).
  double busy_time_ns() const { return busy_ns_; }
  const StepRecord& last_step() const { return last_; }
  /// Steps whose energy used the estimated activity (model.functional = false).
  std::uint64_t estimated_steps() const { return estimated_steps_; }

  /// Cumulative energy of (layer, head) over all steps (and idle time charged so far).
  const EnergyLedger& ledger(int layer, int head) const;
  /// Energy of head `head` in the last step (its layer is last_step().layer).
  const EnergyLedger& last_step_ledger(int head) const {
    return step_.at(static_cast<std::size_t>(head));
  }
  EnergyLedger layer_ledger(int layer) const;
  EnergyLedger total_ledger() const;
  int layers() const { return layers_; }
  int heads() const { return heads_; }
  const DmaStatistics& dma() const { return dma_; }

  // Written by the controller only (dma_for_update(): by the host interface).
  DmaStatistics& dma_for_update() { return dma_; }
  EnergyLedger& ledger_for_update(int layer, int head);
  /// The running step's ledger of a head; record() adds it to the cumulative ledger.
  EnergyLedger& step_ledger_for_update(int head) { return step_[static_cast<std::size_t>(head)]; }
  void begin_step();
  void record(const StepRecord& r);
  void clear();

 private:
  int layers_, heads_;
  std::uint64_t steps_ = 0, estimated_steps_ = 0;
  std::array<double, kPhaseCount> phase_ns_{};
  double busy_ns_ = 0.0;
  StepRecord last_;
  DmaStatistics dma_;
  std::vector<EnergyLedger> ledgers_;  // [layer][head]
  std::vector<EnergyLedger> step_;     // [head] of the running or last step
};

}  // namespace gcattn::sc
