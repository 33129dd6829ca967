#include "reproduce/workload.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <iomanip>
#include <memory>
#include <optional>
#include <ostream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <boost/json.hpp>
#include <systemc>
#include <tlm>

#include "base/errors.h"
#include "gcattn/area/area_model.h"
#include "gcattn/config/hardware_params.h"
#include "gcattn/numerics/converters.h"
#include "gcattn/numerics/slot_map.h"
#include "gcattn/numerics/subtile.h"
#include "gcattn/power/energy_model.h"
#include "gcattn/power/gpu_reference.h"
#include "gcattn/power/published.h"
#include "gcattn/systemc/accelerator.h"
#include "gcattn/systemc/host_driver.h"
#include "gcattn/systemc/register_map.h"
#include "gcattn/timing/phase_schedule.h"

namespace gcattn::reproduce {
namespace {

// Portable uniform doubles in [0, 1): mt19937_64's sequence is fixed by the standard, the
// conversion here too (std::uniform_real_distribution is implementation defined).
class Uniform {
 public:
  explicit Uniform(std::uint64_t seed) : rng_(seed) {}
  double operator()() { return static_cast<double>(rng_() >> 11) * 0x1.0p-53; }

 private:
  std::mt19937_64 rng_;
};

// The host sends float32 words; the numerics path rounds its inputs the same way.
double as_float(double x) {
  return static_cast<double>(static_cast<float>(x));
}

std::uint64_t head_seed(std::uint64_t seed, int layer, int head, int heads) {
  return seed * 0x9E3779B97F4A7C15ULL + static_cast<std::uint64_t>(layer * heads + head + 1);
}

// Mean activity of a head step, accumulated over heads and steps.
struct ActivitySum {
  SubTileActivity act;
  double pulses = 0.0, bits = 0.0;
  void store(WorkloadResult& r, double n) const {
    r.has_activity = true;
    r.active_columns = act.active_columns / n;
    r.firing_columns = act.firing_columns / n;
    r.phi_sum = act.phi_sum / n;
    r.k_read_activity = act.k_read_activity / n;
    r.v_read_activity = act.v_read_activity / n;
    r.counter_steps = static_cast<double>(act.counter_steps) / n;
    r.query_pulses = pulses / n;
    r.routing_bits = bits / n;
  }
};

}  // namespace

// The numerics path: per head a bank of SubTileModels (the arrays of gcattn::numerics) driven
// step by step exactly as the accelerator's controller sequences a layer step, with the energy
// events of EnergyModel's documented call protocol.
WorkloadResult run_numerics(const Config& cfg, const Workload& w) {
  const HardwareParams hw = HardwareParams::from(cfg);
  const PhaseSchedule schedule = PhaseSchedule::from(cfg);
  const EnergyModel energy = EnergyModel::from(cfg);
  const PulseWidthDac q_dac = PulseWidthDac::from(hw);
  const WriteDac kv_dac = WriteDac::from(hw);
  const int rows = hw.rows, cols = hw.cols, subtiles = hw.subtiles(), window = hw.window_tokens;

  WorkloadResult res;
  res.path = "numerics (gcattn::numerics sub-tiles + EnergyModel; not the SystemC model)";
  res.fill_tokens = window;
  // Layers run one after the other; the worst-case step sets the token period.
  const double step_ns = schedule.total_ns();
  res.token_period_ns = step_ns * w.layers;

  std::vector<double> kv(2 * static_cast<std::size_t>(rows)), q(static_cast<std::size_t>(rows));
  std::vector<double> s(static_cast<std::size_t>(cols)), phi(static_cast<std::size_t>(cols));
  std::vector<double> a(static_cast<std::size_t>(rows)), out(static_cast<std::size_t>(rows));
  // Step latency per (layer, measured step): the slowest head of the layer.
  std::vector<double> layer_step_ns(static_cast<std::size_t>(w.layers) * w.measured_steps, 0.0);
  EnergyLedger sum;
  ActivitySum acts;

  for (int l = 0; l < w.layers; ++l) {
    for (int h = 0; h < w.heads; ++h) {
      Uniform u(head_seed(w.seed, l, h, w.heads));
      std::vector<SubTileModel> tiles(static_cast<std::size_t>(subtiles), SubTileModel(hw));
      auto draw_kv = [&] {
        for (int d = 0; d < 2 * rows; ++d) {
          kv[static_cast<std::size_t>(d)] =
              kv_dac.volts(as_float(hw.kv_v_min_v + (hw.kv_v_max_v - hw.kv_v_min_v) * u()));
        }
      };
      auto step_start_s = [&](std::int64_t token) {
        return (static_cast<double>(token) * res.token_period_ns + l * step_ns) * 1e-9;
      };
      auto write = [&](std::int64_t token) {
        const WindowSlot at = slot_of(token, window, cols);
        tiles[static_cast<std::size_t>(at.subtile)].write(at.column, kv.data(), kv.data() + rows,
                                                          step_start_s(token), token);
      };
      // Fill the window: token steps 0 .. window-1 write their K/V (energy not counted). Their
      // queries are drawn and dropped, so both paths consume the same data stream per head.
      for (std::int64_t t = 0; t < window; ++t) {
        draw_kv();
        write(t);
        for (int d = 0; d < rows; ++d) (void)u();
      }
      // Measured token steps with a full window.
      for (int m = 0; m < w.measured_steps; ++m) {
        const std::int64_t token = window + m;
        EnergyLedger step;
        draw_kv();
        write(token);
        energy.kv_write(step, kv.data(), kv.data() + rows, rows);
        double max_q = 0.0, max_phi = 0.0;
        for (int d = 0; d < rows; ++d) {
          q[static_cast<std::size_t>(d)] = q_dac.fraction(as_float(u()));
          max_q = std::max(max_q, q[static_cast<std::size_t>(d)]);
          acts.pulses += q[static_cast<std::size_t>(d)] > 0.0;
        }
        int active = 0;
        for (const auto& t : tiles) active += t.k_array().valid_columns() > 0;
        energy.query(step, q.data(), rows, active);
        // The arrays are read after the write phase (leakage uses simulated time).
        const double now_s = step_start_s(token) + schedule.duration(Phase::WriteKV) * 1e-9;
        for (const auto& t : tiles) {
          const SubTileActivity act =
              t.attend(q.data(), now_s, token, s.data(), phi.data(), a.data(), out.data());
          energy.subtile_attend(step, act, rows);
          for (double p : phi) max_phi = std::max(max_phi, p);
          acts.act += act;
        }
        energy.digital(step, active, rows);
        const double bits = energy.step_routing_bits(active, rows).total();
        energy.routing(step, bits);
        acts.bits += bits;
        double dur = 0.0;
        for (double d : schedule.durations(max_q, max_phi)) dur += d;
        energy.static_power(step, dur);
        energy.static_idle(step, std::max(0.0, res.token_period_ns - dur));
        auto& lat = layer_step_ns[static_cast<std::size_t>(l) * w.measured_steps + m];
        lat = std::max(lat, dur);
        sum.merge(step);
      }
    }
  }
  const double n = static_cast<double>(w.layers) * w.heads * w.measured_steps;
  for (std::size_t i = 0; i < kEnergyComponentCount; ++i) {
    const auto c = static_cast<EnergyComponent>(i);
    res.per_head_token.add(c, sum.component(c) / n);
  }
  acts.store(res, n);
  double lat = 0.0;
  for (double x : layer_step_ns) lat += x;
  res.latency_ns = lat / static_cast<double>(layer_step_ns.size());
  return res;
}

namespace {

// The SystemC path: the accelerator (gcattn::sc::Accelerator) driven through its TLM-2.0 target
// socket by the project's initiator (gcattn::sc::HostDriver, loosely timed, DMI on the data
// windows, completion by interrupt, no host gap: layer steps follow each other as in the paper's
// 12 x 65 ns token period, plus the host-interface transfers). Energies are the differences of
// the accelerator's per-(layer, head) ledgers over the measured steps.
class ReproduceBench : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(ReproduceBench);
  ReproduceBench(const sc_core::sc_module_name& name, const Config& cfg, const Workload& w)
      : sc_module(name),
        accel("accelerator", cfg),
        host("host", sc::Coding::LooselyTimed),
        irq("irq"),
        w_(w),
        hw_(HardwareParams::from(cfg)),
        energy_(EnergyModel::from(cfg)) {
    host.socket.bind(accel.socket());
    accel.irq(irq);
    host.irq(irq);
    host.set_use_dmi(true);
    SC_THREAD(run);
  }

  sc::Accelerator accel;
  sc::HostDriver host;
  sc_core::sc_signal<bool> irq;

  const WorkloadResult& result() const { return res_; }
  std::exception_ptr error() const { return error_; }
  bool done() const { return done_; }

 private:
  void run() {
    try {
      drive();
      done_ = true;
    } catch (const sc::HostAccessError& e) {
      error_ = std::make_exception_ptr(SimulationError(std::string("host interface: ") + e.what()));
    } catch (...) {
      error_ = std::current_exception();
    }
    // Returning ends the simulation: nothing else is scheduled once the accelerator is idle.
  }

  void drive() {
    const auto geo = host.identify();
    if (geo.layers != w_.layers || geo.heads != w_.heads || geo.dim != hw_.rows) {
      throw SimulationError("the accelerator reports " + std::to_string(geo.layers) + " layers x " +
                            std::to_string(geo.heads) + " heads x " + std::to_string(geo.dim) +
                            ", the workload needs " + std::to_string(w_.layers) + " x " +
                            std::to_string(w_.heads) + " x " + std::to_string(hw_.rows));
    }
    const int L = w_.layers, H = w_.heads, D = hw_.rows, M = geo.window;
    // Hardware-range inputs: identity q, k, v scalers (the DACs still clamp and quantise).
    for (int l = 0; l < L; ++l) {
      for (int h = 0; h < H; ++h) {
        HeadScalers s = hw_.default_scalers;
        s.q = {1.0, 0.0};
        s.k = {1.0, 0.0};
        s.v = {1.0, 0.0};
        host.set_scalers(l, h, s);
      }
    }
    std::vector<Uniform> gen;
    for (int l = 0; l < L; ++l) {
      for (int h = 0; h < H; ++h) gen.emplace_back(head_seed(w_.seed, l, h, H));
    }
    const std::size_t n = geo.words();
    std::vector<float> k(n), v(n), q(n), out(n);
    const double lo = hw_.kv_v_min_v, span = hw_.kv_v_max_v - hw_.kv_v_min_v;
    // Same draw order per (layer, head) as the numerics path: k[rows], v[rows], then q[rows].
    auto draw = [&](int l, bool with_q) {
      for (int h = 0; h < H; ++h) {
        Uniform& u = gen[static_cast<std::size_t>(l * H + h)];
        for (int d = 0; d < D; ++d)
          k[static_cast<std::size_t>(h * D + d)] = static_cast<float>(lo + span * u());
        for (int d = 0; d < D; ++d)
          v[static_cast<std::size_t>(h * D + d)] = static_cast<float>(lo + span * u());
        if (with_q) {
          for (int d = 0; d < D; ++d)
            q[static_cast<std::size_t>(h * D + d)] = static_cast<float>(u());
        }
      }
    };
    // Fill the window: M full token steps (write + attend in every layer) in timing-only mode:
    // K/V are stored, the array arithmetic is skipped, and every token is written one full token
    // period after the previous one, as in steady-state decoding (the leakage sees real ages).
    accel.keep_kv_in_timing_only(true);  // the measured steps read them
    accel.set_functional(false);
    for (int t = 0; t < M; ++t) {
      for (int l = 0; l < L; ++l) {
        draw(l, true);
        host.step(l, static_cast<std::uint32_t>(t),
                  sc::regmap::kCmdWriteKv | sc::regmap::kCmdAttend, k.data(), v.data(), q.data(),
                  out.data());
      }
    }
    host.sync();
    accel.set_functional(true);
    accel.charge_idle_energy();
    const auto& st = accel.statistics();
    std::vector<EnergyLedger> before;
    for (int l = 0; l < L; ++l) {
      for (int h = 0; h < H; ++h) before.push_back(st.ledger(l, h));
    }
    const double t0_ns = sc_core::sc_time_stamp().to_seconds() * 1e9;
    // Measured token steps: write the new token and attend, layer after layer.
    ActivitySum acts;
    double step_sum_ns = 0.0;
    for (int m = 0; m < w_.measured_steps; ++m) {
      const auto token = static_cast<std::uint32_t>(M + m);
      for (int l = 0; l < L; ++l) {
        draw(l, true);
        host.step(l, token, sc::regmap::kCmdWriteKv | sc::regmap::kCmdAttend, k.data(), v.data(),
                  q.data(), out.data());
        const sc::StepRecord& rec = st.last_step();
        step_sum_ns += (rec.end - rec.start).to_seconds() * 1e9;
        for (int h = 0; h < H; ++h) {
          const sc::Head& head = accel.head(l, h);
          int active = 0;
          for (const auto& sub : head.subtiles) {
            const SubTileActivity& a = sub.activity();
            acts.act += a;
            active += sub.k_array.model().valid_columns() > 0;
          }
          for (int d = 0; d < D; ++d) acts.pulses += head.query_fractions()[d] > 0.0;
          acts.bits += energy_.step_routing_bits(active, D).total();
        }
      }
    }
    host.sync();
    accel.charge_idle_energy();
    const double steps = static_cast<double>(L) * w_.measured_steps;
    const double n_head_steps = steps * H;
    res_.latency_ns = step_sum_ns / steps;
    res_.token_period_ns =
        (sc_core::sc_time_stamp().to_seconds() * 1e9 - t0_ns) / w_.measured_steps;
    res_.fill_tokens = M;
    res_.path =
        "systemc (gcattn::sc::Accelerator through its TLM-2.0 socket, driven by "
        "gcattn::sc::HostDriver; "
        "energies from its per-head ledgers)";
    EnergyLedger diff;
    for (int l = 0; l < L; ++l) {
      for (int h = 0; h < H; ++h) {
        const EnergyLedger& after = st.ledger(l, h);
        const EnergyLedger& b = before[static_cast<std::size_t>(l * H + h)];
        for (std::size_t i = 0; i < kEnergyComponentCount; ++i) {
          const auto c = static_cast<EnergyComponent>(i);
          const double d = after.component(c) - b.component(c);
          // Ledgers only grow: a difference below zero can only be rounding of equal sums.
          if (d < -1e-9 * std::fabs(after.component(c))) {
            throw SimulationError(std::string("energy ledger of layer ") + std::to_string(l) +
                                  " head " + std::to_string(h) + " shrank in component " +
                                  component_name(c));
          }
          diff.add(c, std::max(d, 0.0));
        }
      }
    }
    for (std::size_t i = 0; i < kEnergyComponentCount; ++i) {
      const auto c = static_cast<EnergyComponent>(i);
      res_.per_head_token.add(c, diff.component(c) / n_head_steps);
    }
    acts.store(res_, n_head_steps);
  }

  Workload w_;
  HardwareParams hw_;
  EnergyModel energy_;
  WorkloadResult res_;
  std::exception_ptr error_;
  bool done_ = false;
};

}  // namespace

WorkloadResult run_systemc(Config cfg, const Workload& w) {
  cfg.set("model.layers", std::to_string(w.layers), "reproduce workload");
  cfg.set("model.heads", std::to_string(w.heads), "reproduce workload");
  cfg.set("model.functional", "true", "reproduce workload");
  // On the heap: the accelerator's module tree is large.
  const auto bench_ptr = std::make_unique<ReproduceBench>("reproduce", cfg, w);
  ReproduceBench& bench = *bench_ptr;
  try {
    sc_core::sc_start();
  } catch (const sc_core::sc_report& e) {
    throw SimulationError(std::string("SystemC report: ") + e.what());
  }
  if (bench.error()) std::rethrow_exception(bench.error());
  if (!bench.done()) {
    throw SimulationError("the simulation stopped at " + sc_core::sc_time_stamp().to_string() +
                          " before the calibration workload completed (a command never finished)");
  }
  return bench.result();
}

}  // namespace gcattn::reproduce
