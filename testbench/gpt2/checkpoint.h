#pragma once
// A Hugging Face GPT-2 checkpoint directory as users download it (gpt2, gpt2-medium,
// gpt2-large, gpt2-xl, or a model in the same layout): config.json, model.safetensors (F32, F16
// or BF16; tensor names with or without the "transformer." prefix; Conv1D weights stored
// [in, out]), vocab.json and merges.txt. Weights are converted to f32 Eigen matrices.
// Every problem is a InputError naming the file and the key or tensor.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <Eigen/Core>

#include "gpt2/tokenizer.h"

namespace gcattn::gpt2 {

enum class Activation { GeluTanh, GeluErf, Relu };

/// The architecture hyper-parameters read from config.json (Hugging Face GPT2Config names).
struct Gpt2Config {
  int n_layer = 0, n_head = 0, n_embd = 0, n_positions = 0, n_inner = 0, vocab_size = 0;
  double layer_norm_epsilon = 1e-5;
  Activation activation = Activation::GeluTanh;  // "gelu_new" in GPT-2
  bool scale_attn_weights = true;                // scores / sqrt(d_head)
  bool scale_attn_by_inverse_layer_idx = false;  // scores / (layer + 1) as well
  bool tie_word_embeddings = true;               // LM head = wte
  int d_head() const { return n_embd / n_head; }

  /// Parses config.json text; origin names the file in errors. Keys missing from the file take
  /// GPT2Config's defaults only where Hugging Face does (layer_norm_epsilon, n_inner,
  /// activation_function, the attention-scaling flags); the shape keys are required.
  static Gpt2Config parse(std::string_view json_text, const std::string& origin);
  static Gpt2Config load(const std::string& path);
};

/// The published configurations of OpenAI's GPT-2 family ("gpt2", "gpt2-medium", "gpt2-large",
/// "gpt2-xl"); throws std::invalid_argument for other names.
Gpt2Config published_config(std::string_view name);

/// Names (without the "transformer." prefix) and shapes of every parameter tensor a GPT-2
/// checkpoint must hold for cfg, in file order.
struct TensorShape {
  std::string name;
  std::vector<std::size_t> shape;
};
std::vector<TensorShape> expected_tensors(const Gpt2Config& cfg);
/// Parameter count (the LM head tied to wte is not counted twice).
std::size_t parameter_count(const Gpt2Config& cfg);

using Matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Vector = Eigen::VectorXf;

struct LayerWeights {
  Vector ln_1_g, ln_1_b, ln_2_g, ln_2_b;
  Matrix c_attn_w;  // [n_embd, 3 n_embd]: y = x W + b, as stored (Conv1D)
  Vector c_attn_b;
  Matrix attn_proj_w;  // [n_embd, n_embd]
  Vector attn_proj_b;
  Matrix c_fc_w;  // [n_embd, n_inner]
  Vector c_fc_b;
  Matrix mlp_proj_w;  // [n_inner, n_embd]
  Vector mlp_proj_b;
};

struct Gpt2Weights {
  Gpt2Config config;
  Matrix wte;  // [vocab, n_embd]
  Matrix wpe;  // [n_positions, n_embd]
  Vector ln_f_g, ln_f_b;
  Matrix lm_head;  // [vocab, n_embd]; empty when tied to wte
  std::vector<LayerWeights> layers;
  const Matrix& head() const { return lm_head.size() ? lm_head : wte; }
};

/// Loads and checks model.safetensors against cfg: every tensor present, shapes, dtype, finite
/// values. Tolerated extras: the causal-mask buffers h.N.attn.bias / h.N.attn.masked_bias of
/// older exports and lm_head.weight (checked; used only when tie_word_embeddings is false).
Gpt2Weights load_weights(const std::string& safetensors_path, const Gpt2Config& cfg);

struct Checkpoint {
  std::string dir, name;  // name: the directory's base name
  Gpt2Weights weights;
  Tokenizer tokenizer;
  const Gpt2Config& config() const { return weights.config; }
};

/// Loads DIR/config.json, DIR/model.safetensors, DIR/vocab.json, DIR/merges.txt and checks
/// that they agree (every id below vocab_size has a token).
Checkpoint load_checkpoint(const std::string& dir);

}  // namespace gcattn::gpt2
