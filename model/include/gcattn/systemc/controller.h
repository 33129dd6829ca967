#pragma once
// The controller sequences one layer step: WriteKV, QueryPulses, ChargeToPulse, PhiPulses,
// OutputConversion, DigitalSum, with durations from PhaseSchedule (the configuration's timing
// section; in data-dependent mode a pulse window ends at the step's longest actual pulse). Each
// phase's arithmetic runs for all heads of the layer (they work in parallel) at the phase's
// start time. With a StepObserver (VCD) an SC_THREAD waits for each phase in turn, with a
// timeline observer for the step's sum of phases; without either (nothing else can observe a
// step before it ends: see start()) the arithmetic runs when the command is accepted, for the
// step's start time, and an SC_METHOD ends the step when its time has passed. The three give
// the same results and times. Energy events go to the per-head ledgers.
#include <cstdint>
#include <functional>
#include <vector>

#include <systemc>

#include "gcattn/power/energy_model.h"
#include "gcattn/systemc/accelerator_params.h"
#include "gcattn/systemc/layer.h"
#include "gcattn/systemc/statistics.h"
#include "gcattn/systemc/timeline_observer.h"
#include "gcattn/timing/phase_schedule.h"

namespace gcattn {
class WorkerPool;
}

namespace gcattn::sc {

/// What one command works on; the pointers are the host interface's windows.
struct StepCommand {
  int layer = 0;
  std::int64_t position = 0;
  std::uint32_t command = 0;       // regmap::kCmd* bits
  const float* k = nullptr;        // [head][dim]
  const float* v = nullptr;        // [head][dim]
  const float* q = nullptr;        // [head][dim]
  const float* scalers = nullptr;  // the layer's [head][regmap::kScalerWords]
  float* out = nullptr;            // [head][dim]
};

/// Hooks for waveform tracing; called once per step and phase, never per cell.
class StepObserver {
 public:
  virtual ~StepObserver() = default;
  virtual void step_begin(const StepCommand& cmd, bool functional) = 0;
  virtual void phase_begin(Phase phase, const sc_core::sc_time& duration) = 0;
  virtual void step_end(const StepRecord& rec) = 0;
};

class Controller : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(Controller);
  Controller(const sc_core::sc_module_name& name, const AcceleratorParams& params,
             const PhaseSchedule& schedule, const EnergyModel& energy,
             sc_core::sc_vector<Layer>& layers, AcceleratorStatistics& stats);
  const char* kind() const override { return "gcattn::sc::Controller"; }

  /// Accepts a command that starts `delay` after the current simulated time. The caller (the
  /// host interface) has validated it and guarantees the controller is idle.
  void start(const StepCommand& cmd, const sc_core::sc_time& delay);
  /// True from start() until the last phase has ended.
  bool busy() const { return busy_; }
  /// Notified when a command completes (after the statistics are recorded).
  const sc_core::sc_event& done_event() const { return done_ev_; }
  void set_done_callback(std::function<void(const StepRecord&)> cb) { on_done_ = std::move(cb); }
  void set_observer(StepObserver* obs) { observer_ = obs; }
  /// Receives every phase of every step (timeline); does not change how the step waits.
  void set_timeline_observer(TimelineObserver* obs) { timeline_ = obs; }
  /// Timing + energy only (false): see model.functional. Only while idle.
  void set_functional(bool on);
  bool functional() const { return functional_; }
  /// Whether timing-only steps store the K/V cells they write (default false: they only mark
  /// the columns as holding a token, and a later functional step that would read such a column
  /// is an error until it is rewritten or the KV cache cleared). Only while idle.
  void keep_kv_in_timing_only(bool on);
  bool keeps_kv_in_timing_only() const { return keep_kv_; }
  /// Charges every layer's idle static power up to now (the controller charges it lazily when a
  /// layer's next step starts); call before reading final energy. Only while idle.
  void charge_idle_until_now();
  /// Forgets every stored token of every layer and head (CONTROL.CLEAR_KV); only while idle.
  void clear_kv();
  /// Charges the DMA engine's energy (dma.energy_fj_per_bit) for bits moved per head of a layer
  /// to the heads' routing component (cumulative ledgers; not part of a step's ledger).
  void charge_dma(int layer, double bits_per_head);
  const PhaseSchedule& schedule() const { return schedule_; }
  /// Runs the heads of each layer step on pool's threads (null: on the simulation thread). The
  /// workers only compute (arrays, converters, ledgers); SystemC is used from the simulation
  /// thread alone. Results do not depend on the thread count. Only while idle.
  void set_worker_pool(WorkerPool* pool);

 private:
  /// SC_REPORT_ERROR with the module type and this instance's hierarchical name.
  void report_error(const char* what) const;
  void run();
  /// The step of cmd_ starting at `start`: its arithmetic, energy events and record (rec_). With
  /// a StepObserver it waits for each phase (the thread only) and returns zero; otherwise it
  /// returns the step's duration, for the caller to wait or schedule end_step after.
  sc_core::sc_time execute(const sc_core::sc_time& start);
  /// The end of the step of rec_ (now): routing and static energy, statistics, callbacks.
  void end_step();
  template <typename F>
  void for_heads(F&& fn);
  void begin_phase(Phase ph, double ns, const sc_core::sc_time& at, StepRecord& rec);
  HeadScalers scalers_of(int head) const;
  SubTileActivity estimated_activity(const SubTile& st) const;
  /// Whether layer l holds tokens written without their cells (reports an error naming the
  /// first such sub-tile).
  bool layer_holds_blind_columns(int l);

  const AcceleratorParams& params_;
  PhaseSchedule schedule_;
  const EnergyModel& energy_;
  sc_core::sc_vector<Layer>& layers_;
  AcceleratorStatistics& stats_;
  bool functional_;
  bool step_functional_ = true;  // the running step reads the arrays
  bool keep_kv_ = false;         // keep_kv_in_timing_only
  std::vector<char> blind_;      // per layer: may hold tokens written without cells
  bool busy_ = false;
  StepCommand cmd_;
  sc_core::sc_event start_ev_, end_ev_, done_ev_;
  StepRecord rec_;       // of the running step
  int step_active_ = 0;  // the running step's active sub-tiles
  std::function<void(const StepRecord&)> on_done_;
  StepObserver* observer_ = nullptr;
  TimelineObserver* timeline_ = nullptr;
  std::uint64_t step_index_ = 0;  // of the running step (PhaseEvent::step)
  WorkerPool* pool_ = nullptr;
  std::vector<double> max_q_, max_phi_;  // per head, of the running step
  void charge_idle(int layer, const sc_core::sc_time& until);
  double full_scale_current_ua_ = 0.0;        // largest |g| over the storable range
  long full_scale_code_ = 0;                  // |counter| at a saturated output
  double kv_share_of_arrays_ = 0.0;           // K/V codes' share of the bits routed to the arrays
  std::vector<sc_core::sc_time> idle_since_;  // per layer: end of the idle time charged so far
  EnergyLedger estimate_;  // timing-only: one step's estimated sub-tile energy of one head
  std::vector<int> estimate_tokens_;  // the sub-tiles' token counts estimate_ was built for
  // The energy of a step that is the same for every head (routing, static power; timing-only
  // also the estimated sub-tiles and the digital sum), built once and merged into each head's
  // step ledger: those components are still empty there, so the merge gives each head's ledger
  // exactly the sums adding the events to it one by one gives.
  EnergyLedger common_;
};

}  // namespace gcattn::sc
