// gcattn run --trace FILE ...: replays a KV-cache trace through the accelerator's host interface
// and reports timing, energy, accuracy and a GPU comparison (docs/report-format.md).
#include <unistd.h>

#include <cmath>
#include <iostream>
#include <optional>
#include <ostream>
#include <sstream>
#include <tuple>

#include "base/errors.h"
#include "base/stop_signals.h"
#include "cli/commands.h"
#include "cli/monte_carlo.h"
#include "cli/options.h"
#include "io/npy.h"
#include "io/output_paths.h"
#include "player/run_session.h"

namespace gcattn::cli {
namespace {

// "L:H:S" for --vcd-scope, "START:END" (ns) for --vcd-window.
std::vector<double> split_numbers(const std::string& text, std::size_t n, const char* option) {
  std::vector<double> v;
  std::stringstream ss(text + (text.empty() || text.back() == ':' ? " " : ""));
  std::string part;
  while (std::getline(ss, part, ':')) {
    try {
      std::size_t used = 0;
      v.push_back(std::stod(part, &used));
      if (used != part.size() || !std::isfinite(v.back())) throw std::invalid_argument(part);
    } catch (const std::exception&) {
      throw UsageError(std::string(option) + " '" + text + "': '" + part + "' is not a number");
    }
  }
  if (v.size() != n)
    throw UsageError(std::string(option) + " '" + text + "': expected " + std::to_string(n) +
                     " numbers separated by ':'");
  return v;
}

// "START:END" in ns, 0 <= START < END.
std::pair<sc_core::sc_time, sc_core::sc_time> time_window(const po::variables_map& vm,
                                                          const char* option) {
  const auto w =
      split_numbers(vm[option].as<std::string>(), 2, (std::string("--") + option).c_str());
  if (!(w[0] >= 0.0 && w[1] > w[0] && std::isfinite(w[1])))
    throw UsageError(std::string("--") + option + " START:END needs 0 <= START < END");
  return {sc_core::sc_time(w[0], sc_core::SC_NS), sc_core::sc_time(w[1], sc_core::SC_NS)};
}

std::optional<timeline::TimelineOptions> timeline_options(const po::variables_map& vm) {
  if (!vm.count("timeline")) {
    for (const char* o : {"timeline-layers", "timeline-window", "timeline-tracks"}) {
      if (vm.count(o)) throw UsageError(std::string("--") + o + " needs --timeline FILE.json");
    }
    return std::nullopt;
  }
  timeline::TimelineOptions t;
  t.file = vm["timeline"].as<std::string>();
  auto parse = [&vm](const char* option, auto parser, auto& into) {
    if (!vm.count(option)) return;
    try {
      into = parser(vm[option].as<std::string>());
    } catch (const std::invalid_argument& e) {
      throw UsageError(std::string("--") + option + " " + e.what());
    }
  };
  parse("timeline-layers", timeline::parse_layer_list, t.layers);
  parse("timeline-tracks", timeline::parse_track_list, t.tracks);
  if (vm.count("timeline-window")) std::tie(t.start, t.end) = time_window(vm, "timeline-window");
  return t;
}

}  // namespace

int cmd_run(const Args& args, std::ostream& out) {
  const std::string usage =
      "usage: gcattn run --trace FILE [--config P] [--set key=value ...] [--tokens N] [--mode "
      "lt|at]\n"
      "                  [--host-gap NS] [--scalers FILE] [--report-json F] [--report-csv F] "
      "[--vcd F]\n"
      "                  [--timeline F.json [--timeline-layers L] [--timeline-window S:E]\n"
      "                  [--timeline-tracks T]]\n"
      "[--vcd F] [--seeds N]\n"
      "Replays a KV-cache trace (docs/trace-format.md) through the accelerator's TLM host "
      "interface:\n"
      "per token and layer the player writes K, V and Q, issues the command, waits for the "
      "interrupt\n"
      "(or polls, player.completion), reads the outputs and spends the host gap. Prints a summary; "
      "the\n"
      "JSON and CSV reports are documented in docs/report-format.md. Ctrl-C stops at the next "
      "layer\n"
      "step and writes the reports marked incomplete (exit status 130). Values are checked for "
      "NaN/Inf\n"
      "as they are replayed: a bad one stops the run with exit status 4 and names its index.";
  po::options_description desc("run options");
  desc.add_options()("help,h", "show this help")("trace", po::value<std::string>()->required(),
                                                 "KV-cache trace (.safetensors)")(
      "tokens", po::value<std::size_t>()->default_value(0), "replay the first N tokens (0: all)")(
      "mode", po::value<std::string>()->default_value("lt"),
      "lt: loosely timed (b_transport, quantum keeper); at: approximately timed (nb_transport, 4 "
      "phases)")(
      "host-gap", po::value<double>(),
      "ns the host spends between layer steps (projections, MLP); default player.host_gap_ns "
      "(140 ns in the paper preset)")(
      "completion", po::value<std::string>(),
      "irq | poll: how the host sees a command finish (default player.completion)")(
      "scalers", po::value<std::string>(),
      "per-head scalers from `gcattn calibrate` (default: calibrate here and say so)")(
      "calibrate-method", po::value<std::string>()->default_value("range"),
      "range | paper, when no --scalers")(
      "calibrate-tokens", po::value<std::size_t>()->default_value(0),
      "calibration prefix when no --scalers (0: the tokens replayed)")(
      "functional", po::value<bool>(),
      "on | off: off simulates timing and energy only (model.functional)")(
      "accuracy", po::value<bool>()->default_value(true, "on"),
      "on | off: compare outputs with the softmax, ideal-hardware and attn_out references")(
      "dmi", po::value<bool>()->default_value(false, "off"),
      "on | off: data windows through DMI pointers")(
      "quantum", po::value<double>()->default_value(1000.0), "LT global quantum in ns")(
      "gpu", po::value<std::vector<std::string>>()->composing(),
      "GPU reference id (configs/gpus/ID.json) or file for the comparison; repeatable (default: "
      "all)")("report-json", po::value<std::string>(), "write the JSON report here")(
      "report-csv", po::value<std::string>(), "write the per-(layer, head) CSV here")(
      "outputs", po::value<std::string>(),
      "write the accelerator outputs as .npy [tokens, layers, heads, d_head]")(
      "vcd", po::value<std::string>(), "write VCD waveforms (SystemC appends .vcd)")(
      "vcd-scope", po::value<std::string>()->default_value("0:0:0"),
      "layer:head:subtile traced in detail")(
      "vcd-window", po::value<std::string>(),
      "START:END in ns: record changes only inside this window")(
      "timeline", po::value<std::string>(),
      "write a Chrome trace-event timeline (Perfetto UI, chrome://tracing; docs/timeline.md)")(
      "timeline-layers", po::value<std::string>(),
      "layers with a phase track: all, or a list like 0,3,5-7 (default all)")(
      "timeline-window", po::value<std::string>(),
      "START:END in ns: keep only events overlapping this window of simulated time")(
      "timeline-tracks", po::value<std::string>(),
      "all, or a comma-separated list of: phases, registers, windows, dma, irq, gaps (default "
      "all)")(
      "seeds", po::value<int>()->default_value(0),
      "Monte Carlo over N chips: variation.seed + i and noise.seed + i, i < N, each in a child "
      "process; the report's monte_carlo section gives the accuracy's mean and spread "
      "(docs/nonidealities.md)");
  add_config_options(desc);
  add_threads_option(desc);
  po::variables_map vm;
  if (!parse_options(args, desc, vm, out, usage)) return kExitOk;

  Config cfg = resolve_config(vm);
  const int seeds = vm["seeds"].as<int>();
  if (seeds < 0 || seeds > 10000) throw UsageError("--seeds must be in [0, 10000]");
  if (vm.count("functional"))
    cfg.set("model.functional", vm["functional"].as<bool>() ? "true" : "false", "--functional");
  if (vm.count("completion"))
    cfg.set("player.completion", vm["completion"].as<std::string>(), "--completion");

  player::RunOptions ro;
  ro.trace_path = vm["trace"].as<std::string>();
  ro.tokens = vm["tokens"].as<std::size_t>();
  const std::string mode = vm["mode"].as<std::string>();
  if (mode != "lt" && mode != "at") throw UsageError("--mode must be lt or at, got '" + mode + "'");
  ro.coding = mode == "lt" ? sc::Coding::LooselyTimed : sc::Coding::ApproximatelyTimed;
  if (vm.count("host-gap")) player::set_host_gap(cfg, vm["host-gap"].as<double>(), "--host-gap");
  ro.dmi = vm["dmi"].as<bool>();
  const double quantum = vm["quantum"].as<double>();
  if (!(quantum > 0.0) || !std::isfinite(quantum))
    throw UsageError("--quantum must be a positive number of ns");
  ro.quantum = sc_core::sc_time(quantum, sc_core::SC_NS);
  if (vm.count("scalers")) ro.scalers_path = vm["scalers"].as<std::string>();
  ro.calibration.method =
      calibrate::parse_method(vm["calibrate-method"].as<std::string>(), "--calibrate-method");
  ro.calibration.tokens = vm["calibrate-tokens"].as<std::size_t>();
  ro.accuracy = vm["accuracy"].as<bool>();
  if (seeds > 0 && !(ro.accuracy && cfg.boolean("model.functional")))
    throw UsageError("--seeds compares accuracy: it needs --accuracy on and --functional on");
  if (vm.count("gpu")) ro.gpus = vm["gpu"].as<std::vector<std::string>>();
  if (vm.count("vcd")) {
    sc::VcdOptions v;
    v.file = vm["vcd"].as<std::string>();
    const auto s = split_numbers(vm["vcd-scope"].as<std::string>(), 3, "--vcd-scope");
    for (double x : s) {
      if (!(x >= 0.0 && x <= 1e6 && x == std::floor(x)))
        throw UsageError("--vcd-scope '" + vm["vcd-scope"].as<std::string>() +
                         "': layer, head and sub-tile are whole numbers >= 0");
    }
    v.layer = static_cast<int>(s[0]);
    v.head = static_cast<int>(s[1]);
    v.subtile = static_cast<int>(s[2]);
    if (vm.count("vcd-window")) std::tie(v.start, v.end) = time_window(vm, "vcd-window");
    ro.vcd = v;
  }
  ro.timeline = timeline_options(vm);
  ro.keep_outputs = vm.count("outputs") > 0;
  ro.threads = threads_option(vm);
  if (ro.keep_outputs && !cfg.boolean("model.functional")) {
    throw UsageError(
        "--outputs needs the functional model (model.functional = true): with "
        "--functional off no outputs are computed");
  }
  // Every output is checked before the simulation starts (docs/reliability.md).
  io::PathCheck paths;
  paths.input("--trace", ro.trace_path);
  if (vm.count("scalers")) paths.input("--scalers", ro.scalers_path);
  if (vm.count("config")) paths.input("--config", vm["config"].as<std::string>());
  for (const char* o : {"report-json", "report-csv", "outputs"}) {
    if (vm.count(o)) paths.output(std::string("--") + o, vm[o].as<std::string>());
  }
  if (ro.vcd) paths.output("--vcd", sc::vcd_file_path(ro.vcd->file));
  if (ro.timeline) paths.output("--timeline", ro.timeline->file);
  paths.check();
  ro.command_line.push_back("gcattn");
  ro.command_line.push_back("run");
  ro.command_line.insert(ro.command_line.end(), args.begin(), args.end());
  if (isatty(STDERR_FILENO)) ro.progress = &std::cerr;

  player::RunResult res;
  {
    const StopSignals stop;
    ro.stop = stop.flag();
    res = player::run_trace(cfg, ro);
  }
  report::Report& rep = res.report;
  if (seeds > 0 && rep.complete) {
    run_monte_carlo(args, seeds, static_cast<std::uint64_t>(cfg.integer("variation.seed")),
                    static_cast<std::uint64_t>(cfg.integer("noise.seed")), rep);
  }
  if (vm.count("report-json")) report::write_json(rep, vm["report-json"].as<std::string>());
  if (vm.count("report-csv")) report::write_csv(rep, vm["report-csv"].as<std::string>());
  if (vm.count("outputs"))
    io::write_npy_f32(vm["outputs"].as<std::string>(), res.outputs_shape, res.outputs);
  report::write_summary(rep, out);
  if (vm.count("report-json")) out << "report: " << vm["report-json"].as<std::string>() << "\n";
  if (vm.count("report-csv")) out << "table:  " << vm["report-csv"].as<std::string>() << "\n";
  if (!res.vcd_path.empty()) out << "vcd:    " << res.vcd_path << "\n";
  if (!res.timeline_path.empty())
    out << "timeline: " << res.timeline_path << " (" << res.timeline_events << " events)\n";
  return rep.complete ? kExitOk : kExitInterrupted;
}

}  // namespace gcattn::cli
