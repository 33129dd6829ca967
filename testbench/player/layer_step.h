#pragma once
// One layer step through the accelerator's host interface, as a host driver would do it: write
// the layer's K, V and Q windows, LAYER, POSITION and a WRITE_KV|ATTEND command, wait for the
// DONE interrupt (or poll STATUS), read OUT, clear the interrupt. Shared by the trace player
// (`gcattn run`) and the closed-loop attention of `gcattn eval` / `generate`; call from an
// SC_THREAD (it waits). Host-interface time is accounted in PlayerStats.
#include <cstddef>
#include <cstdint>
#include <string>

#include <systemc>

#include "gcattn/systemc/host_driver.h"
#include "scalers/scalers.h"

namespace gcattn::player {

enum class Completion { Interrupt, Poll };

/// What the player did, in simulated time.
struct PlayerStats {
  std::size_t tokens_done = 0;  // tokens whose every layer finished
  std::uint64_t layer_steps = 0;
  double transfer_ns = 0.0;  // register and window accesses
  double wait_ns = 0.0;      // from the command write until completion was seen
  double gap_ns = 0.0;       // host gaps spent
  double end_ns = 0.0;       // simulated time when the player stopped
  bool stopped = false;      // stop request honoured before the end
};

class LayerStepper {
 public:
  LayerStepper(sc::HostDriver& host, sc_core::sc_in<bool>& irq, Completion completion,
               PlayerStats& stats)
      : host_(host), irq_(irq), completion_(completion), stats_(stats) {}

  /// Checks the accelerator's geometry against layers x heads x dim of `what` (e.g. "the trace
  /// t.safetensors"; SimulationError otherwise), selects DMI and the poll interval, writes
  /// every head's scalers and enables the interrupts.
  void setup(int layers, int heads, int dim, const std::string& what, const ScalerTable& scalers,
             bool dmi, const sc_core::sc_time& poll_interval);
  /// One WRITE_KV|ATTEND command of layer `layer` at token position `position`: k, v, q and out
  /// hold [head][dim] (heads * dim values).
  void step(int layer, std::uint32_t position, const float* k, const float* v, const float* q,
            float* out);
  /// Forgets every stored token (CONTROL.CLEAR_KV), e.g. between independent sequences.
  void clear_kv();
  /// Spends a host gap of `gap` (the host's own work between layer steps).
  void gap(const sc_core::sc_time& gap);

 private:
  void wait_completion();
  sc::HostDriver& host_;
  sc_core::sc_in<bool>& irq_;
  Completion completion_;
  PlayerStats& stats_;
  std::size_t words_ = 0;
};

}  // namespace gcattn::player
