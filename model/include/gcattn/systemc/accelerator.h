#pragma once
// The accelerator: every layer's heads (the whole KV cache), the controller, the host
// interface and the DMA engine. Everything the accelerator needs arrives through the TLM target
// socket (docs/register-map.md), or, for COMMAND.DMA, through its own TLM initiator socket from
// system memory (docs/integration.md); the C++ API below only observes (statistics, read-only
// access to the module tree) or configures simulation features (VCD tracing, timing-only mode).
#include <memory>

#include <systemc>
#include <tlm>

#include "gcattn/config/config.h"
#include "gcattn/memory/page_arena.h"
#include "gcattn/parallel/worker_pool.h"
#include "gcattn/power/energy_model.h"
#include "gcattn/systemc/accelerator_params.h"
#include "gcattn/systemc/controller.h"
#include "gcattn/systemc/dma_engine.h"
#include "gcattn/systemc/host_interface.h"
#include "gcattn/systemc/layer.h"
#include "gcattn/systemc/statistics.h"
#include "gcattn/systemc/timeline_observer.h"
#include "gcattn/systemc/vcd_tracer.h"
#include "gcattn/timing/phase_schedule.h"

namespace gcattn::sc {

class Accelerator : public sc_core::sc_module {
 public:
  /// Reads every section it needs from cfg (throws ConfigError on inconsistent values).
  Accelerator(const sc_core::sc_module_name& name, const Config& cfg);
  ~Accelerator() override;
  const char* kind() const override { return "gcattn::sc::Accelerator"; }

  /// Level interrupt (bind to an sc_signal<bool>). Optional: left unbound (a polling platform),
  /// it drives an internal signal.
  sc_core::sc_out<bool> irq;
  /// The host interface's target socket (bind an initiator socket to it).
  tlm::tlm_target_socket<32>& socket() { return host_.socket; }
  /// The DMA engine's initiator socket (bind it to the system bus for COMMAND.DMA). Optional:
  /// left unbound, the platform elaborates and DMA commands are refused (DmaDescriptor).
  DmaSocket& dma_socket() { return dma_.socket; }

  const AcceleratorParams& params() const { return params_; }
  const PhaseSchedule& schedule() const { return controller_.schedule(); }
  const AcceleratorStatistics& statistics() const { return stats_; }
  const Layer& layer(int l) const { return layers_[static_cast<std::size_t>(l)]; }
  const Head& head(int l, int h) const { return layer(l).heads[static_cast<std::size_t>(h)]; }
  /// STATUS.BUSY: a command is running, its DMA transfers included.
  bool busy() const { return host_.busy(); }
  /// Charges idle static power of every layer up to the current simulated time (before reading
  /// final energy totals); only while idle.
  void charge_idle_energy() { controller_.charge_idle_until_now(); }
  /// Simulated-time mode switch (model.functional); only while idle. Timing-only steps do not
  /// store the K/V cells they write (nothing reads them): a functional step that would read a
  /// column written that way reports an error (SC_REPORT_ERROR naming the sub-tile) and runs
  /// timing-only. Clear the KV cache (CONTROL.CLEAR_KV) when switching to functional, or call
  /// keep_kv_in_timing_only(true) first to fill a window in timing-only mode and read it later.
  void set_functional(bool on) { controller_.set_functional(on); }
  bool functional() const { return controller_.functional(); }
  /// Timing-only steps store the K/V cells they write (as functional steps do; slower): for
  /// filling the window in timing-only mode and reading it functionally afterwards. Only while
  /// idle.
  void keep_kv_in_timing_only(bool on) { controller_.keep_kv_in_timing_only(on); }
  /// Computes the heads of a layer step on a worker pool the caller owns (it must outlive the
  /// simulation; null, the default: everything on the simulation thread, as a virtual platform
  /// that owns the machine's cores expects). Results, statistics and VCD are identical for every
  /// thread count; the workers never call SystemC. Only while idle.
  void set_worker_pool(WorkerPool* pool);

  /// Starts VCD tracing; call before sc_start (the signals are created during elaboration).
  /// Throws std::invalid_argument for a bad scope or window.
  void enable_vcd(const VcdOptions& opts);
  const VcdTracer* vcd() const { return vcd_.get(); }

  /// Sends the phases of every step, the host interface's socket accesses, the DMA bursts and
  /// the interrupt line's changes to `obs` (null: stop). It only observes: results are the same
  /// with and without it. Set it before sc_start or while idle; it must outlive the simulation.
  void set_timeline_observer(TimelineObserver* obs);

 private:
  void before_end_of_elaboration() override;

  AcceleratorParams params_;
  EnergyModel energy_;
  AcceleratorStatistics stats_;
  PageArena arena_;  // the cells and sub-tile rows of every layer (before layers_: outlives them)
  sc_core::sc_vector<Layer> layers_;
  Controller controller_;
  DmaEngine dma_;
  HostInterface host_;
  std::unique_ptr<VcdTracer> vcd_;
  std::unique_ptr<sc_core::sc_signal<bool>> irq_unbound_;  // irq's channel when left unbound
};

}  // namespace gcattn::sc
