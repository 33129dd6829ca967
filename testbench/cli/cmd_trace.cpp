// gcattn trace gpt2|synth|info|verify: make, inspect and check KV-cache traces
// (docs/trace-format.md).
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <optional>
#include <ostream>
#include <sstream>

#include "base/errors.h"
#include "base/stop_signals.h"
#include "base/version.h"
#include "cli/commands.h"
#include "cli/options.h"
#include "eval/host_attention.h"
#include "eval/model_card.h"
#include "gpt2/checkpoint.h"
#include "gpt2/trace_recorder.h"
#include "io/input_file.h"
#include "io/output_paths.h"
#include "trace/synth.h"
#include "trace/trace_file.h"
#include "trace/utf8.h"

namespace gcattn::cli {
namespace {

// More worker threads than this is a typing mistake (the engine splits one matrix-vector
// product over them; gains stop long before).
constexpr int kMaxThreads = 256;
constexpr std::size_t kMaxPromptBytes = 1u << 24;  // 16 MiB: far beyond any context window

int thread_count(const po::variables_map& vm) {
  const int t = vm["threads"].as<int>();
  if (t < 0 || t > kMaxThreads) {
    throw UsageError("--threads must be from 0 (all cores) to " + std::to_string(kMaxThreads) +
                     ", got " + std::to_string(t));
  }
  return t;
}

// Paths of a checkpoint directory that trace gpt2 reads (an output must not be one of them).
void add_checkpoint_inputs(io::PathCheck& paths, const std::string& dir) {
  for (const char* f : {"config.json", "model.safetensors", "vocab.json", "merges.txt"}) {
    paths.input("--model", (std::filesystem::path(dir) / f).string());
  }
}

const char* kTraceUsage =
    "usage: gcattn trace <gpt2|synth|info|verify> [options]   (gcattn trace <sub> --help)\n"
    "  gpt2    run a Hugging Face GPT-2 checkpoint and record its q, k, v per token\n"
    "  synth   write a synthetic trace with GPT-2 shapes\n"
    "  info    show a trace's shape, model, text and per-layer value statistics\n"
    "  verify  re-run a GPT-2 trace's tokens through the model and compare q, k, v, attn_out";

std::string tool_name(const std::string& sub) {
  return std::string("gcattn ") + version() + " trace " + sub;
}

trace::DType parse_dtype_option(const std::string& s) {
  if (s == "f32") return trace::DType::F32;
  if (s == "f16") return trace::DType::F16;
  throw UsageError("--dtype must be f32 or f16, got '" + s + "'");
}

std::string mib(std::uintmax_t bytes) {
  std::ostringstream os;
  os << std::fixed << std::setprecision(1) << static_cast<double>(bytes) / (1024.0 * 1024.0)
     << " MiB";
  return os.str();
}

// Text on one line for a terminal: newlines and tabs escaped, cut after max_chars characters
// (code points; the metadata is valid UTF-8, the JSON header guarantees it).
std::string one_line(const std::string& text, std::size_t max_chars) {
  std::string out;
  std::size_t i = 0, chars = 0;
  char32_t cp;
  while (i < text.size() && chars < max_chars) {
    const std::size_t n = std::max<std::size_t>(1, trace::decode_utf8(text, i, cp));
    const char c = text[i];
    if (c == '\n')
      out += "\\n";
    else if (c == '\t')
      out += "\\t";
    else if (c == '\r')
      out += "\\r";
    else
      out.append(text, i, n);
    i += n;
    ++chars;
  }
  return out + (i < text.size() ? "..." : "");
}

std::string excerpt(const std::string& text, std::size_t max_chars) {
  return "\"" + one_line(text, max_chars) + "\"";
}

int trace_gpt2(const Args& args, std::ostream& out) {
  const std::string usage =
      "usage: gcattn trace gpt2 --model DIR (--prompt TEXT | --prompt-file F) --tokens N -o FILE\n"
      "                         [--top-k K] [--temperature X] [--seed S] [--dtype f32|f16]\n"
      "                         [--no-attn-out] [--threads T] [--name NAME] [--quiet]\n"
      "Runs a Hugging Face GPT-2 checkpoint directory (config.json, model.safetensors, "
      "vocab.json,\n"
      "merges.txt) on the prompt, generates until the trace holds N tokens (prompt included;\n"
      "N <= the model's n_positions), prints the text and writes the trace. Greedy decoding "
      "unless\n"
      "--top-k, --temperature or --seed is given (then top-k sampling, defaults: all tokens, 1.0, "
      "0).";
  po::options_description desc("trace gpt2 options");
  desc.add_options()("help,h", "show this help")("model", po::value<std::string>()->required(),
                                                 "checkpoint directory")(
      "prompt", po::value<std::string>(), "prompt text (UTF-8); \"\" starts from <|endoftext|>")(
      "prompt-file", po::value<std::string>(), "read the prompt from a UTF-8 file")(
      "tokens", po::value<long long>()->required(), "trace length in tokens (prompt + generated)")(
      "top-k", po::value<int>(), "sample among the K most likely tokens (0: all)")(
      "temperature", po::value<double>(), "sampling temperature (> 0)")(
      "seed", po::value<unsigned long long>(), "sampling seed")(
      "output,o", po::value<std::string>()->required(), "trace file to write (.safetensors)")(
      "dtype", po::value<std::string>()->default_value("f32"),
      "f32 | f16 storage of q, k, v, attn_out")("no-attn-out", po::bool_switch(),
                                                "do not record the model's attention output")(
      "threads", po::value<int>()->default_value(0), "worker threads (0: all cores)")(
      "name", po::value<std::string>(), "model name in the metadata (default: the directory name)")(
      "quiet,q", po::bool_switch(), "no progress lines on stderr");
  po::variables_map vm;
  if (!parse_options(args, desc, vm, out, usage)) return kExitOk;

  if (vm.count("prompt") == vm.count("prompt-file"))
    throw UsageError("give exactly one of --prompt and --prompt-file\n" + usage);
  const long long tokens = vm["tokens"].as<long long>();
  if (tokens < 1) throw UsageError("--tokens must be >= 1, got " + std::to_string(tokens));
  gpt2::RecordOptions opts;
  opts.threads = thread_count(vm);
  io::PathCheck paths;
  add_checkpoint_inputs(paths, vm["model"].as<std::string>());
  if (vm.count("prompt-file")) paths.input("--prompt-file", vm["prompt-file"].as<std::string>());
  paths.output("--output", vm["output"].as<std::string>()).check();

  if (vm.count("prompt")) {
    opts.prompt = vm["prompt"].as<std::string>();
  } else {
    opts.prompt = io::read_input_file(vm["prompt-file"].as<std::string>(), kMaxPromptBytes,
                                      "the prompt file (UTF-8 text)");
  }
  if (const std::size_t bad = trace::first_invalid_utf8(opts.prompt); bad != opts.prompt.size()) {
    throw InputError(
        (vm.count("prompt") ? std::string("--prompt") : vm["prompt-file"].as<std::string>()) +
        ": not valid UTF-8 (byte offset " + std::to_string(bad) + "); prompts are UTF-8 text");
  }
  opts.tokens = static_cast<std::size_t>(tokens);
  if (vm.count("top-k") || vm.count("temperature") || vm.count("seed")) {
    opts.sampling.sample = true;
    if (vm.count("top-k")) {
      opts.sampling.top_k = vm["top-k"].as<int>();
      if (opts.sampling.top_k < 0) throw UsageError("--top-k must be >= 0 (0: all tokens)");
    }
    if (vm.count("temperature")) {
      opts.sampling.temperature = vm["temperature"].as<double>();
      if (!(opts.sampling.temperature > 0.0) || !std::isfinite(opts.sampling.temperature)) {
        throw UsageError(
            "--temperature must be a positive number (omit the sampling options for greedy "
            "decoding)");
      }
    }
    if (vm.count("seed")) opts.sampling.seed = vm["seed"].as<unsigned long long>();
  }
  opts.dtype = parse_dtype_option(vm["dtype"].as<std::string>());
  opts.attn_out = !vm["no-attn-out"].as<bool>();
  if (vm.count("name")) opts.model_name = vm["name"].as<std::string>();
  opts.tool = tool_name("gpt2");
  opts.tool_args = args;

  const std::string path = vm["output"].as<std::string>();
  const gpt2::Checkpoint ckpt = gpt2::load_checkpoint(vm["model"].as<std::string>());
  const gpt2::Gpt2Config& c = ckpt.config();
  const StopSignals stop;
  opts.stop = stop.flag();
  // A gain-cell model (gcattn.json) runs with the attention it was trained with.
  const eval::ModelAttention attention = eval::model_attention(
      eval::read_model_card(vm["model"].as<std::string>()), c.n_layer, c.n_head, opts.threads);
  opts.attention = attention.hook.get();
  opts.attention_name = attention.name;
  const gpt2::RecordResult r =
      gpt2::record_trace(ckpt, opts, path, vm["quiet"].as<bool>() ? nullptr : &std::cerr);
  if (r.interrupted) {
    out << "trace gpt2: interrupted (" << stop.name() << ") after " << r.tokens_done << " of "
        << opts.tokens << " tokens; no trace written\n";
    return kExitInterrupted;
  }

  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  out << r.text << "\n---\n"
      << "trace gpt2: " << r.meta.model << " (" << c.n_layer << " layers, " << c.n_head
      << " heads, d_head " << c.d_head() << "), " << r.prompt_tokens << " prompt + "
      << (opts.tokens - r.prompt_tokens) << " generated = " << opts.tokens << " tokens, "
      << r.meta.extra.at("decoding") << "\n"
      << "wrote " << path << " (" << (ec ? std::string("?") : mib(size)) << ", "
      << trace::dtype_name(opts.dtype) << (opts.attn_out ? ", attn_out" : "") << ") in "
      << std::fixed << std::setprecision(2) << r.seconds << " s (" << std::setprecision(1)
      << static_cast<double>(opts.tokens) / std::max(r.seconds, 1e-9) << " tokens/s)\n"
      << std::defaultfloat;
  return kExitOk;
}

int trace_synth(const Args& args, std::ostream& out) {
  const std::string usage =
      "usage: gcattn trace synth (--shape NAME | --layers L --heads H --dhead D) --tokens N -o "
      "FILE\n"
      "                          [--seed S] [--distribution normal|uniform] [--scale X]\n"
      "                          [--context C] [--dtype f32|f16] [--attn-out]\n"
      "Writes a synthetic trace (marked synthetic in its metadata). --shape gpt2 | gpt2-medium |\n"
      "gpt2-large | gpt2-xl takes layers, heads and d_head from the published GPT-2 "
      "configurations.\n"
      "Distributions: docs/trace-format.md.";
  po::options_description desc("trace synth options");
  desc.add_options()("help,h", "show this help")("shape", po::value<std::string>(),
                                                 "gpt2 | gpt2-medium | gpt2-large | gpt2-xl")(
      "layers", po::value<int>(), "layers")("heads", po::value<int>(), "heads per layer")(
      "dhead", po::value<int>(), "head dimension")("tokens", po::value<long long>()->required(),
                                                   "tokens")(
      "seed", po::value<unsigned long long>()->default_value(0), "random seed")(
      "distribution", po::value<std::string>()->default_value("normal"), "normal | uniform")(
      "scale", po::value<double>()->default_value(1.0), "overall value scale (> 0)")(
      "context", po::value<long long>()->default_value(1024),
      "context length recorded (and attn_out window)")(
      "dtype", po::value<std::string>()->default_value("f32"), "f32 | f16")(
      "attn-out", po::bool_switch(),
      "also store softmax attention outputs (O(tokens x context) work)")(
      "output,o", po::value<std::string>()->required(), "trace file to write (.safetensors)");
  po::variables_map vm;
  if (!parse_options(args, desc, vm, out, usage)) return kExitOk;

  trace::SynthOptions o;
  if (vm.count("shape")) {
    const std::string s = vm["shape"].as<std::string>();
    gpt2::Gpt2Config c;
    try {
      c = gpt2::published_config(s);
    } catch (const std::invalid_argument& e) {
      throw UsageError(std::string("--shape: ") + e.what());
    }
    o.layers = c.n_layer;
    o.heads = c.n_head;
    o.d_head = c.d_head();
    o.model = "synthetic-" + s;
  }
  const auto dim = [&](const char* key, int& field) {
    if (!vm.count(key)) {
      if (field == 0) throw UsageError(std::string("give --shape or --") + key + "\n" + usage);
      return;
    }
    const int v = vm[key].as<int>();
    if (v < 1)
      throw UsageError(std::string("--") + key + " must be >= 1, got " + std::to_string(v));
    if (field != 0 && field != v) {
      throw UsageError(std::string("--") + key + " " + std::to_string(v) +
                       " contradicts --shape (" + std::to_string(field) + ")");
    }
    field = v;
  };
  dim("layers", o.layers);
  dim("heads", o.heads);
  dim("dhead", o.d_head);
  const long long tokens = vm["tokens"].as<long long>(), context = vm["context"].as<long long>();
  if (tokens < 1) throw UsageError("--tokens must be >= 1");
  if (context < 1) throw UsageError("--context must be >= 1");
  o.tokens = static_cast<std::size_t>(tokens);
  o.context_length = static_cast<std::size_t>(context);
  o.seed = vm["seed"].as<unsigned long long>();
  o.distribution = vm["distribution"].as<std::string>();
  if (o.distribution != "normal" && o.distribution != "uniform") {
    throw UsageError("--distribution must be normal or uniform, got '" + o.distribution + "'");
  }
  o.scale = vm["scale"].as<double>();
  if (!(o.scale > 0.0) || !std::isfinite(o.scale))
    throw UsageError("--scale must be a positive number");
  o.dtype = parse_dtype_option(vm["dtype"].as<std::string>());
  o.attn_out = vm["attn-out"].as<bool>();
  o.tool = tool_name("synth");
  o.tool_args = args;
  const std::string path = vm["output"].as<std::string>();
  io::PathCheck().output("--output", path).check();
  const StopSignals stop;
  o.stop = stop.flag();
  std::optional<trace::TraceMeta> written;
  try {
    written = trace::write_synthetic_trace(path, o);
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  if (!written) {
    out << "trace synth: interrupted (" << stop.name() << "); no trace written\n";
    return kExitInterrupted;
  }
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  out << "trace synth: " << o.model << " " << o.layers << " layers x " << o.heads
      << " heads x d_head " << o.d_head << ", " << o.tokens << " tokens, " << o.distribution
      << " seed " << o.seed << " -> " << path << " (" << (ec ? std::string("?") : mib(size)) << ", "
      << trace::dtype_name(o.dtype) << ")\n";
  return kExitOk;
}

int trace_info(const Args& args, std::ostream& out) {
  const std::string usage =
      "usage: gcattn trace info FILE [--no-check] [--excerpt N]\n"
      "Validates a trace and prints its shape, model, tokens, a text excerpt and per-layer "
      "statistics\n"
      "of q, k, v (and attn_out) over all tokens, heads and dimensions.";
  po::options_description desc("trace info options");
  desc.add_options()("help,h", "show this help")("file", po::value<std::string>()->required(),
                                                 "trace file")("no-check", po::bool_switch(),
                                                               "skip the NaN/Inf scan on open")(
      "excerpt", po::value<int>()->default_value(240), "characters of text to show");
  po::positional_options_description pos;
  pos.add("file", 1);
  po::variables_map vm;
  if (!parse_options(args, desc, vm, out, usage, &pos)) return kExitOk;
  const std::string path = vm["file"].as<std::string>();
  trace::TraceReader::Options ro;
  ro.check_finite = !vm["no-check"].as<bool>();
  const trace::TraceReader tr(path, ro);
  const trace::TraceMeta& m = tr.meta();

  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  std::string args_str;
  for (const auto& a : m.tool_args) {
    const bool plain = !a.empty() && a.find_first_of(" \t\n'\"\\$`") == std::string::npos;
    std::string q = a;
    if (!plain) {  // shell-quote for display
      q = "'";
      for (char c : a) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
      q += "'";
    }
    args_str += (args_str.empty() ? "" : " ") + one_line(q, 200);
  }
  out << "file:     " << path << " (" << (ec ? std::string("?") : mib(size)) << ")\n"
      << "format:   " << trace::kTraceFormat << " version " << trace::kTraceFormatVersion << ", "
      << trace::dtype_name(tr.dtype(trace::Field::Q))
      << (tr.has_attn_out() ? ", with attn_out" : ", no attn_out") << "\n"
      << "model:    " << m.model << " (" << (m.synthetic ? "synthetic" : m.source) << "), "
      << m.layers << " layers x " << m.heads << " heads x d_head " << m.d_head << ", context "
      << m.context_length << "\n"
      << "tokens:   " << m.tokens
      << (m.synthetic ? std::string(" (synthetic values)")
                      : " (prompt " + std::to_string(m.prompt_length) + ", generated " +
                            std::to_string(m.tokens - m.prompt_length) + ")")
      << (m.vocab_size ? ", vocab " + std::to_string(m.vocab_size) : std::string()) << "\n"
      << "tool:     " << m.tool << (args_str.empty() ? "" : " " + args_str) << "\n";
  for (const auto& [k, v] : m.extra) {
    if (k == "generated_text") continue;
    out << "  " << k << ": " << (v.size() > 120 ? excerpt(v, 120) : v) << "\n";
  }
  if (!m.text.empty())
    out << "text:     "
        << excerpt(m.text, static_cast<std::size_t>(std::max(0, vm["excerpt"].as<int>()))) << "\n";

  // Per-layer statistics, streaming token by token.
  const int nf = tr.has_attn_out() ? 4 : 3;
  const auto L = static_cast<std::size_t>(m.layers),
             per_layer = static_cast<std::size_t>(m.heads) * m.d_head;
  struct Acc {
    double sum = 0, sq = 0, absmax = 0;
  };
  std::vector<Acc> acc(static_cast<std::size_t>(nf) * L);
  std::vector<float> row(m.row());
  const trace::Field fields[4] = {trace::Field::Q, trace::Field::K, trace::Field::V,
                                  trace::Field::AttnOut};
  for (std::size_t t = 0; t < m.tokens; ++t) {
    for (int f = 0; f < nf; ++f) {
      tr.read_token(fields[f], t, row.data());
      for (std::size_t l = 0; l < L; ++l) {
        Acc& a = acc[static_cast<std::size_t>(f) * L + l];
        for (std::size_t i = l * per_layer; i < (l + 1) * per_layer; ++i) {
          const double x = row[i];
          a.sum += x;
          a.sq += x * x;
          a.absmax = std::max(a.absmax, std::fabs(x));
        }
      }
    }
  }
  const double n = static_cast<double>(m.tokens) * static_cast<double>(per_layer);
  out << "per-layer statistics over tokens, heads and dims (mean / std / max |x|):\n  layer";
  for (int f = 0; f < nf; ++f) out << std::setw(f == 3 ? 27 : 25) << trace::field_name(fields[f]);
  out << "\n" << std::fixed;
  for (std::size_t l = 0; l < L; ++l) {
    out << "  " << std::setw(5) << l;
    for (int f = 0; f < nf; ++f) {
      const Acc& a = acc[static_cast<std::size_t>(f) * L + l];
      const double mean = a.sum / n, sd = std::sqrt(std::max(0.0, a.sq / n - mean * mean));
      out << "  " << std::setprecision(3) << std::setw(7) << mean << " " << std::setw(7) << sd
          << " " << std::setw(7) << a.absmax;
    }
    out << "\n";
  }
  out << std::defaultfloat;
  return kExitOk;
}

int trace_verify(const Args& args, std::ostream& out) {
  const std::string usage =
      "usage: gcattn trace verify FILE --model DIR [--tolerance X] [--threads T]\n"
      "Runs the trace's tokens through the GPT-2 checkpoint again and compares every q, k, v and\n"
      "attn_out value: |trace - engine| <= X * max(1, |engine|) (engine values rounded to F16 for\n"
      "F16 traces). Exit status 4 when a value differs.";
  po::options_description desc("trace verify options");
  desc.add_options()("help,h", "show this help")("file", po::value<std::string>()->required(),
                                                 "trace file")(
      "model", po::value<std::string>()->required(), "checkpoint directory")(
      "tolerance", po::value<double>()->default_value(1e-4), "allowed difference")(
      "threads", po::value<int>()->default_value(0), "worker threads (0: all cores)");
  po::positional_options_description pos;
  pos.add("file", 1);
  po::variables_map vm;
  if (!parse_options(args, desc, vm, out, usage, &pos)) return kExitOk;
  const double tol = vm["tolerance"].as<double>();
  if (!(tol >= 0.0)) throw UsageError("--tolerance must be >= 0");
  const int threads = thread_count(vm);
  const trace::TraceReader tr(vm["file"].as<std::string>());
  if (tr.meta().synthetic)
    throw InputError(tr.path() + ": a synthetic trace has no model to verify against");
  const gpt2::Checkpoint ckpt = gpt2::load_checkpoint(vm["model"].as<std::string>());
  const eval::ModelAttention attention =
      eval::model_attention(eval::read_model_card(vm["model"].as<std::string>()),
                            ckpt.config().n_layer, ckpt.config().n_head, threads);
  const gpt2::VerifyResult r = gpt2::verify_trace(ckpt, tr, threads, tol, attention.hook.get());
  out << "trace verify: " << tr.path() << " against " << ckpt.dir << ", " << tr.tokens()
      << " tokens\n";
  for (int f = 0; f < 4; ++f) {
    if (!r.field[f].present) continue;
    out << "  " << std::setw(8) << trace::field_name(static_cast<trace::Field>(f))
        << ": max |diff| " << std::setprecision(3) << r.field[f].max_abs_diff << " (max |value| "
        << r.field[f].max_abs_value << ")\n";
  }
  if (!r.ok)
    throw InputError(tr.path() + ": differs from the engine beyond tolerance " +
                     std::to_string(tol) + " at " + r.first_failure);
  out << "  ok: every value within tolerance " << tol << "\n";
  return kExitOk;
}

}  // namespace

int cmd_trace(const Args& args, std::ostream& out) {
  if (args.empty()) throw UsageError(std::string("missing trace subcommand\n") + kTraceUsage);
  const std::string& sub = args[0];
  const Args rest(args.begin() + 1, args.end());
  if (sub == "--help" || sub == "-h" || sub == "help") {
    out << kTraceUsage << "\n";
    return kExitOk;
  }
  if (sub == "gpt2") return trace_gpt2(rest, out);
  if (sub == "synth") return trace_synth(rest, out);
  if (sub == "info") return trace_info(rest, out);
  if (sub == "verify") return trace_verify(rest, out);
  throw UsageError("unknown trace subcommand '" + sub + "'\n" + kTraceUsage);
}

}  // namespace gcattn::cli
