#pragma once
// Test helpers: tiny random GPT-2 checkpoints written with the safetensors writer, and an
// independent, straightforward GPT-2 forward pass (whole sequence, no KV cache, plain loops in
// double) to check the engine against.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <unistd.h>

#include <boost/json.hpp>

#include "gpt2/tokenizer.h"
#include "trace/half.h"
#include "trace/safetensors.h"

namespace gcattn::testing {

struct TinySpec {
  int n_layer = 2, n_head = 2, n_embd = 16, n_positions = 40;
  std::uint32_t seed = 7;
  trace::DType dtype = trace::DType::F32;
  std::string prefix;         // "" or "transformer."
  bool mask_buffers = false;  // add h.N.attn.bias / masked_bias like old exports
  bool lm_head_copy = false;  // store lm_head.weight (= wte)
  double weight_std = 0.3;
};

/// Byte vocabulary (ids 0..255 in byte order) + three merges ("Ġ t", "h e", "Ġt he") +
/// <|endoftext|>: 260 tokens.
inline std::vector<std::string> tiny_vocab() {
  std::vector<std::string> v;
  for (int b = 0; b < 256; ++b)
    v.push_back(gpt2::bytes_to_vocab_string(std::string(1, static_cast<char>(b))));
  v.push_back(gpt2::bytes_to_vocab_string(" t"));
  v.push_back(gpt2::bytes_to_vocab_string("he"));
  v.push_back(gpt2::bytes_to_vocab_string(" the"));
  v.push_back("<|endoftext|>");
  return v;
}

inline std::vector<std::pair<std::string, std::string>> tiny_merges() {
  return {{gpt2::bytes_to_vocab_string(" "), "t"},
          {"h", "e"},
          {gpt2::bytes_to_vocab_string(" t"), "he"}};
}

/// Weights by name (without prefix), as float values exactly as stored (rounded to the dtype).
using WeightMap = std::map<std::string, std::vector<float>>;

inline float round_to(float x, trace::DType t) {
  if (t == trace::DType::F16) return trace::half_to_float(trace::float_to_half(x));
  if (t == trace::DType::BF16) return trace::bf16_to_float(trace::float_to_bf16(x));
  return x;
}

/// Writes config.json, model.safetensors, vocab.json, merges.txt into dir; returns the weights.
inline WeightMap write_tiny_checkpoint(const std::filesystem::path& dir, const TinySpec& s) {
  std::filesystem::create_directories(dir);
  const auto vocab = tiny_vocab();
  const int V = static_cast<int>(vocab.size()), C = s.n_embd, I = 4 * s.n_embd, P = s.n_positions;
  {
    boost::json::object cfg{{"model_type", "gpt2"},
                            {"n_layer", s.n_layer},
                            {"n_head", s.n_head},
                            {"n_embd", C},
                            {"n_positions", P},
                            {"n_ctx", P},
                            {"vocab_size", V},
                            {"layer_norm_epsilon", 1e-5},
                            {"n_inner", nullptr},
                            {"activation_function", "gelu_new"},
                            {"tie_word_embeddings", true}};
    std::ofstream(dir / "config.json") << boost::json::serialize(cfg);
  }
  {
    boost::json::object v;
    for (int i = 0; i < V; ++i) v[vocab[static_cast<std::size_t>(i)]] = i;
    std::ofstream(dir / "vocab.json", std::ios::binary) << boost::json::serialize(v);
    std::ofstream m(dir / "merges.txt", std::ios::binary);
    m << "#version: 0.2\n";
    for (const auto& [a, b] : tiny_merges()) m << a << " " << b << "\n";
  }
  std::mt19937 rng(s.seed);
  std::normal_distribution<float> n01(0.0f, 1.0f);
  WeightMap w;
  std::vector<trace::OwnedTensor> tensors;
  const auto add = [&](const std::string& name, std::vector<std::size_t> shape, float mean,
                       float sd) {
    std::size_t count = 1;
    for (auto d : shape) count *= d;
    std::vector<float> vals(count);
    for (auto& x : vals) x = round_to(mean + sd * n01(rng), s.dtype);
    tensors.push_back(trace::OwnedTensor::from_floats(s.prefix + name, shape, vals, s.dtype));
    w[name] = vals;
  };
  const auto sd = static_cast<float>(s.weight_std);
  const auto uC = static_cast<std::size_t>(C), uI = static_cast<std::size_t>(I);
  add("wte.weight", {static_cast<std::size_t>(V), uC}, 0.0f, 0.5f);
  add("wpe.weight", {static_cast<std::size_t>(P), uC}, 0.0f, 0.2f);
  for (int l = 0; l < s.n_layer; ++l) {
    const std::string p = "h." + std::to_string(l) + ".";
    add(p + "ln_1.weight", {uC}, 1.0f, 0.1f);
    add(p + "ln_1.bias", {uC}, 0.0f, 0.1f);
    add(p + "attn.c_attn.weight", {uC, 3 * uC}, 0.0f, sd);
    add(p + "attn.c_attn.bias", {3 * uC}, 0.0f, 0.1f);
    add(p + "attn.c_proj.weight", {uC, uC}, 0.0f, sd);
    add(p + "attn.c_proj.bias", {uC}, 0.0f, 0.1f);
    add(p + "ln_2.weight", {uC}, 1.0f, 0.1f);
    add(p + "ln_2.bias", {uC}, 0.0f, 0.1f);
    add(p + "mlp.c_fc.weight", {uC, uI}, 0.0f, sd);
    add(p + "mlp.c_fc.bias", {uI}, 0.0f, 0.1f);
    add(p + "mlp.c_proj.weight", {uI, uC}, 0.0f, sd);
    add(p + "mlp.c_proj.bias", {uC}, 0.0f, 0.1f);
    if (s.mask_buffers) {
      const std::size_t n = static_cast<std::size_t>(P);
      std::vector<float> mask(n * n);
      for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < n; ++j) mask[i * n + j] = j <= i ? 1.0f : 0.0f;
      tensors.push_back(
          trace::OwnedTensor::from_floats(s.prefix + p + "attn.bias", {1, 1, n, n}, mask));
      tensors.push_back(
          trace::OwnedTensor::from_floats(s.prefix + p + "attn.masked_bias", {}, {-1e4f}));
    }
  }
  add("ln_f.weight", {uC}, 1.0f, 0.1f);
  add("ln_f.bias", {uC}, 0.0f, 0.1f);
  if (s.lm_head_copy) {
    tensors.push_back(trace::OwnedTensor::from_floats(
        "lm_head.weight", {static_cast<std::size_t>(V), uC}, w["wte.weight"], s.dtype));
  }
  trace::write_safetensors((dir / "model.safetensors").string(), tensors, {{"format", "pt"}});
  return w;
}

/// Output of the reference forward pass over a whole sequence.
struct Reference {
  std::vector<std::vector<double>> logits;             // [T][V]
  std::vector<std::vector<double>> q, k, v, attn_out;  // [T][layer * C + head * D + d]
};

/// Straightforward GPT-2 (Hugging Face GPT2LMHeadModel semantics) in double precision.
inline Reference reference_forward(const WeightMap& w, int n_layer, int n_head, int n_embd,
                                   int vocab, const std::vector<int>& ids, double eps = 1e-5) {
  const int T = static_cast<int>(ids.size()), C = n_embd, D = C / n_head, I = 4 * C;
  const auto W = [&](const std::string& n, std::size_t i) {
    return static_cast<double>(w.at(n)[i]);
  };
  const auto ln = [&](const std::vector<double>& x, const std::string& g, const std::string& b) {
    double mu = 0, var = 0;
    for (double a : x) mu += a;
    mu /= C;
    for (double a : x) var += (a - mu) * (a - mu);
    var /= C;
    std::vector<double> y(static_cast<std::size_t>(C));
    for (int i = 0; i < C; ++i) {
      const auto u = static_cast<std::size_t>(i);
      y[u] = (x[u] - mu) / std::sqrt(var + eps) * W(g, u) + W(b, u);
    }
    return y;
  };
  // y = x W + b with W stored [in, out] row-major (Conv1D)
  const auto conv = [&](const std::vector<double>& x, const std::string& wn, const std::string& bn,
                        int in, int out) {
    std::vector<double> y(static_cast<std::size_t>(out));
    for (int o = 0; o < out; ++o) {
      double s = W(bn, static_cast<std::size_t>(o));
      for (int i = 0; i < in; ++i)
        s += x[static_cast<std::size_t>(i)] * W(wn, static_cast<std::size_t>(i * out + o));
      y[static_cast<std::size_t>(o)] = s;
    }
    return y;
  };
  std::vector<std::vector<double>> x(static_cast<std::size_t>(T),
                                     std::vector<double>(static_cast<std::size_t>(C)));
  for (int t = 0; t < T; ++t)
    for (int i = 0; i < C; ++i)
      x[t][i] = W("wte.weight", static_cast<std::size_t>(ids[t] * C + i)) +
                W("wpe.weight", static_cast<std::size_t>(t * C + i));
  Reference r;
  const std::size_t LC = static_cast<std::size_t>(n_layer * C);
  r.q.assign(static_cast<std::size_t>(T), std::vector<double>(LC));
  r.k = r.v = r.attn_out = r.q;
  for (int l = 0; l < n_layer; ++l) {
    const std::string p = "h." + std::to_string(l) + ".";
    std::vector<std::vector<double>> q(static_cast<std::size_t>(T)), k(q), v(q);
    for (int t = 0; t < T; ++t) {
      const auto qkv = conv(ln(x[t], p + "ln_1.weight", p + "ln_1.bias"), p + "attn.c_attn.weight",
                            p + "attn.c_attn.bias", C, 3 * C);
      q[t].assign(qkv.begin(), qkv.begin() + C);
      k[t].assign(qkv.begin() + C, qkv.begin() + 2 * C);
      v[t].assign(qkv.begin() + 2 * C, qkv.end());
      for (int i = 0; i < C; ++i) {
        r.q[t][static_cast<std::size_t>(l * C + i)] = q[t][i];
        r.k[t][static_cast<std::size_t>(l * C + i)] = k[t][i];
        r.v[t][static_cast<std::size_t>(l * C + i)] = v[t][i];
      }
    }
    for (int t = 0; t < T; ++t) {
      std::vector<double> att(static_cast<std::size_t>(C), 0.0);
      for (int h = 0; h < n_head; ++h) {
        std::vector<double> s(static_cast<std::size_t>(t + 1));
        double mx = -1e300, sum = 0;
        for (int j = 0; j <= t; ++j) {
          double d = 0;
          for (int e = 0; e < D; ++e) d += q[t][h * D + e] * k[j][h * D + e];
          s[j] = d / std::sqrt(static_cast<double>(D));
          mx = std::max(mx, s[j]);
        }
        for (int j = 0; j <= t; ++j) sum += (s[j] = std::exp(s[j] - mx));
        for (int j = 0; j <= t; ++j)
          for (int e = 0; e < D; ++e) att[h * D + e] += s[j] / sum * v[j][h * D + e];
      }
      for (int i = 0; i < C; ++i) r.attn_out[t][static_cast<std::size_t>(l * C + i)] = att[i];
      const auto pr = conv(att, p + "attn.c_proj.weight", p + "attn.c_proj.bias", C, C);
      for (int i = 0; i < C; ++i) x[t][i] += pr[i];
    }
    for (int t = 0; t < T; ++t) {
      auto hdn = conv(ln(x[t], p + "ln_2.weight", p + "ln_2.bias"), p + "mlp.c_fc.weight",
                      p + "mlp.c_fc.bias", C, I);
      for (double& a : hdn)
        a = 0.5 * a *
            (1.0 + std::tanh(std::sqrt(2.0 / 3.14159265358979323846) * (a + 0.044715 * a * a * a)));
      const auto o = conv(hdn, p + "mlp.c_proj.weight", p + "mlp.c_proj.bias", I, C);
      for (int i = 0; i < C; ++i) x[t][i] += o[i];
    }
  }
  for (int t = 0; t < T; ++t) {
    const auto f = ln(x[t], "ln_f.weight", "ln_f.bias");
    std::vector<double> lg(static_cast<std::size_t>(vocab));
    for (int u = 0; u < vocab; ++u) {
      double s = 0;
      for (int i = 0; i < C; ++i) s += f[i] * W("wte.weight", static_cast<std::size_t>(u * C + i));
      lg[u] = s;
    }
    r.logits.push_back(std::move(lg));
  }
  return r;
}

/// Every tensor of a safetensors file as an owned copy (to craft modified files).
inline std::vector<trace::OwnedTensor> load_tensors(const std::string& path,
                                                    trace::Metadata* meta = nullptr) {
  const trace::SafetensorsFile f(path);
  if (meta) *meta = f.metadata();
  std::vector<trace::OwnedTensor> ts;
  for (const auto& t : f.tensors()) {
    trace::OwnedTensor o{{t.name, t.dtype, t.shape}, std::vector<unsigned char>(t.bytes())};
    if (t.bytes()) std::memcpy(o.bytes.data(), f.data(t), t.bytes());
    ts.push_back(std::move(o));
  }
  return ts;
}

/// A fresh temporary directory for one test.
inline std::filesystem::path temp_dir(const std::string& name) {
  const auto d = std::filesystem::temp_directory_path() /
                 ("gcattn-test-" + name + "-" + std::to_string(static_cast<long>(::getpid())));
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  return d;
}

}  // namespace gcattn::testing
