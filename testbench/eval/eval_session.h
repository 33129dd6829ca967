#pragma once
// `gcattn eval` and `gcattn generate`: the C++ GPT-2 engine runs a model with every attention of
// every layer and head computed either by the SystemC accelerator through its TLM-2.0 host
// interface (closed loop: the engine waits for the accelerator's outputs before it goes on) or on
// the host by the model's own attention function (softmax, or the numerics library for a
// gain-cell model). A SystemC kernel runs once per process: one accelerator pass per process.
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "gcattn/systemc/host_driver.h"
#include "gpt2/model.h"

namespace gcattn::eval {

enum class Attention { Accelerator, Host, Both };
/// "accelerator", "host" or "both"; UsageError otherwise.
Attention parse_attention(const std::string& name);

struct SessionOptions {
  std::string model_dir;
  std::string config;             // preset or file; empty: the model card's preset
  std::vector<std::string> sets;  // --set key=value, applied after the model card's
  std::string scalers_path;       // overrides the model card's scalers
  Attention attention = Attention::Accelerator;
  sc::Coding coding = sc::Coding::LooselyTimed;
  int threads = 0;
  std::vector<std::string> gpus;
  std::vector<std::string> command_line;
  std::ostream* progress = nullptr;  // a terminal, or null
  const volatile std::sig_atomic_t* stop = nullptr;
};

struct EvalOptions : SessionOptions {
  std::string text_path;
  std::size_t tokens = 0;  // predicted tokens; 0: the whole text
};

struct EvalResult {
  boost::json::object report;  // docs/report-format.md, "Eval report"
  bool complete = true;
  std::string summary;  // the human summary
};

/// Errors: InputError (model, text, scalers, --tokens), ConfigError, SimulationError.
EvalResult run_eval(const EvalOptions& o);

struct GenerateOptions : SessionOptions {
  std::string prompt;
  std::size_t tokens = 0;  // tokens to generate
  gpt2::SamplingOptions sampling;
};

struct GenerateResult {
  std::string text;  // the prompt and the generated text (invalid UTF-8 replaced)
  std::size_t prompt_tokens = 0, generated = 0;
  bool complete = true;
  std::string summary;  // simulated latency and energy per generated token, wall speed
};

GenerateResult run_generate(const GenerateOptions& o);

}  // namespace gcattn::eval
