#pragma once
// GPT-2 inference with a KV cache, one token per step (f32, Eigen for the matrix-vector work,
// split over output columns and heads across a pool of threads). Each step can record, per
// layer, the raw q, k, v (the c_attn output split into q | k | v and into heads, before the
// 1/sqrt(d_head) scaling) and the softmax attention output per head (before c_proj): what
// the accelerator would receive and what it replaces.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "gcattn/parallel/worker_pool.h"
#include "gpt2/checkpoint.h"

namespace gcattn::gpt2 {

/// What one step records, each [layer][head][d_head] (n_layer * n_embd floats).
struct TokenRecord {
  std::vector<float> q, k, v, attn_out;
  explicit TokenRecord(const Gpt2Config& cfg);
};

/// Computes a layer's attention in place of the engine's softmax (the accelerator, or the
/// numerics of a hardware model): q, k and v of the current token, [head][d_head], out receives
/// [head][d_head] (what feeds c_proj). The engine still keeps its own KV cache.
class AttentionHook {
 public:
  virtual ~AttentionHook() = default;
  virtual void attend(int layer, std::size_t position, const float* q, const float* k,
                      const float* v, float* out) = 0;
};

class Gpt2Model {
 public:
  /// threads: worker threads for the matrix work (0: all cores). The weights must outlive
  /// the model.
  explicit Gpt2Model(const Gpt2Weights& weights, int threads = 0);

  const Gpt2Config& config() const { return w_.config; }
  /// Tokens in the KV cache (the position of the next step).
  std::size_t position() const { return pos_; }
  void reset() { pos_ = 0; }
  /// Attention through `hook` (null: the engine's softmax). The hook must outlive its use.
  void set_attention_hook(AttentionHook* hook) { hook_ = hook; }

  /// Runs token id at position(); returns the logits over the vocabulary (valid until the
  /// next step). Throws InputError when id is not a token or the context is full.
  const float* step(int id, TokenRecord* record = nullptr);

 private:
  void linear(const Matrix& w, const Vector& b, const float* x, float* y) const;  // y = x W + b
  void layer_norm(const float* x, const Vector& g, const Vector& b, float* y) const;
  void attention(int layer, const float* qkv, float* out);
  const Gpt2Weights& w_;
  int threads_;
  std::unique_ptr<WorkerPool> pool_;
  std::size_t pos_ = 0;
  AttentionHook* hook_ = nullptr;
  std::vector<float> x_, a_, qkv_, att_, proj_, hid_, logits_, scores_;
  std::vector<std::vector<float>> kcache_, vcache_;  // per layer [n_positions][n_embd]
};

/// Token choice: greedy (argmax, lowest id on ties) or top-k sampling at a temperature with a
/// seeded, platform-independent generator (splitmix64 + inverse-CDF), so a seed reproduces a
/// trace on every machine.
struct SamplingOptions {
  bool sample = false;
  int top_k = 0;             // 0: the whole vocabulary
  double temperature = 1.0;  // > 0
  std::uint64_t seed = 0;
};

class TokenSampler {
 public:
  explicit TokenSampler(const SamplingOptions& o);
  int pick(const float* logits, std::size_t n);

 private:
  double uniform();  // [0, 1)
  SamplingOptions o_;
  std::uint64_t state_;
  std::vector<int> order_;
  std::vector<double> p_;
};

}  // namespace gcattn::gpt2
