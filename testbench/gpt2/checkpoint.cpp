#include "gpt2/checkpoint.h"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <stdexcept>

#include <boost/json.hpp>

#include "base/errors.h"
#include "io/input_file.h"
#include "trace/safetensors.h"

namespace gcattn::gpt2 {
namespace {

namespace json = boost::json;

[[noreturn]] void fail(const std::string& origin, const std::string& what) {
  throw InputError(origin + ": " + what);
}

std::string shape_string(const std::vector<std::size_t>& s) {
  std::string r = "[";
  for (std::size_t i = 0; i < s.size(); ++i) r += (i ? ", " : "") + std::to_string(s[i]);
  return r + "]";
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// config.json

Gpt2Config Gpt2Config::parse(std::string_view text, const std::string& origin) {
  boost::system::error_code ec;
  const json::value root = json::parse(text, ec);
  if (ec) fail(origin, "not valid JSON (" + ec.message() + ")");
  if (!root.is_object()) fail(origin, "expected a JSON object");
  const auto& o = root.as_object();
  const auto positive_int = [&](const char* key, const json::value& v) {
    std::int64_t x = 0;
    if (v.is_int64())
      x = v.get_int64();
    else if (v.is_uint64())
      x = static_cast<std::int64_t>(std::min<std::uint64_t>(v.get_uint64(), 1u << 30));
    else
      fail(origin,
           std::string("key '") + key + "' must be a positive integer, got " + json::serialize(v));
    if (x < 1 || x > (1 << 24)) {
      fail(origin, std::string("key '") + key + "' = " + std::to_string(x) +
                       " is out of range (1.." + std::to_string(1 << 24) + ")");
    }
    return static_cast<int>(x);
  };
  const auto required_int = [&](const char* key) {
    const json::value* v = o.if_contains(key);
    if (!v)
      fail(origin, std::string("missing key '") + key +
                       "' (a GPT-2 config.json has n_layer, n_head, n_embd, "
                       "n_positions, vocab_size)");
    return positive_int(key, *v);
  };
  const auto flag = [&](const char* key, bool def) {
    const json::value* v = o.if_contains(key);
    if (!v || v->is_null()) return def;
    if (!v->is_bool())
      fail(origin,
           std::string("key '") + key + "' must be true or false, got " + json::serialize(*v));
    return v->as_bool();
  };
  if (const json::value* mt = o.if_contains("model_type")) {
    if (!mt->is_string() || mt->as_string() != "gpt2") {
      fail(origin, "key 'model_type' = " + json::serialize(*mt) +
                       "; only \"gpt2\" checkpoints are supported");
    }
  }
  Gpt2Config c;
  c.n_layer = required_int("n_layer");
  c.n_head = required_int("n_head");
  c.n_embd = required_int("n_embd");
  c.vocab_size = required_int("vocab_size");
  if (o.if_contains("n_positions"))
    c.n_positions = required_int("n_positions");
  else if (o.if_contains("n_ctx"))
    c.n_positions = required_int("n_ctx");
  else
    fail(origin, "missing key 'n_positions' (the context length)");
  if (c.n_embd % c.n_head != 0) {
    fail(origin, "key 'n_embd' = " + std::to_string(c.n_embd) +
                     " is not divisible by 'n_head' = " + std::to_string(c.n_head));
  }
  c.n_inner = 4 * c.n_embd;
  if (const json::value* v = o.if_contains("n_inner"); v && !v->is_null())
    c.n_inner = positive_int("n_inner", *v);
  if (const json::value* v = o.if_contains("layer_norm_epsilon")) {
    if (!v->is_number())
      fail(origin, "key 'layer_norm_epsilon' must be a number, got " + json::serialize(*v));
    c.layer_norm_epsilon = v->to_number<double>();
    if (!(c.layer_norm_epsilon > 0.0 && c.layer_norm_epsilon < 1.0)) {
      fail(origin, "key 'layer_norm_epsilon' = " + json::serialize(*v) + " must be in (0, 1)");
    }
  }
  if (const json::value* v = o.if_contains("activation_function")) {
    const std::string a = v->is_string() ? std::string(v->as_string()) : json::serialize(*v);
    if (a == "gelu_new" || a == "gelu_pytorch_tanh" || a == "gelu_fast")
      c.activation = Activation::GeluTanh;
    else if (a == "gelu")
      c.activation = Activation::GeluErf;
    else if (a == "relu")
      c.activation = Activation::Relu;
    else
      fail(origin, "key 'activation_function' = '" + a +
                       "' is not supported (gelu_new, gelu_pytorch_tanh, gelu, relu)");
  }
  c.scale_attn_weights = flag("scale_attn_weights", true);
  c.scale_attn_by_inverse_layer_idx = flag("scale_attn_by_inverse_layer_idx", false);
  c.tie_word_embeddings = flag("tie_word_embeddings", true);
  return c;
}

Gpt2Config Gpt2Config::load(const std::string& path) {
  return parse(io::read_input_file(path, 1u << 20, "config.json of a GPT-2 checkpoint directory"),
               path);
}

Gpt2Config published_config(std::string_view name) {
  // openai-community/{gpt2, gpt2-medium, gpt2-large, gpt2-xl}/config.json
  Gpt2Config c;
  c.n_positions = 1024;
  c.vocab_size = 50257;
  c.layer_norm_epsilon = 1e-5;
  if (name == "gpt2") {
    c.n_layer = 12;
    c.n_head = 12;
    c.n_embd = 768;
  } else if (name == "gpt2-medium") {
    c.n_layer = 24;
    c.n_head = 16;
    c.n_embd = 1024;
  } else if (name == "gpt2-large") {
    c.n_layer = 36;
    c.n_head = 20;
    c.n_embd = 1280;
  } else if (name == "gpt2-xl") {
    c.n_layer = 48;
    c.n_head = 25;
    c.n_embd = 1600;
  } else
    throw std::invalid_argument("unknown GPT-2 model '" + std::string(name) +
                                "' (gpt2, gpt2-medium, gpt2-large, gpt2-xl)");
  c.n_inner = 4 * c.n_embd;
  return c;
}

std::vector<TensorShape> expected_tensors(const Gpt2Config& cfg) {
  const auto C = static_cast<std::size_t>(cfg.n_embd), I = static_cast<std::size_t>(cfg.n_inner);
  std::vector<TensorShape> t = {{"wte.weight", {static_cast<std::size_t>(cfg.vocab_size), C}},
                                {"wpe.weight", {static_cast<std::size_t>(cfg.n_positions), C}}};
  for (int l = 0; l < cfg.n_layer; ++l) {
    const std::string p = "h." + std::to_string(l) + ".";
    t.push_back({p + "ln_1.weight", {C}});
    t.push_back({p + "ln_1.bias", {C}});
    t.push_back({p + "attn.c_attn.weight", {C, 3 * C}});
    t.push_back({p + "attn.c_attn.bias", {3 * C}});
    t.push_back({p + "attn.c_proj.weight", {C, C}});
    t.push_back({p + "attn.c_proj.bias", {C}});
    t.push_back({p + "ln_2.weight", {C}});
    t.push_back({p + "ln_2.bias", {C}});
    t.push_back({p + "mlp.c_fc.weight", {C, I}});
    t.push_back({p + "mlp.c_fc.bias", {I}});
    t.push_back({p + "mlp.c_proj.weight", {I, C}});
    t.push_back({p + "mlp.c_proj.bias", {C}});
  }
  t.push_back({"ln_f.weight", {C}});
  t.push_back({"ln_f.bias", {C}});
  if (!cfg.tie_word_embeddings)
    t.push_back({"lm_head.weight", {static_cast<std::size_t>(cfg.vocab_size), C}});
  return t;
}

std::size_t parameter_count(const Gpt2Config& cfg) {
  std::size_t n = 0;
  for (const auto& t : expected_tensors(cfg)) {
    std::size_t e = 1;
    for (std::size_t d : t.shape) e *= d;
    n += e;
  }
  return n;
}

// ---------------------------------------------------------------------------------------------
// model.safetensors

Gpt2Weights load_weights(const std::string& path, const Gpt2Config& cfg) {
  const trace::SafetensorsFile file(path);
  std::string prefix;
  if (file.find("transformer.wte.weight"))
    prefix = "transformer.";
  else if (!file.find("wte.weight")) {
    fail(path,
         "missing tensor 'wte.weight' (also looked for 'transformer.wte.weight'); is this a GPT-2 "
         "checkpoint?");
  }
  std::set<std::string> used;
  const auto get = [&](const TensorShape& want) -> const trace::TensorInfo& {
    const std::string name = (want.name == "lm_head.weight" ? std::string() : prefix) + want.name;
    const trace::TensorInfo* t = file.find(name);
    if (!t && want.name == "lm_head.weight") t = file.find(prefix + want.name);
    if (!t)
      fail(path, "missing tensor '" + name +
                     "' (config.json has n_layer = " + std::to_string(cfg.n_layer) + ")");
    if (t->dtype != trace::DType::F32 && t->dtype != trace::DType::F16 &&
        t->dtype != trace::DType::BF16) {
      fail(path, "tensor '" + t->name + "' has unsupported dtype " + trace::dtype_name(t->dtype) +
                     " (supported: F32, F16, BF16)");
    }
    if (t->shape != want.shape) {
      fail(path, "tensor '" + t->name + "' has shape " + t->shape_string() +
                     " but config.json (n_embd = " + std::to_string(cfg.n_embd) +
                     ", n_inner = " + std::to_string(cfg.n_inner) +
                     ", vocab_size = " + std::to_string(cfg.vocab_size) + ", n_positions = " +
                     std::to_string(cfg.n_positions) + ") requires " + shape_string(want.shape));
    }
    if (const auto bad = file.first_nonfinite(*t)) {
      fail(path, "tensor '" + t->name + "' holds a NaN or infinite value at flat index " +
                     std::to_string(*bad));
    }
    used.insert(t->name);
    return *t;
  };
  const auto matrix = [&](const TensorShape& want) {
    const auto& t = get(want);
    Matrix m(static_cast<Eigen::Index>(want.shape[0]), static_cast<Eigen::Index>(want.shape[1]));
    file.read_f32(t, 0, t.elements(), m.data());
    return m;
  };
  const auto vector = [&](const TensorShape& want) {
    const auto& t = get(want);
    Vector v(static_cast<Eigen::Index>(want.shape[0]));
    file.read_f32(t, 0, t.elements(), v.data());
    return v;
  };
  const auto C = static_cast<std::size_t>(cfg.n_embd), I = static_cast<std::size_t>(cfg.n_inner),
             V = static_cast<std::size_t>(cfg.vocab_size),
             P = static_cast<std::size_t>(cfg.n_positions);
  Gpt2Weights w;
  w.config = cfg;
  w.wte = matrix({"wte.weight", {V, C}});
  w.wpe = matrix({"wpe.weight", {P, C}});
  for (int l = 0; l < cfg.n_layer; ++l) {
    const std::string p = "h." + std::to_string(l) + ".";
    LayerWeights L;
    L.ln_1_g = vector({p + "ln_1.weight", {C}});
    L.ln_1_b = vector({p + "ln_1.bias", {C}});
    L.c_attn_w = matrix({p + "attn.c_attn.weight", {C, 3 * C}});
    L.c_attn_b = vector({p + "attn.c_attn.bias", {3 * C}});
    L.attn_proj_w = matrix({p + "attn.c_proj.weight", {C, C}});
    L.attn_proj_b = vector({p + "attn.c_proj.bias", {C}});
    L.ln_2_g = vector({p + "ln_2.weight", {C}});
    L.ln_2_b = vector({p + "ln_2.bias", {C}});
    L.c_fc_w = matrix({p + "mlp.c_fc.weight", {C, I}});
    L.c_fc_b = vector({p + "mlp.c_fc.bias", {I}});
    L.mlp_proj_w = matrix({p + "mlp.c_proj.weight", {I, C}});
    L.mlp_proj_b = vector({p + "mlp.c_proj.bias", {C}});
    w.layers.push_back(std::move(L));
  }
  w.ln_f_g = vector({"ln_f.weight", {C}});
  w.ln_f_b = vector({"ln_f.bias", {C}});
  if (!cfg.tie_word_embeddings) {
    w.lm_head = matrix({"lm_head.weight", {V, C}});
  } else if (const trace::TensorInfo* lm = file.find("lm_head.weight")) {
    // Tied: Hugging Face uses wte; a stored copy must at least have wte's shape.
    if (lm->shape != std::vector<std::size_t>{V, C}) {
      fail(path, "tensor 'lm_head.weight' has shape " + lm->shape_string() +
                     " but must match wte " + shape_string({V, C}));
    }
    used.insert(lm->name);
  }
  for (const auto& t : file.tensors()) {
    if (used.count(t.name)) continue;
    const std::string n = t.name.substr(t.name.rfind(prefix, 0) == 0 ? prefix.size() : 0);
    const bool mask = n.rfind("h.", 0) == 0 &&
                      (n.size() > 10 &&
                       (n.compare(n.size() - 10, 10, ".attn.bias") == 0 ||
                        (n.size() > 17 && n.compare(n.size() - 17, 17, ".attn.masked_bias") == 0)));
    if (!mask)
      fail(path, "unexpected tensor '" + t.name +
                     "' (not a GPT-2 parameter; is this a GPT-2 checkpoint?)");
  }
  return w;
}

Checkpoint load_checkpoint(const std::string& dir) {
  namespace fs = std::filesystem;
  const fs::path d(dir);
  if (!fs::is_directory(d)) {
    throw InputError(
        dir +
        ": not a directory (expected a Hugging Face GPT-2 checkpoint directory with config.json, "
        "model.safetensors, vocab.json, merges.txt)");
  }
  const Gpt2Config cfg = Gpt2Config::load((d / "config.json").string());
  const fs::path weights = d / "model.safetensors";
  if (!fs::exists(weights)) {
    throw InputError(weights.string() +
                     ": missing (only single-file safetensors checkpoints are supported; "
                     "convert pytorch_model.bin with the safetensors tools)");
  }
  Tokenizer tok = Tokenizer::load((d / "vocab.json").string(), (d / "merges.txt").string());
  if (tok.size() != static_cast<std::size_t>(cfg.vocab_size)) {
    throw InputError((d / "vocab.json").string() + ": " + std::to_string(tok.size()) +
                     " tokens but config.json has vocab_size = " + std::to_string(cfg.vocab_size));
  }
  Gpt2Weights w = load_weights(weights.string(), cfg);
  std::string name = fs::absolute(d).lexically_normal().filename().string();
  if (name.empty()) name = fs::absolute(d).lexically_normal().parent_path().filename().string();
  return Checkpoint{dir, name, std::move(w), std::move(tok)};
}

}  // namespace gcattn::gpt2
