#pragma once
// Hooks for a transaction-level timeline (`gcattn run --timeline`, docs/timeline.md): the phases
// of every layer step, every access through the host interface's target socket, the DMA engine's
// bursts and the interrupt line. Null by default: then every hook site costs one pointer test.
// An observer only records; it must not call into the model or wait, so the simulation runs
// exactly as without it (unlike a StepObserver, it does not make the controller wait per phase).
// Times are absolute simulated times and may lie ahead of sc_time_stamp(): the controller
// computes a step's phases at the step's start, and loosely timed initiators run ahead of the
// kernel under temporal decoupling. Each source reports its events in time order.
#include <cstdint>

#include <systemc>
#include <tlm>

#include "gcattn/timing/phase_schedule.h"

namespace gcattn::sc {

/// One phase of one layer step.
struct PhaseEvent {
  std::uint64_t step = 0;  // 0-based index of the layer step (command) since elaboration
  int layer = 0;
  std::int64_t position = 0;  // POSITION of the command (the token)
  std::uint32_t command = 0;  // regmap::kCmd* bits
  Phase phase = Phase::WriteKV;
  sc_core::sc_time start, duration;
};

/// One access through the host interface's socket (b_transport or nb_transport; DMI accesses
/// bypass the target and are not seen).
struct HostAccessEvent {
  sc_core::sc_time start;     // when the access reaches the target
  sc_core::sc_time duration;  // the latency the target charged
  bool write = false;
  std::uint64_t address = 0;
  unsigned bytes = 0;
  const unsigned char* data = nullptr;  // the payload, valid during the call only
  tlm::tlm_response_status status = tlm::TLM_OK_RESPONSE;
};

/// One DMA burst (through b_transport or a DMI pointer).
struct DmaBurstEvent {
  sc_core::sc_time start, end;
  bool write = false;  // to system memory (OUT write-back); false: a fetch
  std::uint64_t address = 0;
  unsigned bytes = 0;
  bool dmi = false;
  tlm::tlm_response_status status = tlm::TLM_OK_RESPONSE;
};

class TimelineObserver {
 public:
  virtual ~TimelineObserver() = default;
  virtual void phase(const PhaseEvent& e) = 0;
  virtual void host_access(const HostAccessEvent& e) = 0;
  virtual void dma_burst(const DmaBurstEvent& e) = 0;
  /// The interrupt line changed to `level` at `at`.
  virtual void irq(bool level, const sc_core::sc_time& at) = 0;
};

}  // namespace gcattn::sc
