#include "gpt2/trace_recorder.h"

#include <chrono>
#include <cmath>
#include <iomanip>
#include <ostream>
#include <sstream>

#include "base/errors.h"
#include "trace/half.h"
#include "trace/utf8.h"

namespace gcattn::gpt2 {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

std::string index_string(std::size_t i, const Gpt2Config& c) {
  const auto D = static_cast<std::size_t>(c.d_head()), H = static_cast<std::size_t>(c.n_head),
             L = static_cast<std::size_t>(c.n_layer);
  return "[token " + std::to_string(i / (L * H * D)) + ", layer " +
         std::to_string(i / (H * D) % L) + ", head " + std::to_string(i / D % H) + ", dim " +
         std::to_string(i % D) + "]";
}

}  // namespace

RecordResult record_trace(const Checkpoint& ckpt, const RecordOptions& opts,
                          const std::string& out_path, std::ostream* progress) {
  const Gpt2Config& cfg = ckpt.config();
  RecordResult r;
  r.ids = ckpt.tokenizer.encode(opts.prompt);
  if (r.ids.empty()) {
    if (!ckpt.tokenizer.end_of_text()) {
      throw InputError(
          "the prompt is empty and the vocabulary has no <|endoftext|> token to start from");
    }
    r.ids.push_back(*ckpt.tokenizer.end_of_text());
  }
  r.prompt_tokens = r.ids.size();
  if (opts.tokens > static_cast<std::size_t>(cfg.n_positions)) {
    throw InputError("--tokens " + std::to_string(opts.tokens) +
                     " exceeds the model's context (n_positions = " +
                     std::to_string(cfg.n_positions) + " in " + ckpt.dir + "/config.json)");
  }
  if (opts.tokens < r.prompt_tokens) {
    throw InputError("the prompt is " + std::to_string(r.prompt_tokens) +
                     " tokens, more than --tokens " + std::to_string(opts.tokens) +
                     " (the trace length includes the prompt)");
  }
  if (opts.sampling.sample &&
      !(opts.sampling.temperature > 0.0 && std::isfinite(opts.sampling.temperature))) {
    throw UsageError("--temperature must be a positive number");
  }

  trace::TraceMeta meta;
  meta.model = opts.model_name.empty() ? ckpt.name : opts.model_name;
  meta.source = "gpt2";
  meta.synthetic = false;
  meta.tokens = opts.tokens;
  meta.layers = cfg.n_layer;
  meta.heads = cfg.n_head;
  meta.d_head = cfg.d_head();
  meta.context_length = static_cast<std::size_t>(cfg.n_positions);
  meta.prompt_length = r.prompt_tokens;
  meta.vocab_size = static_cast<std::size_t>(cfg.vocab_size);
  meta.prompt = trace::sanitize_utf8(opts.prompt);
  meta.tool = opts.tool;
  meta.tool_args = opts.tool_args;
  meta.extra["model_dir"] = ckpt.dir;
  meta.extra["n_embd"] = std::to_string(cfg.n_embd);
  std::ostringstream dec;
  if (opts.sampling.sample) {
    dec << "sample top_k=" << opts.sampling.top_k << " temperature=" << std::setprecision(17)
        << opts.sampling.temperature << " seed=" << opts.sampling.seed;
  } else {
    dec << "greedy";
  }
  meta.extra["decoding"] = dec.str();
  meta.extra["qkv"] = "c_attn output split into q|k|v and heads, before the 1/sqrt(d_head) scaling";
  if (opts.attention) meta.extra["attention"] = opts.attention_name;
  if (opts.attn_out)
    meta.extra["attn_out"] =
        opts.attention
            ? "the model's own attention (" + opts.attention_name + ") per head, before c_proj"
            : "softmax(q k^T / sqrt(d_head)) v per head, before c_proj";

  // The header grows at finish() by the text; reserve room for typical text so that it is
  // rewritten in place (longer text costs one extra copy of the file, nothing else).
  const std::size_t reserve = 65536 + 2 * opts.prompt.size() + 64 * opts.tokens;
  trace::TraceWriter writer(out_path, meta, opts.dtype, opts.attn_out, reserve);

  Gpt2Model model(ckpt.weights, opts.threads);
  model.set_attention_hook(opts.attention);
  TokenSampler sampler(opts.sampling);
  TokenRecord rec(cfg);
  const auto t0 = Clock::now();
  auto last = t0;
  for (std::size_t t = 0; t < opts.tokens; ++t) {
    if (opts.stop && *opts.stop) {
      r.interrupted = true;  // the writer's destructor removes the partial file
      r.seconds = seconds_since(t0);
      return r;
    }
    const float* logits = model.step(r.ids[t], &rec);
    r.tokens_done = t + 1;
    writer.write_token(t, r.ids[t], rec.q.data(), rec.k.data(), rec.v.data(),
                       opts.attn_out ? rec.attn_out.data() : nullptr);
    if (t + 1 < opts.tokens && t + 1 >= r.ids.size()) {
      r.ids.push_back(sampler.pick(logits, static_cast<std::size_t>(cfg.vocab_size)));
    }
    if (progress && std::chrono::duration<double>(Clock::now() - last).count() > 5.0) {
      last = Clock::now();
      *progress << "trace gpt2: " << (t + 1) << "/" << opts.tokens << " tokens, " << std::fixed
                << std::setprecision(1) << (static_cast<double>(t + 1) / seconds_since(t0))
                << " tokens/s\n"
                << std::defaultfloat << std::flush;
    }
  }
  r.seconds = seconds_since(t0);
  r.text = trace::sanitize_utf8(ckpt.tokenizer.decode(r.ids));
  r.generated = trace::sanitize_utf8(ckpt.tokenizer.decode(
      std::vector<int>(r.ids.begin() + static_cast<std::ptrdiff_t>(r.prompt_tokens), r.ids.end())));
  meta.text = r.text;
  meta.extra["generated_text"] = r.generated;
  writer.finish(meta);
  r.meta = meta;
  return r;
}

VerifyResult verify_trace(const Checkpoint& ckpt, const trace::TraceReader& tr, int threads,
                          double tolerance, AttentionHook* attention) {
  const Gpt2Config& cfg = ckpt.config();
  const trace::TraceMeta& m = tr.meta();
  if (m.layers != cfg.n_layer || m.heads != cfg.n_head || m.d_head != cfg.d_head()) {
    throw InputError(tr.path() + ": trace shape (layers " + std::to_string(m.layers) + ", heads " +
                     std::to_string(m.heads) + ", d_head " + std::to_string(m.d_head) +
                     ") differs from " + ckpt.dir + " (" + std::to_string(cfg.n_layer) + ", " +
                     std::to_string(cfg.n_head) + ", " + std::to_string(cfg.d_head()) + ")");
  }
  if (m.tokens > static_cast<std::size_t>(cfg.n_positions)) {
    throw InputError(tr.path() + ": " + std::to_string(m.tokens) +
                     " tokens exceed the model's n_positions = " + std::to_string(cfg.n_positions));
  }
  Gpt2Model model(ckpt.weights, threads);
  model.set_attention_hook(attention);
  TokenRecord rec(cfg);
  const std::size_t row = m.row();
  std::vector<float> stored(row);
  VerifyResult res;
  const trace::Field fields[4] = {trace::Field::Q, trace::Field::K, trace::Field::V,
                                  trace::Field::AttnOut};
  for (std::size_t t = 0; t < m.tokens; ++t) {
    model.step(tr.token_id(t), &rec);
    const std::vector<float>* ref[4] = {&rec.q, &rec.k, &rec.v, &rec.attn_out};
    for (int f = 0; f < 4; ++f) {
      if (fields[f] == trace::Field::AttnOut && !tr.has_attn_out()) continue;
      FieldDiff& d = res.field[f];
      d.present = true;
      const bool half = tr.dtype(fields[f]) == trace::DType::F16;
      tr.read_token(fields[f], t, stored.data());
      for (std::size_t i = 0; i < row; ++i) {
        float e = (*ref[f])[i];
        if (half) e = trace::half_to_float(trace::float_to_half(e));
        const double diff = std::fabs(static_cast<double>(stored[i]) - e);
        if (std::fabs(e) > d.max_abs_value) d.max_abs_value = std::fabs(e);
        if (diff > d.max_abs_diff) {
          d.max_abs_diff = diff;
          d.worst = t * row + i;
        }
        if (res.ok && diff > tolerance * std::max(1.0, static_cast<double>(std::fabs(e)))) {
          res.ok = false;
          std::ostringstream os;
          os << trace::field_name(fields[f]) << " " << index_string(t * row + i, cfg) << ": trace "
             << std::setprecision(9) << stored[i] << ", engine " << e;
          res.first_failure = os.str();
        }
      }
    }
  }
  return res;
}

}  // namespace gcattn::gpt2
