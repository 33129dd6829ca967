#pragma once
// The accelerator as the attention of a GPT-2 running on the host, closed loop: a TLM-2.0
// initiator (SystemC module) whose thread runs the caller's body (the engine's token loop); every
// attention of every layer goes through the host interface as one layer step (LayerStepper:
// K, V, Q windows, LAYER, POSITION, command, interrupt, OUT), followed by the host gap.
#include <exception>
#include <functional>

#include <systemc>

#include "gcattn/systemc/host_driver.h"
#include "gpt2/model.h"
#include "player/layer_step.h"

namespace gcattn::eval {

class AcceleratorAttention : public sc_core::sc_module, public gpt2::AttentionHook {
 public:
  SC_HAS_PROCESS(AcceleratorAttention);
  sc_core::sc_in<bool> irq;  // bind to the accelerator's irq signal
  sc::HostDriver host;       // bind host.socket to the accelerator's target socket

  /// body runs in this module's thread once the simulation starts (it may call attend and
  /// stepper(); it runs the engine). gap: the host's time between layer steps.
  AcceleratorAttention(const sc_core::sc_module_name& name, sc::Coding coding,
                       player::Completion completion, const sc_core::sc_time& gap,
                       std::function<void(AcceleratorAttention&)> body);
  const char* kind() const override { return "gcattn::eval::AcceleratorAttention"; }

  void attend(int layer, std::size_t position, const float* q, const float* k, const float* v,
              float* out) override;
  player::LayerStepper& stepper() { return stepper_; }
  const player::PlayerStats& stats() const { return stats_; }
  player::PlayerStats& stats() { return stats_; }
  /// The exception that ended the thread, if any (rethrown by the caller of sc_start).
  std::exception_ptr error() const { return error_; }

 private:
  void run();
  player::PlayerStats stats_;
  player::LayerStepper stepper_;
  sc_core::sc_time gap_;
  std::function<void(AcceleratorAttention&)> body_;
  std::exception_ptr error_;
};

}  // namespace gcattn::eval
