#pragma once
// The recorder behind `gcattn run --timeline` (docs/timeline.md): a TimelineObserver of the
// accelerator (phases, host-interface accesses, DMA bursts, interrupt line) plus the trace
// player's host gaps, turned into Chrome trace events on fixed tracks and streamed to a
// TraceEventWriter. Scoping (layers, a simulated-time window, track kinds) drops events as they
// come, so a large run gives a small file. It only observes: the simulation is unchanged.
#include <cstdint>
#include <string>
#include <vector>

#include <systemc>

#include "gcattn/systemc/timeline_observer.h"
#include "timeline/trace_event_writer.h"

namespace gcattn::timeline {

/// Kinds of tracks (bits of TimelineOptions::tracks); names as --timeline-tracks spells them.
enum Track : unsigned {
  kPhases = 1u << 0,     // "phases": one track per layer
  kRegisters = 1u << 1,  // "registers": host register accesses
  kWindows = 1u << 2,    // "windows": host K/V/Q/OUT/scaler window bursts
  kDma = 1u << 3,        // "dma": DMA engine bursts
  kIrq = 1u << 4,        // "irq": the interrupt line (a counter)
  kGaps = 1u << 5,       // "gaps": the host's time between layer steps
  kAllTracks = (1u << 6) - 1
};

struct TimelineOptions {
  std::string file;
  std::vector<int> layers;                         // phase tracks to record; empty: every layer
  sc_core::sc_time start = sc_core::SC_ZERO_TIME;  // events overlapping [start, end] are kept
  sc_core::sc_time end = sc_core::sc_max_time();
  unsigned tracks = kAllTracks;
};

/// "all" or a comma list of layers and ranges ("0,3,5-7"); std::invalid_argument naming the
/// bad part otherwise.
std::vector<int> parse_layer_list(const std::string& text);
/// "all" or a comma list of track names (phases, registers, windows, dma, irq, gaps).
unsigned parse_track_list(const std::string& text);

class TimelineRecorder : public sc::TimelineObserver {
 public:
  /// layers: the accelerator's model.layers (std::invalid_argument for a layer outside it).
  /// other_data: a JSON object's text stored in the file (run metadata). Opens the file.
  TimelineRecorder(const TimelineOptions& opt, int layers, const std::string& other_data);

  void phase(const sc::PhaseEvent& e) override;
  void host_access(const sc::HostAccessEvent& e) override;
  void dma_burst(const sc::DmaBurstEvent& e) override;
  void irq(bool level, const sc_core::sc_time& at) override;
  /// The host spent [start, start + length) between layer steps after (layer, position).
  void host_gap(const sc_core::sc_time& start, const sc_core::sc_time& length, int layer,
                std::int64_t position);

  /// Finishes the file (InputError when the write failed).
  void close() { writer_.close(); }
  const std::string& path() const { return writer_.path(); }
  std::uint64_t events() const { return writer_.events(); }

 private:
  std::uint64_t ps(const sc_core::sc_time& t) const;
  bool keep(std::uint64_t start_ps, std::uint64_t end_ps) const;

  TimelineOptions opt_;
  std::vector<bool> layer_on_;
  std::uint64_t start_ps_ = 0, end_ps_ = 0;
  std::uint64_t ps_per_tick_ = 1, ticks_per_ps_ = 0;  // of the SystemC time resolution
  TraceEventWriter writer_;
};

}  // namespace gcattn::timeline
