// GPT-2 engine: checkpoint loading (dtypes, name prefixes, published shapes, errors) and the
// KV-cache model against an independent double-precision whole-sequence implementation.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>

#include "base/errors.h"
#include "gpt2/checkpoint.h"
#include "gpt2/model.h"
#include "io/npy.h"
#include "testbench/gpt2/tiny_gpt2.h"
#include "trace/safetensors.h"

using namespace gcattn;
using namespace gcattn::gpt2;
namespace fs = std::filesystem;

namespace {

const std::vector<int> kIds = {259, 'T', 258, 'q', 'u', 256, 'i', 'c', 'k', ' ', 257, 'b',
                               'r', 'o', 'w', 'n', '!', 10,  'O', 'h', 258, 259, 'a'};

double max_diff(const float* a, const std::vector<double>& b) {
  double m = 0;
  for (std::size_t i = 0; i < b.size(); ++i) m = std::max(m, std::fabs(a[i] - b[i]));
  return m;
}

// Runs the engine over kIds and compares every step with the reference.
void check_against_reference(const fs::path& dir, const testing::WeightMap& w,
                             const testing::TinySpec& s, int threads) {
  const Checkpoint ck = load_checkpoint(dir.string());
  const auto ref = testing::reference_forward(w, s.n_layer, s.n_head, s.n_embd,
                                              static_cast<int>(ck.tokenizer.size()), kIds);
  Gpt2Model model(ck.weights, threads);
  TokenRecord rec(ck.config());
  double dl = 0, dq = 0, dk = 0, dv = 0, da = 0, scale = 0;
  for (std::size_t t = 0; t < kIds.size(); ++t) {
    const float* logits = model.step(kIds[t], &rec);
    dl = std::max(dl, max_diff(logits, ref.logits[t]));
    dq = std::max(dq, max_diff(rec.q.data(), ref.q[t]));
    dk = std::max(dk, max_diff(rec.k.data(), ref.k[t]));
    dv = std::max(dv, max_diff(rec.v.data(), ref.v[t]));
    da = std::max(da, max_diff(rec.attn_out.data(), ref.attn_out[t]));
    for (double x : ref.logits[t]) scale = std::max(scale, std::fabs(x));
  }
  INFO("max |logit| " << scale << "; diffs logits " << dl << " q " << dq << " k " << dk << " v "
                      << dv << " attn " << da);
  CHECK(scale > 1.0);  // the test is not vacuous: logits are O(1) or larger
  CHECK(dl < 1e-4);
  CHECK(dq < 1e-4);
  CHECK(dk < 1e-4);
  CHECK(dv < 1e-4);
  CHECK(da < 1e-4);
  CHECK(model.position() == kIds.size());
}

// Rewrites DIR/model.safetensors through edit(tensors).
template <typename Edit>
void edit_weights(const fs::path& dir, Edit edit) {
  auto ts = testing::load_tensors((dir / "model.safetensors").string());
  edit(ts);
  trace::write_safetensors((dir / "model.safetensors").string(), ts);
}

trace::OwnedTensor* find(std::vector<trace::OwnedTensor>& ts, const std::string& name) {
  for (auto& t : ts)
    if (t.spec.name == name) return &t;
  FAIL("no tensor " << name);
  return nullptr;
}

void write_config(const fs::path& dir, const std::string& text) {
  std::ofstream(dir / "config.json") << text;
}

}  // namespace

TEST_CASE("engine matches the independent reference (f32 checkpoint)", "[gpt2][engine]") {
  const auto dir = testing::temp_dir("engine-f32");
  testing::TinySpec s;
  const auto w = testing::write_tiny_checkpoint(dir, s);
  check_against_reference(dir, w, s, 1);
  check_against_reference(dir, w, s, 2);
}

TEST_CASE("engine matches the reference: f16, transformer. prefix, mask buffers, lm_head copy",
          "[gpt2][engine]") {
  const auto dir = testing::temp_dir("engine-f16");
  testing::TinySpec s;
  s.dtype = trace::DType::F16;
  s.prefix = "transformer.";
  s.mask_buffers = true;
  s.lm_head_copy = true;
  s.n_layer = 3;
  s.n_head = 4;
  s.n_embd = 32;
  const auto w = testing::write_tiny_checkpoint(dir, s);
  check_against_reference(dir, w, s, 2);
}

TEST_CASE("engine matches the reference (bf16 checkpoint)", "[gpt2][engine]") {
  const auto dir = testing::temp_dir("engine-bf16");
  testing::TinySpec s;
  s.dtype = trace::DType::BF16;
  s.seed = 99;
  const auto w = testing::write_tiny_checkpoint(dir, s);
  check_against_reference(dir, w, s, 1);
}

TEST_CASE("the KV cache gives the same result as a fresh run, and the context limit holds",
          "[gpt2][engine]") {
  const auto dir = testing::temp_dir("engine-ctx");
  testing::TinySpec s;
  s.n_positions = 8;
  testing::write_tiny_checkpoint(dir, s);
  const Checkpoint ck = load_checkpoint(dir.string());
  Gpt2Model m(ck.weights, 1);
  std::vector<float> first;
  for (int i = 0; i < 8; ++i) {
    const float* l = m.step(kIds[static_cast<std::size_t>(i)]);
    if (i == 0) first.assign(l, l + ck.config().vocab_size);
  }
  CHECK_THROWS_WITH(m.step('a'),
                    Catch::Contains("context is full") && Catch::Contains("n_positions = 8"));
  m.reset();
  const float* again = m.step(kIds[0]);
  CHECK(std::equal(first.begin(), first.end(), again));
  CHECK_THROWS_WITH(m.step(260), Catch::Contains("token id 260 is outside the vocabulary"));
  CHECK_THROWS_AS(m.step(-1), gcattn::InputError);
}

TEST_CASE("published GPT-2 shapes: gpt2, medium, large, xl", "[gpt2][engine]") {
  // Parameter counts as published for the four checkpoints (Hugging Face num_parameters()).
  CHECK(parameter_count(published_config("gpt2")) == 124439808u);
  CHECK(parameter_count(published_config("gpt2-medium")) == 354823168u);
  CHECK(parameter_count(published_config("gpt2-large")) == 774030080u);
  CHECK(parameter_count(published_config("gpt2-xl")) == 1557611200u);
  for (const char* n : {"gpt2", "gpt2-medium", "gpt2-large", "gpt2-xl"}) {
    CHECK(published_config(n).d_head() == 64);
  }
  const auto t = expected_tensors(published_config("gpt2-xl"));
  CHECK(t.size() == 2 + 48 * 12 + 2);
  const auto it = std::find_if(
      t.begin(), t.end(), [](const TensorShape& x) { return x.name == "h.47.attn.c_attn.weight"; });
  REQUIRE(it != t.end());
  CHECK(it->shape == std::vector<std::size_t>{1600, 4800});
  // The config.json of openai-community/gpt2-medium as published parses to the same shape.
  const Gpt2Config c = Gpt2Config::parse(R"({
    "activation_function": "gelu_new", "architectures": ["GPT2LMHeadModel"], "attn_pdrop": 0.1,
    "bos_token_id": 50256, "embd_pdrop": 0.1, "eos_token_id": 50256, "initializer_range": 0.02,
    "layer_norm_epsilon": 1e-05, "model_type": "gpt2", "n_ctx": 1024, "n_embd": 1024, "n_head": 16,
    "n_layer": 24, "n_positions": 1024, "n_special": 0, "predict_special_tokens": true,
    "resid_pdrop": 0.1, "summary_activation": null, "summary_first_dropout": 0.1,
    "summary_proj_to_labels": true, "summary_type": "cls_index", "summary_use_proj": true,
    "task_specific_params": {"text-generation": {"do_sample": true, "max_length": 50}}, "vocab_size": 50257})",
                                         "gpt2-medium/config.json");
  const Gpt2Config p = published_config("gpt2-medium");
  CHECK(c.n_layer == p.n_layer);
  CHECK(c.n_head == p.n_head);
  CHECK(c.n_embd == p.n_embd);
  CHECK(c.n_inner == p.n_inner);
  CHECK(c.n_positions == p.n_positions);
  CHECK(c.vocab_size == p.vocab_size);
  CHECK(c.activation == Activation::GeluTanh);
}

TEST_CASE("bad config.json: errors name the key", "[gpt2][engine][errors]") {
  const auto dir = testing::temp_dir("bad-config");
  testing::write_tiny_checkpoint(dir, {});
  const auto expect = [&](const std::string& cfg, const std::string& key, const std::string& what) {
    write_config(dir, cfg);
    CHECK_THROWS_WITH(load_checkpoint(dir.string()), Catch::Contains("config.json") &&
                                                         Catch::Contains(key) &&
                                                         Catch::Contains(what));
  };
  const std::string tail = R"("n_positions": 40, "vocab_size": 260})";
  expect(R"({"n_layer": 2, "n_embd": 16, )" + tail, "'n_head'", "missing key");
  expect(R"({"n_layer": "two", "n_head": 2, "n_embd": 16, )" + tail, "'n_layer'",
         "positive integer");
  expect(R"({"n_layer": 2, "n_head": 3, "n_embd": 16, )" + tail, "'n_embd'", "not divisible");
  expect(R"({"n_layer": 0, "n_head": 2, "n_embd": 16, )" + tail, "'n_layer'", "out of range");
  expect(R"({"model_type": "llama", "n_layer": 2, "n_head": 2, "n_embd": 16, )" + tail,
         "'model_type'", "gpt2");
  expect(R"({"activation_function": "swish", "n_layer": 2, "n_head": 2, "n_embd": 16, )" + tail,
         "'activation_function'", "not supported");
  expect(R"({"n_layer": 2, "n_head": 2, "n_embd": 16, "n_positions": 40, "vocab_size": 300})",
         "vocab_size = 300", "260 tokens");
  expect(
      R"({"n_layer": 2, "n_head": 2, "n_embd": 16, "n_positions": 40, "vocab_size": 260, "layer_norm_epsilon": "x"})",
      "'layer_norm_epsilon'", "must be a number");
  expect("{\"n_layer\": 2,", "", "not valid JSON");
  // more layers than the file holds: the first missing tensor is named
  expect(R"({"n_layer": 3, "n_head": 2, "n_embd": 16, )" + tail, "",
         "missing tensor 'h.2.ln_1.weight'");
}

TEST_CASE("bad model.safetensors: errors name the tensor", "[gpt2][engine][errors]") {
  const auto dir = testing::temp_dir("bad-weights");
  const auto fresh = [&] { testing::write_tiny_checkpoint(dir, {}); };
  const auto load_error = [&]() -> std::string {
    try {
      load_checkpoint(dir.string());
    } catch (const gcattn::InputError& e) {
      return e.what();
    }
    return "no error";
  };

  fresh();
  edit_weights(dir, [](auto& ts) {
    ts.erase(std::remove_if(ts.begin(), ts.end(),
                            [](const auto& t) { return t.spec.name == "h.1.mlp.c_fc.bias"; }),
             ts.end());
  });
  CHECK_THAT(load_error(), Catch::Contains("model.safetensors") &&
                               Catch::Contains("missing tensor 'h.1.mlp.c_fc.bias'"));

  fresh();
  edit_weights(dir, [](auto& ts) { find(ts, "h.0.attn.c_attn.weight")->spec.shape = {48, 16}; });
  CHECK_THAT(load_error(), Catch::Contains("'h.0.attn.c_attn.weight' has shape [48, 16]") &&
                               Catch::Contains("[16, 48]"));

  fresh();
  edit_weights(dir, [](auto& ts) { find(ts, "ln_f.bias")->spec.dtype = trace::DType::I32; });
  CHECK_THAT(load_error(), Catch::Contains("'ln_f.bias' has unsupported dtype I32"));

  fresh();
  edit_weights(dir, [](auto& ts) {
    auto* t = find(ts, "h.0.ln_2.weight");
    const float nan = std::numeric_limits<float>::quiet_NaN();
    std::memcpy(t->bytes.data() + 4 * 3, &nan, 4);
  });
  CHECK_THAT(load_error(), Catch::Contains("'h.0.ln_2.weight'") && Catch::Contains("NaN") &&
                               Catch::Contains("index 3"));

  fresh();
  edit_weights(dir, [](auto& ts) {
    ts.push_back(trace::OwnedTensor::from_floats("h.0.extra.weight", {2}, {1, 2}));
  });
  CHECK_THAT(load_error(), Catch::Contains("unexpected tensor 'h.0.extra.weight'"));

  fresh();
  edit_weights(dir, [](auto& ts) {
    for (auto& t : ts) t.spec.name = "model." + t.spec.name;
  });
  CHECK_THAT(load_error(), Catch::Contains("missing tensor 'wte.weight'"));

  fresh();
  fs::remove(dir / "model.safetensors");
  CHECK_THAT(load_error(), Catch::Contains("model.safetensors: missing"));
  CHECK_THROWS_WITH(load_checkpoint((dir / "nope").string()), Catch::Contains("not a directory"));
}

TEST_CASE("token sampler: greedy, top-k and seeded sampling", "[gpt2][engine]") {
  const std::vector<float> logits = {0.5f, 2.0f, 1.0f, 2.0f, -1.0f};
  TokenSampler greedy(SamplingOptions{});
  CHECK(greedy.pick(logits.data(), logits.size()) == 1);  // first of the tied maxima
  SamplingOptions o;
  o.sample = true;
  o.top_k = 2;
  o.seed = 42;
  TokenSampler a(o), b(o);
  int counts[5] = {0, 0, 0, 0, 0};
  for (int i = 0; i < 2000; ++i) {
    const int x = a.pick(logits.data(), logits.size());
    CHECK(x == b.pick(logits.data(), logits.size()));  // same seed, same tokens
    ++counts[x];
  }
  CHECK(counts[0] + counts[2] + counts[4] == 0);  // outside the top 2
  CHECK(std::abs(counts[1] - 1000) < 120);        // two equally likely tokens
  o.top_k = 0;
  o.temperature = 0.5;
  TokenSampler c(o);
  int big = 0;
  for (int i = 0; i < 4000; ++i) big += c.pick(logits.data(), logits.size()) == 2;
  // p(token 2) = e^2 / (e^1 + 2 e^4 + e^2 + e^-3) at T = 0.5
  const double p2 =
      std::exp(2.0) / (std::exp(1.0) + 2 * std::exp(4.0) + std::exp(2.0) + std::exp(-3.0));
  CHECK(std::fabs(big / 4000.0 - p2) < 0.02);
  const std::vector<float> bad = {0.0f, std::numeric_limits<float>::quiet_NaN()};
  CHECK_THROWS_AS(greedy.pick(bad.data(), bad.size()), gcattn::SimulationError);
}

TEST_CASE("engine matches a PyTorch implementation", "[gpt2][engine][torch]") {
  // python3-torch is installed by scripts/setup.sh: without it this test fails, never passes empty.
  INFO("needs /usr/bin/python3 with torch and numpy (Debian python3-torch; scripts/setup.sh)");
  REQUIRE(std::system("/usr/bin/python3 -c 'import torch, numpy' >/dev/null 2>&1") == 0);
  const auto dir = testing::temp_dir("engine-torch");
  testing::TinySpec s;
  s.dtype = trace::DType::F16;
  s.prefix = "transformer.";
  s.n_layer = 3;
  s.n_head = 4;
  s.n_embd = 32;
  testing::write_tiny_checkpoint(dir / "m", s);
  std::string ids;
  for (int id : kIds) ids += (ids.empty() ? "" : ",") + std::to_string(id);
  const std::string cmd = "/usr/bin/python3 " + std::string(GCATTN_SOURCE_DIR) +
                          "/tests/testbench/gpt2/torch_gpt2_reference.py " + (dir / "m").string() +
                          " " + ids + " " + (dir / "ref").string();
  REQUIRE(std::system(cmd.c_str()) == 0);
  const auto logits = io::read_npy((dir / "ref" / "logits.npy").string());
  const auto q = io::read_npy((dir / "ref" / "q.npy").string());
  const auto a = io::read_npy((dir / "ref" / "attn_out.npy").string());
  const Checkpoint ck = load_checkpoint((dir / "m").string());
  Gpt2Model model(ck.weights, 2);
  TokenRecord rec(ck.config());
  const std::size_t V = ck.tokenizer.size(), LC = rec.q.size();
  REQUIRE(logits.shape == std::vector<std::size_t>{kIds.size(), V});
  double dl = 0, dq = 0, da = 0;
  for (std::size_t t = 0; t < kIds.size(); ++t) {
    const float* l = model.step(kIds[t], &rec);
    for (std::size_t i = 0; i < V; ++i) dl = std::max(dl, std::fabs(l[i] - logits.data[t * V + i]));
    for (std::size_t i = 0; i < LC; ++i) {
      dq = std::max(dq, std::fabs(rec.q[i] - q.data[t * LC + i]));
      da = std::max(da, std::fabs(rec.attn_out[i] - a.data[t * LC + i]));
    }
  }
  INFO("max diffs vs torch: logits " << dl << " q " << dq << " attn_out " << da);
  CHECK(dl < 1e-4);
  CHECK(dq < 1e-4);
  CHECK(da < 1e-4);
}
