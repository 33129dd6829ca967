#pragma once
// The trace player's host: the testbench's settings (section `player` of the configuration), not
// the accelerator's: the accelerator (sc::Accelerator, HardwareParams) never reads them. Every
// session (run, eval, generate, calibrate, the example SoC) reads them here, and every front end
// (CLI, Python) sets the host gap through set_host_gap.
#include <string>

#include <systemc>

#include "gcattn/config/config.h"
#include "player/layer_step.h"

namespace gcattn::player {

struct HostSettings {
  double gap_ns = 0.0;  // player.host_gap_ns: host time between two layer steps
  Completion completion = Completion::Interrupt;  // player.completion
  sc_core::sc_time poll_interval;                 // player.poll_interval_ns

  static HostSettings from(const Config& cfg);
  const char* completion_name() const;  // "irq" or "poll", as reports name it
};

/// The host gap: player.host_gap_ns = ns, written exactly (shortest round-trip text), with origin
/// (e.g. "--host-gap"). UsageError naming option when ns is negative or not finite.
void set_host_gap(Config& cfg, double ns, const std::string& option);

}  // namespace gcattn::player
