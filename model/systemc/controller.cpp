#include "gcattn/systemc/controller.h"

#include <algorithm>
#include <cmath>

#include "gcattn/physics/cell_model.h"
#include "gcattn/systemc/register_map.h"

namespace gcattn::sc {
namespace {

constexpr const char* kMsgType = "gcattn/controller";

}  // namespace

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
  estimate_tokens_.reserve(static_cast<std::size_t>(params.hw.subtiles()));
}

void Controller::start(const StepCommand& cmd, const sc_core::sc_time& delay) {
  if (busy_) SC_REPORT_ERROR(kMsgType, "start() while a command runs (host interface bug)");
  cmd_ = cmd;
  busy_ = true;
  start_ev_.notify(delay);
}

void Controller::charge_idle(int layer, const sc_core::sc_time& until) {
  sc_core::sc_time& since = idle_since_[static_cast<std::size_t>(layer)];
  if (until <= since) return;
  const double ns = (until - since).to_seconds() * 1e9;
  for (int h = 0; h < params_.heads; ++h)
    energy_.static_idle(stats_.ledger_for_update(layer, h), ns);
  since = until;
}

void Controller::charge_idle_until_now() {
  if (busy_)
    SC_REPORT_ERROR(kMsgType, "charge_idle_until_now() while a command runs; call it while idle");
  for (int l = 0; l < params_.layers; ++l) charge_idle(l, sc_core::sc_time_stamp());
}

void Controller::set_functional(bool on) {
  if (busy_) SC_REPORT_ERROR(kMsgType, "set_functional() while a command runs; call it while idle");
  functional_ = on;
}

void Controller::clear_kv() {
  if (busy_) SC_REPORT_ERROR(kMsgType, "clear_kv() while a command runs (host interface bug)");
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
  const sc_core::sc_time d(ns, sc_core::SC_NS);
  if (observer_) observer_->phase_begin(ph, d);
  if (timeline_) {
    timeline_->phase(PhaseEvent{step_index_, cmd_.layer, cmd_.position, cmd_.command, ph, at, d});
  }
}

void Controller::run() {
  using sc_core::SC_NS;
  using sc_core::sc_time;
  for (;;) {
    wait(start_ev_);
    const int D = params_.hw.rows;
    const int H = params_.heads;
    Layer& layer = layers_[static_cast<std::size_t>(cmd_.layer)];
    stats_.begin_step();
    auto ledger = [&](int h) -> EnergyLedger& { return stats_.step_ledger_for_update(h); };
    auto head = [&](int h) -> Head& { return layer.heads[static_cast<std::size_t>(h)]; };
    auto off = [D](int h) { return static_cast<std::ptrdiff_t>(h) * D; };

    step_index_ = stats_.steps();
    StepRecord rec;
    rec.layer = cmd_.layer;
    rec.position = cmd_.position;
    rec.command = cmd_.command;
    rec.start = sc_core::sc_time_stamp();
    rec.activity_estimated = !functional_ && (cmd_.command & regmap::kCmdAttend);
    if (observer_) observer_->step_begin(cmd_, functional_);
    charge_idle(cmd_.layer, rec.start);

    // Phase times. With an observer (VCD) every phase is its own timed wait, so the waveforms
    // show each phase at its simulated time. Without one, nothing outside the controller can
    // see the phase boundaries (the host interface refuses window writes and OUT reads while
    // busy), so the step waits once, for the sum of its phases; each phase's arithmetic still
    // runs at its own start time `now` (leakage in simulated time sees the same instants), and
    // the statistics get every phase's duration. sc_time sums are exact (integer ticks), so the
    // step ends at the same time either way.
    sc_time now = rec.start;
    sc_time pending = sc_core::SC_ZERO_TIME;
    auto end_phase = [&](double ns) {
      const sc_time d(ns, SC_NS);
      if (observer_) {
        wait(d);
      } else {
        pending += d;
      }
      now += d;
    };
    // Active sub-tiles: those holding at least one token (the others are not read). All heads
    // of a layer hold the same token positions.
    auto count_active = [&]() {
      int n = 0;
      for (const auto& st : head(0).subtiles) n += st.tokens() > 0;
      return n;
    };

    if (cmd_.command & regmap::kCmdWriteKv) {
      const double ns = schedule_.durations(1.0, 1.0)[static_cast<std::size_t>(Phase::WriteKV)];
      begin_phase(Phase::WriteKV, ns, now, rec);
      // The heads' target columns lie in 24 different arrays: start all the cache misses first.
      for (int h = 0; h < H; ++h) head(h).prefetch_write(cmd_.position);
      for (int h = 0; h < H; ++h) {
        head(h).write_kv(cmd_.position, cmd_.k + off(h), cmd_.v + off(h), scalers_of(h), now);
        energy_.kv_write(ledger(h), head(h).written_abs_volts(), D);
      }
      end_phase(ns);
    }

    const int active = count_active();
    if (cmd_.command & regmap::kCmdAttend) {
      // Query DACs (their outputs size the data-dependent query window).
      double max_q = 0.0;
      for (int h = 0; h < H; ++h) {
        max_q = std::max(max_q, head(h).apply_query(cmd_.q + off(h), scalers_of(h), functional_));
        energy_.query_pulses(ledger(h), head(h).query_pulses(), D, active);
      }
      rec.max_query_fraction = max_q;
      auto d = schedule_.durations(max_q, 1.0);
      begin_phase(Phase::QueryPulses, d[static_cast<std::size_t>(Phase::QueryPulses)], now, rec);
      if (functional_) {
        for (int h = 0; h < H; ++h) head(h).integrate_query(now, cmd_.position);
      }
      end_phase(d[static_cast<std::size_t>(Phase::QueryPulses)]);

      begin_phase(Phase::ChargeToPulse, d[static_cast<std::size_t>(Phase::ChargeToPulse)], now,
                  rec);
      double max_phi = 1.0;  // timing-only: the full window
      if (functional_) {
        max_phi = 0.0;
        for (int h = 0; h < H; ++h) max_phi = std::max(max_phi, head(h).convert_scores());
      }
      rec.max_phi = max_phi;
      end_phase(d[static_cast<std::size_t>(Phase::ChargeToPulse)]);

      d = schedule_.durations(max_q, max_phi);
      begin_phase(Phase::PhiPulses, d[static_cast<std::size_t>(Phase::PhiPulses)], now, rec);
      if (functional_) {
        for (int h = 0; h < H; ++h) head(h).integrate_phi(now, cmd_.position);
      }
      end_phase(d[static_cast<std::size_t>(Phase::PhiPulses)]);

      begin_phase(Phase::OutputConversion, d[static_cast<std::size_t>(Phase::OutputConversion)],
                  now, rec);
      if (functional_) {
        for (int h = 0; h < H; ++h) {
          head(h).convert_outputs();
          for (const auto& st : head(h).subtiles) {
            if (st.tokens() == 0) continue;  // not an active sub-tile
            energy_.subtile_attend(ledger(h), st.activity(), D);
          }
        }
      } else {
        // The estimated activity depends only on the sub-tiles' token counts, the same for every
        // head of the layer (and for every layer at the same position): build the sub-tiles'
        // ledger when the counts change and add it to each head's.
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
        for (int h = 0; h < H; ++h) ledger(h).merge(estimate_);
      }
      end_phase(d[static_cast<std::size_t>(Phase::OutputConversion)]);

      begin_phase(Phase::DigitalSum, d[static_cast<std::size_t>(Phase::DigitalSum)], now, rec);
      for (int h = 0; h < H; ++h) {
        if (functional_) {
          head(h).digital_sum(scalers_of(h), cmd_.out + off(h));
        } else {
          std::fill(cmd_.out + off(h), cmd_.out + off(h) + D, 0.0f);
        }
        energy_.digital(ledger(h), active, D);
      }
      end_phase(d[static_cast<std::size_t>(Phase::DigitalSum)]);
    }
    if (pending != sc_core::SC_ZERO_TIME) wait(pending);

    rec.end = sc_core::sc_time_stamp();
    const double step_ns = (rec.end - rec.start).to_seconds() * 1e9;
    const RoutingBits bits = energy_.step_routing_bits(active, D);
    const double write_bits = bits.host_in * (2.0 / 3.0) + bits.to_arrays * kv_share_of_arrays_;
    const double route = ((cmd_.command & regmap::kCmdWriteKv) ? write_bits : 0.0) +
                         ((cmd_.command & regmap::kCmdAttend) ? bits.total() - write_bits : 0.0);
    for (int h = 0; h < H; ++h) {
      energy_.routing(ledger(h), route);
      energy_.static_power(ledger(h), step_ns);
    }
    idle_since_[static_cast<std::size_t>(cmd_.layer)] = rec.end;
    busy_ = false;
    stats_.record(rec);
    if (observer_) observer_->step_end(rec);
    if (on_done_) on_done_(rec);
    done_ev_.notify();
  }
}

}  // namespace gcattn::sc
