#pragma once
// Optional VCD waveforms (off by default; when off nothing is created and the controller's only
// cost is a null-pointer test per phase). Traced: per layer busy, the six phase strobes and the
// phase index, the interrupt line; for one traced scope (layer, head, sub-tile) the query pulse
// lines of the head, the phi pulse lines and the output counter values of the sub-tile. Pulse
// lines rise at the window start and fall at start + width: one timed event per distinct pulse
// end, never per cell. Timescale 1 ps. Values change only inside [start, end] (the interrupt
// line and the DMA engine's state are traced as they are). A platform may add its own signals
// to the same file (trace_file()).
#include <memory>
#include <string>
#include <vector>

#include <systemc>

#include "gcattn/systemc/accelerator_params.h"
#include "gcattn/systemc/controller.h"
#include "gcattn/systemc/layer.h"

namespace gcattn::sc {

struct VcdOptions {
  std::string file;  // output path; a trailing ".vcd" is optional (SystemC appends it)
  int layer = 0;     // traced scope
  int head = 0;
  int subtile = 0;
  sc_core::sc_time start = sc_core::SC_ZERO_TIME;  // simulated-time window of recorded changes
  sc_core::sc_time end = sc_core::sc_max_time();
};

/// The file SystemC writes for VcdOptions::file: the name with ".vcd" appended unless present.
std::string vcd_file_path(const std::string& file);

class VcdTracer : public sc_core::sc_module, public StepObserver {
 public:
  SC_HAS_PROCESS(VcdTracer);
  /// Throws std::invalid_argument naming the option when the scope or window is invalid.
  VcdTracer(const sc_core::sc_module_name& name, const VcdOptions& opts,
            const AcceleratorParams& params, sc_core::sc_vector<Layer>& layers,
            const sc_core::sc_out<bool>& irq, const sc_core::sc_signal<int>* dma_state = nullptr);
  ~VcdTracer() override;
  const char* kind() const override { return "gcattn::sc::VcdTracer"; }

  void step_begin(const StepCommand& cmd, bool functional) override;
  void phase_begin(Phase phase, const sc_core::sc_time& duration) override;
  void step_end(const StepRecord& rec) override;

  /// The file SystemC writes (with .vcd).
  const std::string& path() const { return path_; }
  /// The VCD file, for a platform's own sc_trace calls (during elaboration only).
  sc_core::sc_trace_file* trace_file() const { return tf_; }

 private:
  struct PulseGroup {
    sc_core::sc_vector<sc_core::sc_signal<bool>> lines;
    std::vector<double> width_ns;  // per line, set when the window starts
    std::vector<double> ends;      // scratch: distinct pulse ends
    sc_core::sc_event start_ev;
    explicit PulseGroup(const char* name, int n)
        : lines(name, static_cast<std::size_t>(n)), width_ns(static_cast<std::size_t>(n), 0.0) {}
  };
  void query_thread() { run_group(query_); }
  void phi_thread() { run_group(phi_); }
  void run_group(PulseGroup& g);
  bool in_window() const;

  VcdOptions opts_;
  std::string path_;
  sc_core::sc_vector<Layer>& layers_;
  sc_core::sc_trace_file* tf_ = nullptr;
  int current_layer_ = -1;
  bool trace_scope_ = false;  // the running step is in the traced layer and functional

  sc_core::sc_vector<sc_core::sc_signal<bool>> busy_;
  sc_core::sc_vector<sc_core::sc_signal<bool>> strobe_;
  sc_core::sc_signal<int> phase_;
  sc_core::sc_signal<int> step_layer_;
  sc_core::sc_signal<int> step_position_;
  PulseGroup query_;
  PulseGroup phi_;
  sc_core::sc_vector<sc_core::sc_signal<int>> counter_;
};

}  // namespace gcattn::sc
