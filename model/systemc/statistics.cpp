#include "gcattn/systemc/statistics.h"

namespace gcattn::sc {

AcceleratorStatistics::AcceleratorStatistics(int layers, int heads)
    : layers_(layers),
      heads_(heads),
      ledgers_(static_cast<std::size_t>(layers) * static_cast<std::size_t>(heads)),
      step_(static_cast<std::size_t>(heads)) {}

void AcceleratorStatistics::begin_step() {
  for (auto& l : step_) l.clear();
}

const EnergyLedger& AcceleratorStatistics::ledger(int layer, int head) const {
  return ledgers_.at(static_cast<std::size_t>(layer) * static_cast<std::size_t>(heads_) +
                     static_cast<std::size_t>(head));
}

EnergyLedger& AcceleratorStatistics::ledger_for_update(int layer, int head) {
  return ledgers_[static_cast<std::size_t>(layer) * static_cast<std::size_t>(heads_) +
                  static_cast<std::size_t>(head)];
}

EnergyLedger AcceleratorStatistics::layer_ledger(int layer) const {
  EnergyLedger l;
  for (int h = 0; h < heads_; ++h) l.merge(ledger(layer, h));
  return l;
}

EnergyLedger AcceleratorStatistics::total_ledger() const {
  EnergyLedger l;
  for (const auto& x : ledgers_) l.merge(x);
  return l;
}

void AcceleratorStatistics::record(const StepRecord& r) {
  ++steps_;
  if (r.activity_estimated) ++estimated_steps_;
  for (std::size_t i = 0; i < kPhaseCount; ++i) phase_ns_[i] += r.phase_ns[i];
  busy_ns_ += (r.end - r.start).to_seconds() * 1e9;
  for (int h = 0; h < heads_; ++h)
    ledger_for_update(r.layer, h).merge(step_[static_cast<std::size_t>(h)]);
  last_ = r;
}

void AcceleratorStatistics::clear() {
  steps_ = estimated_steps_ = 0;
  phase_ns_ = {};
  busy_ns_ = 0.0;
  last_ = StepRecord{};
  dma_ = DmaStatistics{};
  for (auto& l : ledgers_) l.clear();
  for (auto& l : step_) l.clear();
}

}  // namespace gcattn::sc
