#include "eval/eval_session.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>
#include <iomanip>
#include <memory>
#include <optional>
#include <ostream>
#include <sstream>

#include <tlm>

#include "base/errors.h"
#include "base/stop_signals.h"
#include "base/version.h"
#include "eval/accelerator_attention.h"
#include "eval/host_attention.h"
#include "eval/model_card.h"
#include "eval/text_source.h"
#include "gcattn/config/config.h"
#include "gcattn/config/hardware_params.h"
#include "gcattn/systemc/accelerator.h"
#include "gpt2/checkpoint.h"
#include "player/hardware_report.h"
#include "player/host_settings.h"
#include "player/run_session.h"
#include "player/simulation.h"
#include "report/report.h"
#include "scalers/scalers.h"
#include "trace/utf8.h"

namespace gcattn::eval {
namespace json = boost::json;
using Clock = std::chrono::steady_clock;

Attention parse_attention(const std::string& name) {
  if (name == "accelerator") return Attention::Accelerator;
  if (name == "host") return Attention::Host;
  if (name == "both") return Attention::Both;
  throw UsageError("--attention must be accelerator, host or both, got '" + name + "'");
}

namespace {

// Everything a pass needs, loaded and checked once.
struct Setup {
  gpt2::Checkpoint ckpt;
  ModelCard card;
  Config cfg;
  HardwareParams hw;
  std::optional<ScalerTable> scalers;  // as the accelerator stores them (float32)
  std::string scalers_source;
  int L = 0, H = 0, D = 0;
  player::HostSettings host;
};

// accelerator: the pass needs the accelerator (then, or for a gain-cell model, scalers too).
Setup load(const SessionOptions& o, bool accelerator) {
  ModelCard card = read_model_card(o.model_dir);
  const std::string preset = o.config.empty() ? card.preset : o.config;
  Setup s{gpt2::load_checkpoint(o.model_dir),
          std::move(card),
          Config::load(preset),
          HardwareParams{},
          std::nullopt,
          "",
          0,
          0,
          0,
          player::HostSettings{}};
  for (const auto& [k, v] : s.card.overrides) s.cfg.set(k, v, "model card " + s.card.path);
  for (const auto& a : o.sets) s.cfg.set(a);
  const gpt2::Gpt2Config& mc = s.ckpt.config();
  s.L = mc.n_layer;
  s.H = mc.n_head;
  s.D = mc.d_head();
  s.cfg.set("model.layers", std::to_string(s.L), "model " + o.model_dir);
  s.cfg.set("model.heads", std::to_string(s.H), "model " + o.model_dir);
  s.hw = HardwareParams::from(s.cfg);
  s.host = player::HostSettings::from(s.cfg);
  if (!accelerator && !s.card.hardware()) return s;
  if (s.D != s.hw.rows) {
    throw InputError(o.model_dir + ": head dimension " + std::to_string(s.D) +
                     " (n_embd / n_head) does not fit the arrays' " + std::to_string(s.hw.rows) +
                     " rows (array.rows, one row per head dimension); use a model with "
                     "head dimension " +
                     std::to_string(s.hw.rows) + " or --set array.rows=" + std::to_string(s.D));
  }
  std::string path = o.scalers_path.empty() ? s.card.scalers_path : o.scalers_path;
  if (path.empty()) {
    throw InputError(o.model_dir +
                     " is a softmax model (no gcattn.json naming scalers): its attention does "
                     "not run on the gain-cell hardware as trained; give --scalers FILE "
                     "(`gcattn calibrate` on a trace of it) or use --attention host");
  }
  ScalerTable t = read_scalers(path);
  if (t.layers != s.L || t.heads != s.H) {
    throw InputError(path + ": scalers for " + std::to_string(t.layers) + " layers x " +
                     std::to_string(t.heads) + " heads, but the model " + o.model_dir + " has " +
                     std::to_string(s.L) + " x " + std::to_string(s.H));
  }
  s.scalers = t.rounded_to_float();
  s.scalers_source = path;
  return s;
}

// Scores of one pass over the text.
struct Pass {
  std::string attention;  // "accelerator", "host-softmax", "host-gaincell"
  double nll = 0.0;       // summed, nats
  std::size_t tokens = 0, bytes = 0;
  double wall_s = 0.0;
  bool complete = true;
  std::vector<int> top1;  // argmax of every prediction
};

// Teacher-forced next-token prediction over the chunks; new_sequence() runs before each chunk.
void score(gpt2::Gpt2Model& m, const gpt2::Tokenizer& tok, const std::vector<int>& ids,
           const std::vector<Chunk>& chunks, const std::function<void()>& new_sequence,
           const SessionOptions& o, Pass& p) {
  const auto t0 = Clock::now();
  const auto V = static_cast<std::size_t>(m.config().vocab_size);
  std::size_t total = 0;
  for (const Chunk& c : chunks) total += c.length;
  auto last_draw = t0;
  for (const Chunk& c : chunks) {
    new_sequence();
    m.reset();
    for (std::size_t i = 0; i < c.length; ++i) {
      if (o.stop && *o.stop) {
        p.complete = false;
        p.wall_s = std::chrono::duration<double>(Clock::now() - t0).count();
        return;
      }
      const float* logits = m.step(ids[c.begin + i]);
      const int target = ids[c.begin + i + 1];
      const float* mx = std::max_element(logits, logits + V);
      double sum = 0.0;
      for (std::size_t j = 0; j < V; ++j) sum += std::exp(static_cast<double>(logits[j]) - *mx);
      p.nll += std::log(sum) + *mx - logits[target];
      p.top1.push_back(static_cast<int>(mx - logits));
      ++p.tokens;
      p.bytes += tok.token_bytes(target).size();
      if (o.progress &&
          (Clock::now() - last_draw > std::chrono::milliseconds(200) || p.tokens == total)) {
        last_draw = Clock::now();
        *o.progress << "\r" << p.attention << ": " << p.tokens << "/" << total << " tokens, ppl "
                    << std::fixed << std::setprecision(3)
                    << std::exp(p.nll / static_cast<double>(p.tokens)) << std::defaultfloat
                    << (p.tokens == total ? "\n" : "   ") << std::flush;
      }
    }
  }
  p.wall_s = std::chrono::duration<double>(Clock::now() - t0).count();
}

ModelAttention host_attention(const Setup& s, int threads) {
  if (!s.card.hardware() || !s.scalers) return {};
  return model_attention(s.hw, s.card, *s.scalers, threads);
}

json::object pass_json(const Pass& p) {
  const double n = static_cast<double>(std::max<std::size_t>(p.tokens, 1));
  return {{"attention", p.attention},
          {"complete", p.complete},
          {"tokens", p.tokens},
          {"bytes", p.bytes},
          {"nll_nats_per_token", p.nll / n},
          {"perplexity", std::exp(p.nll / n)},
          {"bits_per_byte",
           p.nll / std::log(2.0) / static_cast<double>(std::max<std::size_t>(p.bytes, 1))},
          {"wall_time_s", p.wall_s},
          {"tokens_per_s", p.wall_s > 0 ? static_cast<double>(p.tokens) / p.wall_s : 0.0}};
}

// The accelerator pass: elaborates the accelerator and the closed-loop host, runs the body in
// the host's SystemC thread, fills the hardware sections of rep.
struct AcceleratorRun {
  report::Report rep;
  player::PlayerStats stats;
};

AcceleratorRun run_on_accelerator(
    const Setup& s, const SessionOptions& o, std::size_t sequence_tokens,
    const std::function<void(gpt2::Gpt2Model&, player::LayerStepper&)>& body) {
  player::check_time_range(s.cfg, sequence_tokens * static_cast<std::size_t>(s.L), s.host.gap_ns);
  WorkerPool pool(o.threads);
  gpt2::Gpt2Model model(s.ckpt.weights, o.threads);
  sc::Accelerator accel("accelerator", s.cfg);
  accel.set_worker_pool(&pool);
  sc_core::sc_signal<bool> irq("irq");
  AcceleratorAttention host("host", o.coding, s.host.completion,
                            sc_core::sc_time(s.host.gap_ns, sc_core::SC_NS),
                            [&](AcceleratorAttention& a) {
                              a.stepper().setup(s.L, s.H, s.D, "the model " + o.model_dir,
                                                *s.scalers, false, s.host.poll_interval);
                              model.set_attention_hook(&a);
                              body(model, a.stepper());
                            });
  accel.irq(irq);
  host.irq(irq);
  host.host.socket.bind(accel.socket());
  player::run_simulation();
  if (host.error()) std::rethrow_exception(host.error());
  AcceleratorRun r;
  r.stats = host.stats();
  report::Report& rep = r.rep;
  rep.tool = std::string("gcattn ") + version();
  rep.command_line = o.command_line;
  rep.mode = o.coding == sc::Coding::LooselyTimed ? "lt" : "at";
  rep.completion = s.host.completion_name();
  rep.functional = true;
  rep.layers = s.L;
  rep.heads = s.H;
  rep.d_head = s.D;
  rep.window = s.hw.window_tokens;
  const std::vector<std::string> gpus = o.gpus;
  player::fill_hardware_sections(rep, {s.cfg, s.hw, accel.statistics(), r.stats, s.L, s.H, s.D,
                                       s.host.gap_ns, *s.scalers, nullptr, gpus, sequence_tokens});
  rep.scalers = json::object{{"source", "file"}, {"path", s.scalers_source}};
  rep.config = json::parse(s.cfg.to_json(false));
  return r;
}

json::object model_json(const Setup& s, const std::string& dir) {
  const gpt2::Gpt2Config& c = s.ckpt.config();
  return {{"path", dir},
          {"attention", s.card.attention_name()},
          {"card", s.card.path},
          {"layers", c.n_layer},
          {"heads", c.n_head},
          {"d_head", c.d_head()},
          {"n_positions", c.n_positions},
          {"vocab_size", c.vocab_size},
          {"training_decay_per_token", s.card.decay_per_token}};
}

std::string fmt(double v, int prec = 4) {
  std::ostringstream os;
  os << std::setprecision(prec) << v;
  return os.str();
}

}  // namespace

EvalResult run_eval(const EvalOptions& o) {
  const auto wall0 = Clock::now();
  const bool accel = o.attention != Attention::Host;
  Setup s = load(o, accel);
  const std::string text = read_text_file(o.text_path);
  const std::vector<int> ids = s.ckpt.tokenizer.encode(text);
  if (ids.size() < 2) {
    throw InputError(o.text_path + ": " + std::to_string(ids.size()) +
                     " token: at least 2 tokens are needed to predict one");
  }
  const std::size_t available = ids.size() - 1;
  if (o.tokens > available) {
    throw InputError("--tokens " + std::to_string(o.tokens) +
                     " is beyond the text: " + o.text_path + " has " + std::to_string(ids.size()) +
                     " tokens, so at most " + std::to_string(available) +
                     " predictions; use --tokens " + std::to_string(available) + " or less");
  }
  const std::size_t n = o.tokens ? o.tokens : available;
  const auto context = static_cast<std::size_t>(std::min(
      s.ckpt.config().n_positions, accel ? s.hw.window_tokens : s.ckpt.config().n_positions));
  const std::vector<Chunk> chunks = make_chunks(n, context);

  std::optional<Pass> host_pass, acc_pass;
  EvalResult res;
  json::object rep;
  if (o.attention != Attention::Accelerator) {
    ModelAttention ha = host_attention(s, o.threads);
    gpt2::Gpt2Model model(s.ckpt.weights, o.threads);
    model.set_attention_hook(ha.hook.get());
    Pass p;
    p.attention = ha.hook ? "host-gaincell" : "host-softmax";
    score(
        model, s.ckpt.tokenizer, ids, chunks,
        [&] {
          if (ha.hook) ha.hook->clear();
        },
        o, p);
    host_pass = std::move(p);
  }
  if (accel && (!host_pass || host_pass->complete)) {
    Pass p;
    p.attention = "accelerator";
    AcceleratorRun ar = run_on_accelerator(
        s, o, std::min(context, n), [&](gpt2::Gpt2Model& m, player::LayerStepper& st) {
          score(
              m, s.ckpt.tokenizer, ids, chunks, [&] { st.clear_kv(); }, o, p);
        });
    ar.rep.complete = p.complete;
    ar.rep.tokens_requested = n;
    ar.rep.tokens_simulated = p.tokens;
    if (!p.complete)
      ar.rep.stop_reason = "interrupted after " + std::to_string(p.tokens) + " tokens";
    ar.rep.notes.push_back(
        "closed loop: the C++ GPT-2 engine computed every attention of every layer and head on "
        "the simulated accelerator through its TLM-2.0 host interface; timing and energy are for "
        "the tokens evaluated (one layer step per token and layer, host gap player.host_gap_ns "
        "between "
        "steps); leakage decays with simulated time (leakage.mode)");
    rep = report::to_json(ar.rep);
    acc_pass = std::move(p);
  } else {
    rep = {{"tool", std::string("gcattn ") + version()},
           {"config", json::parse(s.cfg.to_json(false))}};
    json::array cl;
    for (const auto& a : o.command_line) cl.emplace_back(a);
    rep["command_line"] = std::move(cl);
  }

  const Pass& main = acc_pass ? *acc_pass : *host_pass;
  json::object ev = pass_json(main);
  ev["text"] = o.text_path;
  ev["chunks"] = chunks.size();
  ev["context"] = context;
  ev["chunking"] =
      "chunk c feeds tokens [c*context, c*context + length) from an empty KV cache (CONTROL."
      "CLEAR_KV on the accelerator) and predicts the next token of each; docs/model-flow.md";
  double top1 = 0.0;
  if (host_pass && acc_pass) {
    ev["host"] = pass_json(*host_pass);
    std::size_t agree = 0, k = std::min(host_pass->top1.size(), acc_pass->top1.size());
    for (std::size_t i = 0; i < k; ++i) agree += host_pass->top1[i] == acc_pass->top1[i];
    top1 = k ? static_cast<double>(agree) / static_cast<double>(k) : 0.0;
    ev["top1_agreement"] = top1;
    ev["perplexity_ratio_accelerator_to_host"] =
        std::exp(acc_pass->nll / static_cast<double>(std::max<std::size_t>(acc_pass->tokens, 1)) -
                 host_pass->nll / static_cast<double>(std::max<std::size_t>(host_pass->tokens, 1)));
  }
  rep["eval"] = std::move(ev);
  rep["model"] = model_json(s, o.model_dir);
  res.complete = main.complete && (!host_pass || host_pass->complete);
  rep["complete"] = res.complete;
  rep["wall_time_s"] = std::chrono::duration<double>(Clock::now() - wall0).count();

  std::ostringstream os;
  os << "eval " << (res.complete ? "complete" : "INCOMPLETE (interrupted)") << ": " << o.model_dir
     << " (" << s.card.attention_name() << " model) on " << o.text_path << ", " << main.tokens
     << " tokens in " << chunks.size() << " chunk(s) of up to " << context << "\n";
  auto line = [&](const Pass& p) {
    const double t = static_cast<double>(std::max<std::size_t>(p.tokens, 1));
    os << "  " << std::left << std::setw(14) << p.attention << std::right << " perplexity "
       << fmt(std::exp(p.nll / t), 5) << ", " << fmt(p.nll / t, 5) << " nats/token, "
       << fmt(p.nll / std::log(2.0) / static_cast<double>(std::max<std::size_t>(p.bytes, 1)), 4)
       << " bits/byte; " << fmt(p.wall_s > 0 ? t / p.wall_s : 0.0, 4) << " tokens/s wall\n";
  };
  if (host_pass) line(*host_pass);
  if (acc_pass) line(*acc_pass);
  if (host_pass && acc_pass) {
    os << "  top-1 agreement accelerator vs host " << fmt(top1, 5) << "\n";
  }
  res.summary = os.str();
  res.report = std::move(rep);
  return res;
}

GenerateResult run_generate(const GenerateOptions& o) {
  const bool accel = o.attention != Attention::Host;
  if (o.attention == Attention::Both)
    throw UsageError("generate: --attention is accelerator or host (both is for eval)");
  Setup s = load(o, accel);
  if (o.prompt.empty()) throw UsageError("--prompt is empty: give the text to continue");
  if (!trace::valid_utf8(o.prompt)) throw UsageError("--prompt is not UTF-8 text");
  const std::vector<int> prompt = s.ckpt.tokenizer.encode(o.prompt);
  const std::size_t limit = static_cast<std::size_t>(std::min(
      s.ckpt.config().n_positions, accel ? s.hw.window_tokens : s.ckpt.config().n_positions));
  if (prompt.size() + o.tokens > limit) {
    throw UsageError("the prompt (" + std::to_string(prompt.size()) + " tokens) and --tokens " +
                     std::to_string(o.tokens) + " exceed the context of " + std::to_string(limit) +
                     " tokens; generate at most " +
                     std::to_string(limit > prompt.size() ? limit - prompt.size() : 0));
  }
  GenerateResult g;
  g.prompt_tokens = prompt.size();
  std::vector<int> all = prompt;
  double wall_s = 0.0;
  auto body = [&](gpt2::Gpt2Model& m) {
    const auto t0 = Clock::now();
    gpt2::TokenSampler sampler(o.sampling);
    const float* logits = nullptr;
    for (int id : prompt) logits = m.step(id);
    const auto V = static_cast<std::size_t>(m.config().vocab_size);
    for (std::size_t i = 0; i < o.tokens; ++i) {
      if (o.stop && *o.stop) {
        g.complete = false;
        break;
      }
      const int id = sampler.pick(logits, V);
      all.push_back(id);
      ++g.generated;
      if (i + 1 < o.tokens) logits = m.step(id);
    }
    wall_s = std::chrono::duration<double>(Clock::now() - t0).count();
  };
  std::ostringstream os;
  if (accel) {
    AcceleratorRun ar = run_on_accelerator(
        s, o, all.size() + o.tokens, [&](gpt2::Gpt2Model& m, player::LayerStepper&) { body(m); });
    const report::Report& r = ar.rep;
    const double steps = static_cast<double>(r.timing.layer_steps);
    const double tokens = steps / s.L;
    os << "simulated accelerator: " << fmt(r.timing.latency_per_token_ns)
       << " ns attention latency per token (" << s.L << " layers), token period "
       << fmt(tokens > 0 ? r.timing.simulated_time_ns / tokens : 0.0)
       << " ns with host transfers and gaps; " << fmt(r.energy.per_token_pj * 1e-3)
       << " nJ per token (" << fmt(r.energy.total_pj * 1e-3) << " nJ for "
       << static_cast<std::size_t>(tokens) << " tokens, prompt included)\n";
  } else {
    ModelAttention ha = host_attention(s, o.threads);
    gpt2::Gpt2Model model(s.ckpt.weights, o.threads);
    model.set_attention_hook(ha.hook.get());
    body(model);
    os << "attention on the host (" << (ha.hook ? ha.name : std::string("softmax")) << ")\n";
  }
  const double processed = static_cast<double>(g.prompt_tokens + g.generated);
  os << "wall: " << fmt(wall_s > 0 ? processed / wall_s : 0.0) << " tokens/s (" << g.generated
     << " generated after a prompt of " << g.prompt_tokens << " tokens)\n";
  g.text = trace::sanitize_utf8(s.ckpt.tokenizer.decode(all));
  g.summary = os.str();
  return g;
}

}  // namespace gcattn::eval
