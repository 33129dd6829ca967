// gcattn reproduce [--json FILE]: the calibration workload of docs/validation.md, published vs
// simulated figures side by side (the workload and the comparison live in testbench/reproduce/).
#include <iomanip>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "base/errors.h"
#include "cli/commands.h"
#include "cli/options.h"
#include "gcattn/config/hardware_params.h"
#include "gcattn/power/energy_model.h"
#include "gcattn/power/gpu_reference.h"
#include "gcattn/power/published.h"
#include "gcattn/timing/phase_schedule.h"
#include "io/atomic_file.h"
#include "io/output_paths.h"
#include "reproduce/comparison.h"
#include "reproduce/workload.h"

namespace gcattn::cli {
namespace {

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

  reproduce::Workload w;
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
  const reproduce::WorkloadResult r =
      path == "systemc" ? reproduce::run_systemc(cfg, w) : reproduce::run_numerics(cfg, w);
  if (vm["calibrate"].as<bool>()) {
    out << "calibration of the derived energy parameters on this workload (docs/validation.md):\n";
    for (const auto& c : reproduce::closing(cfg, pub, r)) {
      if (!c.possible) {
        out << "  " << c.key << ": cannot calibrate (it is 0 or its component " << c.component
            << " is empty)\n";
        continue;
      }
      out << "  --set " << c.key << "=" << fmt(c.best, 6) << "   (now " << fmt(c.now, 6) << "; "
          << c.category << " without " << c.component << " " << fmt(c.rest_pj, 6)
          << " pJ, published " << fmt(c.published_pj, 6) << " pJ)"
          << (c.best < 0.0 ? "  impossible: the other components exceed the published figure" : "")
          << "\n";
    }
    out << "\n";
  }
  const std::vector<reproduce::Row> rows = reproduce::compare(cfg, pub, gpus, w, r);

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
      std::ostringstream d;
      d << std::showpos << std::fixed << std::setprecision(2)
        << (row.simulated - *row.published) / *row.published * 100.0 << " %";
      out << std::setw(11) << d.str() << std::setw(5) << fmt(row.tolerance * 100.0) << " %"
          << (row.missed() ? "  MISS" : "  ok");
      if (row.missed()) misses.push_back(row.quantity);
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
    io::write_file_atomic(json_path, boost::json::serialize(reproduce::rows_json(rows)) + "\n");
  }
  if (vm["check"].as<bool>() && !misses.empty()) {
    std::string list;
    for (const auto& m : misses) list += " " + m;
    throw SimulationError(std::to_string(misses.size()) + " figure(s) outside tolerance:" + list);
  }
  return kExitOk;
}

}  // namespace gcattn::cli
