// gcattn reproduce [--json FILE]: the calibration workload of docs/validation.md, published vs
// simulated figures side by side.
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
#include "cli/commands.h"
#include "cli/options.h"
#include "gcattn/area/area_model.h"
#include "gcattn/config/hardware_params.h"
#include "gcattn/numerics/converters.h"
#include "gcattn/numerics/subtile.h"
#include "gcattn/power/energy_model.h"
#include "gcattn/power/gpu_reference.h"
#include "gcattn/power/published.h"
#include "gcattn/systemc/accelerator.h"
#include "gcattn/systemc/host_driver.h"
#include "gcattn/systemc/register_map.h"
#include "gcattn/timing/phase_schedule.h"
#include "io/atomic_file.h"
#include "io/output_paths.h"

namespace gcattn::cli {
namespace {

struct Workload {
  int layers = 0;
  int heads = 0;
  int measured_steps = 4;
  std::uint64_t seed = 1;
};

struct WorkloadResult {
  EnergyLedger per_head_token;   // average over layers, heads and measured steps
  double latency_ns = 0.0;       // mean layer-step latency over the measured steps
  double token_period_ns = 0.0;  // simulated time between tokens of one layer
  std::string path;              // which model ran
  int fill_tokens = 0;
  // Mean activity per head and token step, for docs/validation.md.
  bool has_activity = false;
  double active_columns = 0, firing_columns = 0, phi_sum = 0, k_read_activity = 0,
         v_read_activity = 0, counter_steps = 0, query_pulses = 0, routing_bits = 0;
};

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
        const int slot = static_cast<int>(token % window);
        tiles[static_cast<std::size_t>(slot / cols)].write(slot % cols, kv.data(), kv.data() + rows,
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

struct Row {
  std::string quantity, unit;
  std::optional<double> published;
  double simulated = 0.0;
  double tolerance = 0.0;  // relative; 0: not checked
};

// The four parameters that close the published categories (source "derived" in the schema).
// Each feeds exactly one component, in proportion: component C = b * p, so the category is
// E = (E - C) + C * p' / p and p* = p * (published - (E - C)) / C. Static also holds the idle
// power; the closing is exact when energy.idle_power_mw = 0 (the paper preset).
struct Closing {
  const char* key;
  const char* quantity;
  EnergyComponent component;
};
constexpr Closing kClosing[] = {
    {"energy.kv_dac_power_uw", "energy_dac_pj", EnergyComponent::KvWriteDac},
    {"energy.cpc_fj_per_conversion", "energy_qk_pj", EnergyComponent::ChargeToPulse},
    {"energy.output_converter_fj_per_conversion", "energy_av_pj", EnergyComponent::OutputConverter},
    {"energy.static_power_mw", "energy_digital_pj", EnergyComponent::Static},
};

std::string fmt(double x, int prec = 4) {
  std::ostringstream os;
  os << std::setprecision(prec) << std::defaultfloat << x;
  return os.str();
}

}  // namespace

int cmd_reproduce(const Args& args, std::ostream& out) {
  const std::string usage =
      "usage: gcattn reproduce [--json FILE] [--check] [--calibrate] [--steps N] [--seed S]\n"
      "                        [--path systemc|numerics] [--config P] [--set key=value ...]\n"
      "Runs the calibration workload of docs/validation.md (GPT-2-small shape, 12 layers x 12\n"
      "heads, full window, q uniform in [0, 1], k and v uniform over the write-DAC range) and\n"
      "prints the paper's published figures next to the simulated ones. --json writes the rows\n"
      "as a list of {quantity, unit, published, simulated}; --check exits with status 5 when a\n"
      "figure misses its tolerance (latency 1 %, energies 5 %, area per head 10 %).";
  po::options_description desc("reproduce options");
  desc.add_options()("help,h", "show this help")("json", po::value<std::string>(),
                                                 "write the rows as JSON to FILE")(
      "check", po::bool_switch(), "fail (exit 5) when a figure misses its tolerance")(
      "calibrate", po::bool_switch(),
      "also print the values of the derived energy parameters that hit the published energies")(
      "path", po::value<std::string>()->default_value("systemc"),
      "systemc: the SystemC accelerator through its TLM socket; numerics: the plain C++ sub-tiles "
      "driving EnergyModel directly (cross-check)")("steps", po::value<int>()->default_value(4),
                                                    "measured token steps after the window fill")(
      "seed", po::value<std::uint64_t>()->default_value(1), "seed of the uniform workload data")(
      "layers", po::value<int>(), "layers of the workload (default: the published workload's, 12)")(
      "heads", po::value<int>(), "heads per layer (default: the published workload's, 12)")(
      "published", po::value<std::string>()->default_value("leroux2025"),
      "published figures: configs/published/ID.json or a JSON file")(
      "gpu",
      po::value<std::vector<std::string>>()->multitoken()->default_value({"rtx4090", "jetson_nano"},
                                                                         "rtx4090 jetson_nano"),
      "reference GPUs: configs/gpus/ID.json or JSON files");
  add_config_options(desc);
  po::variables_map vm;
  if (!parse_options(args, desc, vm, out, usage)) return kExitOk;

  Workload w;
  w.measured_steps = vm["steps"].as<int>();
  w.seed = vm["seed"].as<std::uint64_t>();
  if (w.measured_steps < 1 || w.measured_steps > 100000) {
    throw UsageError("--steps " + std::to_string(w.measured_steps) + ": must be in [1, 100000]");
  }
  const Config cfg = resolve_config(vm);
  const PublishedFigures pub = PublishedFigures::load(vm["published"].as<std::string>());
  w.layers = vm.count("layers") ? vm["layers"].as<int>() : pub.layers;
  w.heads = vm.count("heads") ? vm["heads"].as<int>() : pub.heads;
  if (w.layers < 1 || w.layers > 1024) {
    throw UsageError("--layers " + std::to_string(w.layers) + ": must be in [1, 1024]");
  }
  if (w.heads < 1 || w.heads > 1024) {
    throw UsageError("--heads " + std::to_string(w.heads) + ": must be in [1, 1024]");
  }
  std::vector<GpuReference> gpus;
  for (const auto& id : vm["gpu"].as<std::vector<std::string>>())
    gpus.push_back(GpuReference::load(id));

  const std::string path = vm["path"].as<std::string>();
  if (path != "systemc" && path != "numerics") {
    throw UsageError("--path must be systemc or numerics, got '" + path + "'");
  }
  // Configuration and output problems surface before the simulation runs.
  (void)PhaseSchedule::from(cfg);
  (void)EnergyModel::from(cfg);
  const std::string json_path = vm.count("json") ? vm["json"].as<std::string>() : std::string();
  if (!json_path.empty()) {
    io::PathCheck()
        .input("--config", vm["config"].as<std::string>())
        .output("--json", json_path)
        .check();
  }
  const WorkloadResult r = path == "systemc" ? run_systemc(cfg, w) : run_numerics(cfg, w);
  if (vm["calibrate"].as<bool>()) {
    out << "calibration of the derived energy parameters on this workload (docs/validation.md):\n";
    for (const auto& c : kClosing) {
      const double p = cfg.number(c.key);
      const EnergyCategory cat = category_of(c.component);
      const double comp = r.per_head_token.component(c.component);
      const double rest = r.per_head_token.category(cat) - comp;
      const double target = pub.at(c.quantity).value;
      if (p <= 0.0 || comp <= 0.0) {
        out << "  " << c.key << ": cannot calibrate (it is 0 or its component "
            << component_name(c.component) << " is empty)\n";
        continue;
      }
      const double best = p * (target - rest) / comp;
      out << "  --set " << c.key << "=" << fmt(best, 6) << "   (now " << fmt(p, 6) << "; "
          << category_name(cat) << " without " << component_name(c.component) << " " << fmt(rest, 6)
          << " pJ, published " << fmt(target, 6) << " pJ)"
          << (best < 0.0 ? "  impossible: the other components exceed the published figure" : "")
          << "\n";
    }
    out << "\n";
  }
  const EnergyLedger& e = r.per_head_token;
  const AreaBreakdown area =
      area_of(AreaParams::from(cfg), HardwareParams::from(cfg), w.layers, w.heads);
  const double total = e.total();
  const double layer_nj = total * w.heads * 1e-3;
  // Every published figure with its simulated counterpart.
  auto simulated = [&](const std::string& q) -> double {
    if (q == "latency_per_token_layer_ns") return r.latency_ns;
    if (q == "energy_qk_pj") return e.category(EnergyCategory::Qk);
    if (q == "energy_av_pj") return e.category(EnergyCategory::Av);
    if (q == "energy_digital_pj") return e.category(EnergyCategory::Digital);
    if (q == "energy_dac_pj") return e.category(EnergyCategory::Dac);
    if (q == "energy_total_per_head_pj") return total;
    if (q == "energy_per_layer_nj") return layer_nj;
    if (q == "energy_per_token_uj") return layer_nj * w.layers * 1e-3;
    if (q == "area_per_head_mm2") return area.head_um2 * 1e-6;
    throw ConfigError(pub.id + ": published quantity '" + q +
                      "' has no simulated counterpart in gcattn reproduce");
  };
  std::vector<Row> rows;
  for (const auto& f : pub.figures)
    rows.push_back({f.quantity, f.unit, f.value, simulated(f.quantity), f.tolerance});
  // GPU comparison: the paper's ratios against the GPUs' measured figures over ours; tolerances
  // those of the latency and of the total energy.
  const double lat_tol = pub.at("latency_per_token_layer_ns").tolerance;
  const double energy_tol = pub.at("energy_total_per_head_pj").tolerance;
  for (const auto& g : gpus) {
    if (!g.measured) continue;
    const double speedup = g.measured->latency_per_layer_token_us * 1e3 / r.latency_ns;
    const double ratio = g.measured->energy_per_layer_token_mj * 1e6 / layer_nj;
    rows.push_back({"speedup_vs_" + g.id, "x", g.paper_speedup, speedup, lat_tol});
    rows.push_back({"energy_ratio_vs_" + g.id, "x", g.paper_energy_ratio, ratio, energy_tol});
  }
  // The finer components (not published; shown so the categories stay explainable).
  for (std::size_t i = 0; i < kEnergyComponentCount; ++i) {
    const auto c = static_cast<EnergyComponent>(i);
    rows.push_back({std::string("component_") + category_name(category_of(c)) + "_" +
                        component_name(c) + "_pj",
                    "pJ", std::nullopt, e.component(c), 0.0});
  }
  // The area breakdown (bottom-up; the per-head total is the published figure above).
  for (const auto& i : area.subtile)
    rows.push_back({"area_subtile_" + i.name + "_um2", "um^2", std::nullopt, i.total_um2, 0.0});
  for (const auto& i : area.head)
    rows.push_back({"area_head_" + i.name + "_um2", "um^2", std::nullopt, i.total_um2, 0.0});
  rows.push_back({"area_model_mm2", "mm^2", std::nullopt, area.model_um2 * 1e-6, 0.0});

  out << "gcattn reproduce: calibration workload (docs/validation.md)\n"
      << "  configuration " << cfg.name() << "; " << w.layers << " layers x " << w.heads
      << " heads, window " << r.fill_tokens << " tokens (filled), then " << w.measured_steps
      << " measured token steps; q ~ U[0, 1], k, v ~ U[" << HardwareParams::from(cfg).kv_v_min_v
      << ", " << HardwareParams::from(cfg).kv_v_max_v << "] V; seed " << w.seed << "\n"
      << "  path: " << r.path << "\n"
      << "  energies per head and token step (one K/V write, one attend over the full window)\n\n";
  out << std::left << std::setw(52) << "quantity" << std::setw(6) << "unit" << std::right
      << std::setw(12) << "published" << std::setw(14) << "simulated" << std::setw(11) << "dev"
      << std::setw(7) << "tol"
      << "  status\n";
  std::vector<std::string> misses;
  for (const auto& row : rows) {
    out << std::left << std::setw(52) << row.quantity << std::setw(6) << row.unit << std::right
        << std::setw(12) << (row.published ? fmt(*row.published, 6) : "-") << std::setw(14)
        << fmt(row.simulated, 6);
    if (row.published && row.tolerance > 0.0) {
      const double dev = (row.simulated - *row.published) / *row.published;
      const bool ok = std::fabs(dev) <= row.tolerance;
      std::ostringstream d;
      d << std::showpos << std::fixed << std::setprecision(2) << dev * 100.0 << " %";
      out << std::setw(11) << d.str() << std::setw(5) << fmt(row.tolerance * 100.0) << " %"
          << (ok ? "  ok" : "  MISS");
      if (!ok) misses.push_back(row.quantity);
    }
    out << "\n";
  }
  if (r.has_activity) {
    out << "\nworkload statistics per head and token step: " << fmt(r.active_columns, 6)
        << " active columns, " << fmt(r.firing_columns, 6) << " firing (phi > 0), sum phi "
        << fmt(r.phi_sum, 6) << ", K read activity sum|q g| " << fmt(r.k_read_activity, 6)
        << " uA, V read activity sum|phi g| " << fmt(r.v_read_activity, 6) << " uA, counter steps "
        << fmt(r.counter_steps, 6) << ", query pulses " << fmt(r.query_pulses, 6)
        << ", routing bits " << fmt(r.routing_bits, 6) << "\n";
    out << "token period (all layers, time between two tokens' first layer steps): "
        << fmt(r.token_period_ns, 6) << " ns\n";
  }
  out << "\nPublished figures: " << pub.source << ".\n";
  for (const auto& g : gpus) {
    if (g.measured) out << "GPU " << g.id << " (" << g.name << "): " << g.measured->source << ".\n";
  }

  if (!json_path.empty()) {
    boost::json::array arr;
    for (const auto& row : rows) {
      boost::json::object o;
      o["quantity"] = row.quantity;
      o["unit"] = row.unit;
      if (row.published)
        o["published"] = *row.published;
      else
        o["published"] = nullptr;
      o["simulated"] = row.simulated;
      arr.push_back(std::move(o));
    }
    io::write_file_atomic(json_path, boost::json::serialize(arr) + "\n");
  }
  if (vm["check"].as<bool>() && !misses.empty()) {
    std::string list;
    for (const auto& m : misses) list += " " + m;
    throw SimulationError(std::to_string(misses.size()) + " figure(s) outside tolerance:" + list);
  }
  return kExitOk;
}

}  // namespace gcattn::cli
