// gcattn eval / gcattn generate: a GPT-2 with its attention on the simulated accelerator, closed
// loop (docs/model-flow.md).
#include <unistd.h>

#include <iomanip>
#include <iostream>
#include <ostream>
#include <sstream>

#include "base/errors.h"
#include "base/stop_signals.h"
#include "cli/commands.h"
#include "cli/monte_carlo.h"
#include "cli/options.h"
#include "eval/eval_session.h"
#include "io/atomic_file.h"
#include "io/output_paths.h"

namespace gcattn::cli {
namespace {

void add_session_options(po::options_description& desc) {
  desc.add_options()("model", po::value<std::string>()->required(),
                     "model directory (Hugging Face GPT-2 layout; gcattn.json for a hardware "
                     "model)")("attention", po::value<std::string>()->default_value("accelerator"),
                               "accelerator: the SystemC accelerator through its TLM host "
                               "interface; host: the model's own attention function on the host")(
      "config,c", po::value<std::string>(),
      "preset or JSON file (default: the model card's preset, else paper)")(
      "set", po::value<std::vector<std::string>>()->composing(),
      "override a parameter: --set section.key=value (repeatable)")(
      "scalers", po::value<std::string>(),
      "per-head scalers (default: the model card's; needed for a softmax model on the "
      "accelerator)")("mode", po::value<std::string>()->default_value("lt"), "lt | at")(
      "gpu", po::value<std::vector<std::string>>()->composing(),
      "GPU reference for the comparison; repeatable (default: all)");
  add_threads_option(desc);
}

void read_session(const po::variables_map& vm, eval::SessionOptions& o) {
  o.model_dir = vm["model"].as<std::string>();
  o.attention = eval::parse_attention(vm["attention"].as<std::string>());
  if (vm.count("config")) o.config = vm["config"].as<std::string>();
  if (vm.count("set")) o.sets = vm["set"].as<std::vector<std::string>>();
  if (vm.count("scalers")) o.scalers_path = vm["scalers"].as<std::string>();
  const std::string mode = vm["mode"].as<std::string>();
  if (mode != "lt" && mode != "at") throw UsageError("--mode must be lt or at, got '" + mode + "'");
  o.coding = mode == "lt" ? sc::Coding::LooselyTimed : sc::Coding::ApproximatelyTimed;
  if (vm.count("gpu")) o.gpus = vm["gpu"].as<std::vector<std::string>>();
  o.threads = threads_option(vm);
  if (isatty(STDERR_FILENO)) o.progress = &std::cerr;
}

}  // namespace

int cmd_eval(const Args& args, std::ostream& out) {
  const std::string usage =
      "usage: gcattn eval --model DIR --text FILE [--attention accelerator|host|both] [--tokens "
      "N]\n"
      "                   [--config P] [--set key=value ...] [--scalers F] [--report-json F]\n"
      "                   [--seeds N]\n"
      "Next-token prediction (teacher-forced) of a GPT-2 over a UTF-8 text, with every attention\n"
      "of every layer and head computed by the simulated accelerator (closed loop, through its\n"
      "TLM-2.0 host interface) or on the host by the model's own attention function; both: the\n"
      "two, and their top-1 agreement. Texts longer than the context are scored in chunks, each\n"
      "from an empty KV cache. Reports perplexity, nats per token, bits per byte and, on the\n"
      "accelerator, the timing, energy and GPU sections of `gcattn run` (docs/model-flow.md).\n"
      "--seeds N evaluates N chips (variation.seed and noise.seed + 0..N-1; "
      "docs/nonidealities.md)\n"
      "and reports the mean and spread of the perplexity.\n"
      "Ctrl-C writes the partial report marked incomplete (exit status 130).";
  po::options_description desc("eval options");
  desc.add_options()("help,h", "show this help")("text", po::value<std::string>()->required(),
                                                 "UTF-8 text to score")(
      "tokens", po::value<std::size_t>()->default_value(0),
      "score the first N predictions (0: the whole text)")("report-json", po::value<std::string>(),
                                                           "write the JSON report here")(
      "seeds", po::value<int>()->default_value(0),
      "Monte Carlo: N chips with variation.seed and noise.seed + 0..N-1 (0: one run)");
  add_session_options(desc);
  po::variables_map vm;
  if (!parse_options(args, desc, vm, out, usage)) return kExitOk;
  eval::EvalOptions o;
  read_session(vm, o);
  o.text_path = vm["text"].as<std::string>();
  o.tokens = vm["tokens"].as<std::size_t>();
  const int seeds = vm["seeds"].as<int>();
  if (seeds < 0 || seeds > 10000) throw UsageError("--seeds must be in [0, 10000]");
  io::PathCheck paths;
  paths.input("--text", o.text_path);
  if (vm.count("scalers")) paths.input("--scalers", o.scalers_path);
  if (vm.count("report-json")) paths.output("--report-json", vm["report-json"].as<std::string>());
  paths.check();
  o.command_line = {"gcattn", "eval"};
  o.command_line.insert(o.command_line.end(), args.begin(), args.end());
  eval::EvalResult r;
  {
    const StopSignals stop;
    o.stop = stop.flag();
    r = eval::run_eval(o);
  }
  if (seeds > 0 && r.complete) {
    run_eval_monte_carlo(args, seeds, r.report);
    const boost::json::object& ppl =
        r.report.at("eval").at("monte_carlo").at("summary").at("perplexity").as_object();
    std::ostringstream os;
    os << std::setprecision(5) << "Monte Carlo over " << seeds
       << " chips (variation.seed and noise.seed + 0.." << seeds - 1 << "): perplexity "
       << ppl.at("mean").to_number<double>() << " +- " << ppl.at("std").to_number<double>() << " ["
       << ppl.at("min").to_number<double>() << ", " << ppl.at("max").to_number<double>() << "]\n";
    r.summary += os.str();
  }
  if (vm.count("report-json")) {
    io::write_file_atomic(vm["report-json"].as<std::string>(),
                          boost::json::serialize(r.report) + "\n");
  }
  out << r.summary;
  if (vm.count("report-json")) out << "report: " << vm["report-json"].as<std::string>() << "\n";
  return r.complete ? kExitOk : kExitInterrupted;
}

int cmd_generate(const Args& args, std::ostream& out) {
  const std::string usage =
      "usage: gcattn generate --model DIR --prompt TEXT --tokens N [--attention accelerator|host]\n"
      "                       [--seed S] [--temperature T] [--top-k K] [--config P] [--set k=v]\n"
      "Closed-loop text generation: every attention of every generated token runs on the\n"
      "simulated accelerator (or on the host with --attention host). Greedy unless --top-k,\n"
      "--temperature or --seed is given. Prints the text, the simulated latency and energy per\n"
      "token and the wall-clock speed.";
  po::options_description desc("generate options");
  desc.add_options()("help,h", "show this help")("prompt", po::value<std::string>()->required(),
                                                 "text to continue")(
      "tokens", po::value<std::size_t>()->required(), "tokens to generate")(
      "top-k", po::value<int>(), "sample among the K most likely tokens (0: all)")(
      "temperature", po::value<double>(), "sampling temperature (> 0)")(
      "seed", po::value<unsigned long long>(), "sampling seed");
  add_session_options(desc);
  po::variables_map vm;
  if (!parse_options(args, desc, vm, out, usage)) return kExitOk;
  eval::GenerateOptions o;
  read_session(vm, o);
  o.prompt = vm["prompt"].as<std::string>();
  o.tokens = vm["tokens"].as<std::size_t>();
  if (vm.count("top-k") || vm.count("temperature") || vm.count("seed")) {
    o.sampling.sample = true;
    if (vm.count("top-k")) {
      if (vm["top-k"].as<int>() < 0) throw UsageError("--top-k must be >= 0");
      o.sampling.top_k = vm["top-k"].as<int>();
    }
    if (vm.count("temperature")) {
      const double t = vm["temperature"].as<double>();
      if (!(t > 0.0) || !std::isfinite(t)) throw UsageError("--temperature must be > 0");
      o.sampling.temperature = t;
    }
    if (vm.count("seed")) o.sampling.seed = vm["seed"].as<unsigned long long>();
  }
  eval::GenerateResult g;
  {
    const StopSignals stop;
    o.stop = stop.flag();
    g = eval::run_generate(o);
  }
  out << g.text << "\n---\n" << g.summary;
  if (!g.complete) out << "interrupted after " << g.generated << " tokens\n";
  return g.complete ? kExitOk : kExitInterrupted;
}

}  // namespace gcattn::cli
