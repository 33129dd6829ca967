#include "gcattn/systemc/controller.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "gcattn/parallel/worker_pool.h"
#include "gcattn/physics/cell_model.h"
#include "gcattn/systemc/register_map.h"

namespace gcattn::sc {
namespace {

constexpr const char* kMsgType = "gcattn/controller";

}  // namespace

void Controller::report_error(const char* what) const {
  SC_REPORT_ERROR(kMsgType, (std::string(name()) + ": " + what).c_str());
}

Controller::Controller(const sc_core::sc_module_name& name, const AcceleratorParams& params,
                       const PhaseSchedule& schedule, const EnergyModel& energy,
                       sc_core::sc_vector<Layer>& layers, AcceleratorStatistics& stats)
    : sc_core::sc_module(name),
      params_(params),
      schedule_(schedule),
      energy_(energy),
      layers_(layers),
      stats_(stats),
      functional_(params.functional) {
  SC_THREAD(run);
  SC_METHOD(end_step);
  sensitive << end_ev_;
  dont_initialize();
  // Full-scale cell current over the storable range, for the timing-only activity estimate.
  const CellModel cell = CellModel::from(params.hw);
  const double u_lo = params.hw.kv_v_min_v - params.hw.v_mid_v;
  const double u_hi = params.hw.kv_v_max_v - params.hw.v_mid_v;
  constexpr int kSamples = 64;
  for (int i = 0; i <= kSamples; ++i) {
    const double u = u_lo + (u_hi - u_lo) * i / kSamples;
    full_scale_current_ua_ = std::max(full_scale_current_ua_, std::fabs(cell.current_ua(u)));
  }
  full_scale_code_ = std::labs(OutputConverter::from(params.hw).code(params.hw.a_sat_ua));
  // Split of a full step's routing bits between the WRITE_KV and ATTEND halves of a command.
  const double kv = 2.0 * energy.kv_code_bits();
  const double all = kv + energy.query_code_bits();
  kv_share_of_arrays_ = kv / all;
  idle_since_.assign(static_cast<std::size_t>(params.layers), sc_core::SC_ZERO_TIME);
  blind_.assign(static_cast<std::size_t>(params.layers), 0);
  max_q_.assign(static_cast<std::size_t>(params.heads), 0.0);
  max_phi_.assign(static_cast<std::size_t>(params.heads), 0.0);
  estimate_tokens_.reserve(static_cast<std::size_t>(params.hw.subtiles()));
}

void Controller::charge_idle(int layer, const sc_core::sc_time& until) {
  sc_core::sc_time& since = idle_since_[static_cast<std::size_t>(layer)];
  if (until <= since) return;
  const double ns = (until - since).to_seconds() * 1e9;
  EnergyLedger* heads = &stats_.ledger_for_update(layer, 0);  // [layer][head]: contiguous
  energy_.static_idle(heads, heads + params_.heads, ns);
  since = until;
}

void Controller::charge_idle_until_now() {
  if (busy_) report_error("charge_idle_until_now() while a command runs; call it while idle");
  for (int l = 0; l < params_.layers; ++l) charge_idle(l, sc_core::sc_time_stamp());
}

void Controller::set_functional(bool on) {
  if (busy_) report_error("set_functional() while a command runs; call it while idle");
  functional_ = on;
}

void Controller::keep_kv_in_timing_only(bool on) {
  if (busy_) report_error("keep_kv_in_timing_only() while a command runs; call it while idle");
  keep_kv_ = on;
}

bool Controller::layer_holds_blind_columns(int l) {
  if (!blind_[static_cast<std::size_t>(l)]) return false;
  const Layer& layer = layers_[static_cast<std::size_t>(l)];
  for (const auto& head : layer.heads) {
    for (const auto& st : head.subtiles) {
      if (st.blind_columns() == 0) continue;
      SC_REPORT_ERROR(
          kMsgType,
          (st.name() +
           ": holds tokens written by timing-only steps (model.functional = false), whose cells "
           "were not stored, and a functional step would read them. Clear the KV cache "
           "(CONTROL.CLEAR_KV) before the first functional step, or call "
           "Accelerator::keep_kv_in_timing_only(true) before the timing-only ones; this step runs "
           "timing-only")
              .c_str());
      return true;
    }
  }
  blind_[static_cast<std::size_t>(l)] = 0;  // rewritten since: nothing blind in this layer
  return false;
}

void Controller::clear_kv() {
  if (busy_) report_error("clear_kv() while a command runs (host interface bug)");
  std::fill(blind_.begin(), blind_.end(), 0);
  for (auto& layer : layers_) {
    for (auto& head : layer.heads) head.clear();
  }
}

void Controller::charge_dma(int layer, double bits_per_head) {
  if (params_.dma.energy_fj_per_bit <= 0.0 || bits_per_head <= 0.0) return;
  const double pj = bits_per_head * params_.dma.energy_fj_per_bit * 1e-3;  // fJ -> pJ
  for (int h = 0; h < params_.heads; ++h)
    stats_.ledger_for_update(layer, h).add(EnergyComponent::Routing, pj);
}

HeadScalers Controller::scalers_of(int head) const {
  const float* s = cmd_.scalers + static_cast<std::ptrdiff_t>(head) * regmap::kScalerWords;
  return regmap::unpack_scalers(s);
}

SubTileActivity Controller::estimated_activity(const SubTile& st) const {
  // model.estimated_activity_fraction of full scale: every pulse at t_max, every written cell at
  // the largest |read current|, every counter at full scale.
  const double f = params_.estimated_activity_fraction;
  const int active = st.tokens();
  const double rows = params_.hw.rows;
  SubTileActivity a;
  a.active_columns = active;
  a.firing_columns = static_cast<int>(std::lround(f * active));
  a.phi_sum = f * active;
  a.k_read_activity = f * active * rows * full_scale_current_ua_;
  a.v_read_activity = f * active * rows * full_scale_current_ua_;
  a.counter_steps = std::lround(f * rows * full_scale_code_);
  return a;
}

void Controller::begin_phase(Phase ph, double ns, const sc_core::sc_time& at, StepRecord& rec) {
  rec.phase_ns[static_cast<std::size_t>(ph)] = ns;
  if (!observer_ && !timeline_) return;  // (an sc_time from a double costs a division)
  const sc_core::sc_time d(ns, sc_core::SC_NS);
  if (observer_) observer_->phase_begin(ph, d);
  if (timeline_) {
    timeline_->phase(PhaseEvent{step_index_, cmd_.layer, cmd_.position, cmd_.command, ph, at, d});
  }
}

void Controller::set_worker_pool(WorkerPool* pool) {
  if (busy_) report_error("set_worker_pool() while a command runs; call it while idle");
  pool_ = pool;
}

template <typename F>
void Controller::for_heads(F&& fn) {
  const int H = params_.heads;
  // Timing-only steps are a few microseconds of work per head: handing them to other threads
  // costs more than it saves.
  if (pool_ && step_functional_) {
    pool_->for_each(H, fn);
  } else {
    for (int h = 0; h < H; ++h) fn(h);
  }
}

void Controller::start(const StepCommand& cmd, const sc_core::sc_time& delay) {
  if (busy_) report_error("start() while a command runs (host interface bug)");
  cmd_ = cmd;
  busy_ = true;
  if (observer_ || timeline_) {  // phase by phase on the thread, in simulated-time order
    start_ev_.notify(delay);
    return;
  }
  // Nothing outside the controller sees a step before it ends (the host interface refuses window
  // writes and OUT reads while busy): its arithmetic runs here, for the step's start time, and
  // only its end is scheduled (end_step, a method), instead of waking the thread twice a step.
  const sc_core::sc_time pending = execute(sc_core::sc_time_stamp() + delay);
  end_ev_.notify(delay + pending);
}

void Controller::run() {
  for (;;) {
    wait(start_ev_);
    const sc_core::sc_time pending = execute(sc_core::sc_time_stamp());
    if (pending != sc_core::SC_ZERO_TIME) wait(pending);
    end_step();
  }
}

sc_core::sc_time Controller::execute(const sc_core::sc_time& start) {
  using sc_core::SC_NS;
  using sc_core::sc_time;
  StepRecord& rec = rec_;
  rec = StepRecord{};
  const int D = params_.hw.rows;
  const int H = params_.heads;
  Layer& layer = layers_[static_cast<std::size_t>(cmd_.layer)];
  stats_.begin_step();
  auto ledger = [&](int h) -> EnergyLedger& { return stats_.step_ledger_for_update(h); };
  auto head = [&](int h) -> Head& { return layer.heads[static_cast<std::size_t>(h)]; };
  auto off = [D](int h) { return static_cast<std::ptrdiff_t>(h) * D; };
  const bool write = cmd_.command & regmap::kCmdWriteKv;
  const bool attend = cmd_.command & regmap::kCmdAttend;

  step_index_ = stats_.steps();
  // A functional step reads the layer's arrays: not if a timing-only step left tokens without
  // cells (reported; the step then runs timing-only). Timing-only steps store no cells unless
  // keep_kv_in_timing_only.
  step_functional_ = functional_ && !(attend && layer_holds_blind_columns(cmd_.layer));
  const bool store = step_functional_ || keep_kv_;
  if (write && !store) blind_[static_cast<std::size_t>(cmd_.layer)] = 1;
  rec.layer = cmd_.layer;
  rec.position = cmd_.position;
  rec.command = cmd_.command;
  rec.start = start;
  rec.activity_estimated = !step_functional_ && attend;
  if (observer_) observer_->step_begin(cmd_, step_functional_);
  charge_idle(cmd_.layer, rec.start);

  // Active sub-tiles after this step's write: those holding at least one token (the others are
  // not read). All heads of a layer hold the same token positions, so head 0 tells, and the
  // write adds one only when it lands in an empty sub-tile. Known before the heads run, so
  // that no head reads another's state while they work in parallel.
  int active = 0;
  for (const auto& st : head(0).subtiles) active += st.tokens() > 0;
  if (write) {
    const WindowSlot at = head(0).slot(cmd_.position);
    active += head(0).subtiles[static_cast<std::size_t>(at.subtile)].tokens() == 0;
  }

  // The work of each phase for one head. A head touches only its own arrays, its ledger and
  // its slots of max_q_/max_phi_, so the heads of the layer run on the worker pool, if any,
  // in any order: results are the same for any thread count. The energy events of a head
  // keep their order (write, query, sub-tiles, digital), so its ledger sums are too.
  const double write_ns = schedule_.durations(1.0, 1.0)[static_cast<std::size_t>(Phase::WriteKV)];
  auto write_head = [&](int h, const sc_time& t) {
    head(h).write_kv(cmd_.position, cmd_.k + off(h), cmd_.v + off(h), scalers_of(h), t, store);
    energy_.kv_write(ledger(h), head(h).written_abs_volts(), D);
  };
  auto query_head = [&](int h) {  // query DACs: their outputs size the data-dependent window
    max_q_[static_cast<std::size_t>(h)] =
        head(h).apply_query(cmd_.q + off(h), scalers_of(h), step_functional_);
    energy_.query_pulses(ledger(h), head(h).query_pulses(), D, active);
  };
  auto scores_head = [&](int h, const sc_time& t) {
    head(h).integrate_query(t, cmd_.position);
    max_phi_[static_cast<std::size_t>(h)] = head(h).convert_scores();
  };
  auto outputs_head = [&](int h, const sc_time& t) {
    head(h).integrate_phi(t, cmd_.position);
    head(h).convert_outputs();
    for (const auto& st : head(h).subtiles) {
      if (st.tokens() == 0) continue;  // not an active sub-tile
      energy_.subtile_attend(ledger(h), st.activity(), D);
    }
  };
  auto sum_head = [&](int h) {
    head(h).digital_sum(scalers_of(h), cmd_.out + off(h));
    energy_.digital(ledger(h), active, D);
  };
  auto largest = [H](const std::vector<double>& v, double floor) {
    double m = floor;
    for (int h = 0; h < H; ++h) m = std::max(m, v[static_cast<std::size_t>(h)]);
    return m;
  };
  // Timing-only: the estimated activity depends only on the sub-tiles' token counts, the same
  // for every head of the layer (and for every layer at the same position): build the
  // sub-tiles' ledger when the counts change. OUT reads 0.
  auto estimate = [&]() -> const EnergyLedger& {
    bool same = estimate_tokens_.size() == head(0).subtiles.size();
    for (std::size_t m = 0; same && m < estimate_tokens_.size(); ++m)
      same = estimate_tokens_[m] == head(0).subtiles[m].tokens();
    if (!same) {
      estimate_.clear();
      estimate_tokens_.clear();
      for (const auto& st : head(0).subtiles) {
        estimate_tokens_.push_back(st.tokens());
        if (st.tokens() == 0) continue;
        energy_.subtile_attend(estimate_, estimated_activity(st), D);
      }
    }
    return estimate_;
  };
  auto estimate_outputs = [&]() {
    const EnergyLedger& e = estimate();
    for (int h = 0; h < H; ++h) ledger(h).merge(e);
  };
  auto estimate_sums = [&]() {
    for (int h = 0; h < H; ++h) {
      std::fill(cmd_.out + off(h), cmd_.out + off(h) + D, 0.0f);
      energy_.digital(ledger(h), active, D);
    }
  };
  common_.clear();

  // The heads' target columns are far apart in memory (and rarely cached): their cache misses
  // overlap when every head's are started here rather than one head after the other. A step
  // that stores no cells (timing-only) does not touch them.
  if (write && store) {
    for (int h = 0; h < H; ++h) head(h).prefetch_write(cmd_.position);
  }
  const sc_time t_write = rec.start;
  const sc_time write_time(write_ns, SC_NS);
  const sc_time t_query = write ? t_write + write_time : t_write;
  if (write) begin_phase(Phase::WriteKV, write_ns, t_write, rec);
  if (observer_) {
    // Every phase is its own timed wait, so the waveforms show each phase at its simulated
    // time and the observer sees the state of each phase boundary.
    if (write) {
      for_heads([&](int h) { write_head(h, t_write); });
      wait(write_time);
    }
    if (attend) {
      for_heads(query_head);
      rec.max_query_fraction = largest(max_q_, 0.0);
      auto d = schedule_.durations(rec.max_query_fraction, 1.0);
      auto phase = [&](Phase ph) { return d[static_cast<std::size_t>(ph)]; };
      begin_phase(Phase::QueryPulses, phase(Phase::QueryPulses), t_query, rec);
      if (step_functional_)
        for_heads([&](int h) { head(h).integrate_query(t_query, cmd_.position); });
      wait(sc_time(phase(Phase::QueryPulses), SC_NS));
      begin_phase(Phase::ChargeToPulse, phase(Phase::ChargeToPulse),
                  t_query + sc_time(phase(Phase::QueryPulses), SC_NS), rec);
      if (step_functional_)
        for_heads([&](int h) { max_phi_[static_cast<std::size_t>(h)] = head(h).convert_scores(); });
      rec.max_phi = step_functional_ ? largest(max_phi_, 0.0) : 1.0;  // timing-only: full window
      wait(sc_time(phase(Phase::ChargeToPulse), SC_NS));
      const sc_time t_phi = t_query + sc_time(phase(Phase::QueryPulses), SC_NS) +
                            sc_time(phase(Phase::ChargeToPulse), SC_NS);
      d = schedule_.durations(rec.max_query_fraction, rec.max_phi);
      begin_phase(Phase::PhiPulses, phase(Phase::PhiPulses), t_phi, rec);
      if (step_functional_) for_heads([&](int h) { head(h).integrate_phi(t_phi, cmd_.position); });
      wait(sc_time(phase(Phase::PhiPulses), SC_NS));
      const sc_time t_out = t_phi + sc_time(phase(Phase::PhiPulses), SC_NS);
      begin_phase(Phase::OutputConversion, phase(Phase::OutputConversion), t_out, rec);
      if (step_functional_) {
        for_heads([&](int h) {
          head(h).convert_outputs();
          for (const auto& st : head(h).subtiles) {
            if (st.tokens() != 0) energy_.subtile_attend(ledger(h), st.activity(), D);
          }
        });
      } else {
        estimate_outputs();
      }
      wait(sc_time(phase(Phase::OutputConversion), SC_NS));
      begin_phase(Phase::DigitalSum, phase(Phase::DigitalSum),
                  t_out + sc_time(phase(Phase::OutputConversion), SC_NS), rec);
      if (step_functional_) {
        for_heads(sum_head);
      } else {
        estimate_sums();
      }
      wait(sc_time(phase(Phase::DigitalSum), SC_NS));
    }
  } else {
    // Nothing outside the controller can see the phase boundaries (the host interface refuses
    // window writes and OUT reads while busy), so the step waits once, for the sum of its
    // phases, and each head runs its phases back to back in two parallel sections (before and
    // after the query window is known); each phase's arithmetic still uses its own start time
    // (leakage in simulated time sees the same instants). sc_time sums are exact (integer
    // ticks), so the step ends at the same time as with an observer.
    sc_time pending = write ? write_time : sc_core::SC_ZERO_TIME;
    if (write || attend) {
      for_heads([&](int h) {
        if (write) write_head(h, t_write);
        if (attend) query_head(h);
      });
    }
    if (attend) {
      rec.max_query_fraction = largest(max_q_, 0.0);
      const auto dq = schedule_.durations(rec.max_query_fraction, 1.0);
      const sc_time query_time(dq[static_cast<std::size_t>(Phase::QueryPulses)], SC_NS);
      const sc_time cpc_time(dq[static_cast<std::size_t>(Phase::ChargeToPulse)], SC_NS);
      const sc_time t_phi = t_query + query_time + cpc_time;
      if (step_functional_) {
        for_heads([&](int h) {
          scores_head(h, t_query);
          outputs_head(h, t_phi);
          sum_head(h);
        });
        rec.max_phi = largest(max_phi_, 0.0);
      } else {
        rec.max_phi = 1.0;          // timing-only: the full window
        common_.merge(estimate());  // the heads' shares: merged with the routing below
        std::fill(cmd_.out, cmd_.out + static_cast<std::ptrdiff_t>(H) * D, 0.0f);
        energy_.digital(common_, active, D);
      }
      const auto d = schedule_.durations(rec.max_query_fraction, rec.max_phi);
      begin_phase(Phase::QueryPulses, dq[static_cast<std::size_t>(Phase::QueryPulses)],
                  t_write + pending, rec);
      pending += query_time;
      begin_phase(Phase::ChargeToPulse, dq[static_cast<std::size_t>(Phase::ChargeToPulse)],
                  t_write + pending, rec);
      pending += cpc_time;
      for (Phase ph : {Phase::PhiPulses, Phase::OutputConversion, Phase::DigitalSum}) {
        begin_phase(ph, d[static_cast<std::size_t>(ph)], t_write + pending, rec);
        pending += sc_time(d[static_cast<std::size_t>(ph)], SC_NS);
      }
    }
    step_active_ = active;
    return pending;  // the caller waits (thread) or schedules the end (start())
  }
  step_active_ = active;
  return sc_core::SC_ZERO_TIME;  // the phases waited for above
}

void Controller::end_step() {
  StepRecord& rec = rec_;
  const int D = params_.hw.rows;
  const int H = params_.heads;
  const bool write = cmd_.command & regmap::kCmdWriteKv;
  const bool attend = cmd_.command & regmap::kCmdAttend;
  rec.end = sc_core::sc_time_stamp();
  const double step_ns = (rec.end - rec.start).to_seconds() * 1e9;
  const RoutingBits bits = energy_.step_routing_bits(step_active_, D);
  const double write_bits = bits.host_in * (2.0 / 3.0) + bits.to_arrays * kv_share_of_arrays_;
  const double route = (write ? write_bits : 0.0) + (attend ? bits.total() - write_bits : 0.0);
  energy_.routing(common_, route);
  energy_.static_power(common_, step_ns);
  for (int h = 0; h < H; ++h) stats_.step_ledger_for_update(h).merge(common_);
  idle_since_[static_cast<std::size_t>(cmd_.layer)] = rec.end;
  busy_ = false;
  stats_.record(rec);
  if (observer_) observer_->step_end(rec);
  if (on_done_) on_done_(rec);
  done_ev_.notify();
}

}  // namespace gcattn::sc
