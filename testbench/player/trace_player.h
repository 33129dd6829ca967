#pragma once
// The trace player: a TLM-2.0 initiator (SystemC module) that replays a KV-cache trace into the
// accelerator through its host interface only. Per token and layer it writes the layer's K, V
// and Q windows, LAYER, POSITION and a WRITE_KV|ATTEND command, waits for the DONE interrupt on
// its irq input (or polls STATUS), reads OUT, clears the interrupt and then spends the host gap
// (projections and MLP outside the accelerator). The scalers go through the scaler window before
// the first step. Socket traffic runs through gcattn::sc::HostDriver (loosely timed under a
// tlm_quantumkeeper, or approximately timed with the four base-protocol phases).
// Time is accounted apart: host-interface transfers, waiting for completion, host gaps.
// A stop request (SIGINT) is honoured at the next layer-step boundary: the player calls sc_stop().
#include <csignal>
#include <cstdint>
#include <exception>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include <systemc>

#include "gcattn/systemc/host_driver.h"
#include "player/accuracy.h"
#include "player/layer_step.h"
#include "scalers/scalers.h"

namespace gcattn::trace {
class TraceReader;
}

namespace gcattn::player {

struct PlayerOptions {
  sc::Coding coding = sc::Coding::LooselyTimed;
  Completion completion = Completion::Interrupt;
  std::size_t tokens = 0;  // first N tokens of the trace
  sc_core::sc_time host_gap = sc_core::SC_ZERO_TIME;
  sc_core::sc_time poll_interval = sc_core::sc_time(10, sc_core::SC_NS);
  bool dmi = false;
  bool keep_outputs = false;  // keep every output [token][layer][head][d]
  // Tokens from this one on are checked for NaN/infinity just before they are replayed (the
  // trace was opened without the full scan; the values are read once, as they are replayed).
  // The default, none: the reader checked every token at open.
  std::size_t check_finite_from = std::numeric_limits<std::size_t>::max();
  // Read the next token on a thread of its own while this one is replayed (TokenStream).
  bool read_ahead = false;
};

class TracePlayer : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(TracePlayer);
  /// The accelerator's interrupt line (bind to the same sc_signal<bool> as its irq output).
  sc_core::sc_in<bool> irq;
  /// The TLM initiator; bind host.socket to the accelerator's target socket.
  sc::HostDriver host;

  /// scalers: per (layer, head), written through the scaler window. accuracy may be null.
  /// stop: polled at every layer-step boundary (set from a signal handler).
  TracePlayer(const sc_core::sc_module_name& name, const trace::TraceReader& trace,
              const ScalerTable& scalers, const PlayerOptions& opt, AccuracyTracker* accuracy,
              const volatile std::sig_atomic_t* stop);
  const char* kind() const override { return "gcattn::player::TracePlayer"; }

  const PlayerStats& stats() const { return stats_; }
  /// Called after every token with (tokens done, tokens total) for progress display.
  void set_progress(std::function<void(std::size_t, std::size_t)> cb) { progress_ = std::move(cb); }
  /// Called at the start of every host gap with (start, length, layer, token) (timeline).
  using GapCallback =
      std::function<void(const sc_core::sc_time&, const sc_core::sc_time&, int, std::int64_t)>;
  void set_gap_callback(GapCallback cb) { on_gap_ = std::move(cb); }
  /// Outputs kept with keep_outputs: [token][layer][head][d] as read from OUT.
  const std::vector<float>& outputs() const { return outputs_; }
  /// The exception that ended the player's thread, if any (rethrown by the caller of sc_start).
  std::exception_ptr error() const { return error_; }

 private:
  void run();
  void play();

  const trace::TraceReader& trace_;
  const ScalerTable& scalers_;
  PlayerOptions opt_;
  AccuracyTracker* accuracy_;
  const volatile std::sig_atomic_t* stop_;
  PlayerStats stats_;
  std::function<void(std::size_t, std::size_t)> progress_;
  GapCallback on_gap_;
  std::vector<float> out_;  // one token: [layer][head][d]
  std::vector<float> outputs_;
  std::exception_ptr error_;
};

}  // namespace gcattn::player
