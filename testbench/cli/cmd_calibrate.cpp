// gcattn calibrate --trace FILE [--method range|paper] -o scalers.json: per-layer, per-head
// scalers of q, k, v and the output from a calibration prefix (testbench/calibrate/calibrate.h).
#include <cmath>
#include <iomanip>
#include <ostream>

#include "base/errors.h"
#include "base/stop_signals.h"
#include "calibrate/calibrate.h"
#include "cli/commands.h"
#include "cli/options.h"
#include "gcattn/parallel/worker_pool.h"
#include "io/output_paths.h"
#include "player/host_settings.h"
#include "player/run_session.h"
#include "scalers/scalers.h"
#include "trace/trace_file.h"

namespace gcattn::cli {

int cmd_calibrate(const Args& args, std::ostream& out) {
  const std::string usage =
      "usage: gcattn calibrate --trace FILE [--method range|paper] -o scalers.json [--tokens N]\n"
      "                        [--percentile P] [--config P] [--set key=value ...]\n"
      "Computes per-layer, per-head affine scalers (q, k, v, output) that map the trace's values\n"
      "into the hardware's ranges, on the first N tokens (default: all of them). range: "
      "percentile\n"
      "ranges, least-squares output fit against float softmax attention. paper: the paper's\n"
      "adaptation (damped mean/std matching against the linear-cell intermediate model).\n"
      "`gcattn run --scalers` uses the file (docs/report-format.md).";
  po::options_description desc("calibrate options");
  desc.add_options()("help,h", "show this help")("trace", po::value<std::string>()->required(),
                                                 "KV-cache trace (.safetensors)")(
      "output,o", po::value<std::string>()->required(), "scalers file to write (JSON)")(
      "method", po::value<std::string>()->default_value("range"), "range | paper")(
      "tokens", po::value<std::size_t>()->default_value(0),
      "calibration prefix in tokens (0: the whole trace)")(
      "percentile", po::value<double>()->default_value(99.9),
      "clipping percentile of q, |k|, |v| (range step)")(
      "host-gap", po::value<double>(),
      "ns between layer steps for the leakage estimate (default player.host_gap_ns)")(
      "max-iterations", po::value<int>()->default_value(100), "paper: iteration limit")(
      "tolerance", po::value<double>()->default_value(1e-4), "paper: relative mean/std tolerance");
  add_config_options(desc);
  add_threads_option(desc);
  po::variables_map vm;
  if (!parse_options(args, desc, vm, out, usage)) return kExitOk;

  Config cfg = resolve_config(vm);
  const HardwareParams hw = HardwareParams::from(cfg);
  calibrate::Options opt;
  opt.method = calibrate::parse_method(vm["method"].as<std::string>());
  opt.tokens = vm["tokens"].as<std::size_t>();
  opt.percentile = vm["percentile"].as<double>();
  opt.max_iterations = vm["max-iterations"].as<int>();
  opt.tolerance = vm["tolerance"].as<double>();
  if (opt.max_iterations < 1) throw UsageError("--max-iterations must be at least 1");
  if (!(opt.tolerance > 0.0) || !std::isfinite(opt.tolerance))
    throw UsageError("--tolerance must be a positive number");
  if (vm.count("host-gap")) player::set_host_gap(cfg, vm["host-gap"].as<double>(), "--host-gap");
  const double gap = player::HostSettings::from(cfg).gap_ns;

  const std::string path = vm["output"].as<std::string>();
  io::PathCheck paths;
  paths.input("--trace", vm["trace"].as<std::string>())
      .input("--config", vm["config"].as<std::string>());
  paths.output("--output", path).check();

  const trace::TraceReader tr(vm["trace"].as<std::string>());
  if (opt.tokens > tr.tokens()) {
    throw UsageError("--tokens " + std::to_string(opt.tokens) + " exceeds the " +
                     std::to_string(tr.tokens()) + " tokens of " + tr.path());
  }
  opt.token_period_ns = player::estimated_token_period_ns(cfg, tr.layers(), gap);
  WorkerPool pool(threads_option(vm));
  opt.pool = &pool;
  const StopSignals stop;
  opt.stop = stop.flag();
  const calibrate::Result r = calibrate::calibrate(tr, hw, opt);
  if (r.interrupted) {
    out << "calibrate: interrupted (" << stop.name() << "); no scalers written\n";
    return kExitInterrupted;
  }
  write_scalers(path, r.scalers);

  out << "calibrated " << tr.layers() << " layers x " << tr.heads() << " heads on the first "
      << r.tokens << " tokens of " << tr.path() << " (method " << calibrate::method_name(r.method)
      << ")\n";
  if (r.method == calibrate::Method::Paper) {
    out << "  adaptation: " << r.max_iterations_used << " iterations at most, "
        << (r.unconverged_heads ? std::to_string(r.unconverged_heads) + " heads did not converge"
                                : std::string("every head converged"))
        << "\n";
  }
  out << "  prefix accuracy against float softmax attention (hardware model, these scalers):\n";
  out << std::fixed;
  for (std::size_t l = 0; l < r.per_layer.size(); ++l) {
    out << "    layer " << std::setw(2) << l << "  cosine " << std::setprecision(4)
        << r.per_layer[l].cosine << "  relative RMS " << std::setprecision(4)
        << r.per_layer[l].relative_rms << "\n";
  }
  out << "    all       cosine " << std::setprecision(4) << r.overall.cosine << "  relative RMS "
      << r.overall.relative_rms << "\n"
      << std::defaultfloat << "scalers: " << path << "\n";
  return kExitOk;
}

}  // namespace gcattn::cli
