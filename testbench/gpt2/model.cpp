#include "gpt2/model.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <thread>

#include "base/errors.h"

namespace gcattn::gpt2 {
namespace {

using ConstVecMap = Eigen::Map<const Eigen::VectorXf>;
using VecMap = Eigen::Map<Eigen::VectorXf>;

// Below this many matrix elements a product runs on the calling thread: waking workers costs
// more than the work.
constexpr Eigen::Index kParallelMinElements = 1 << 16;

// Output columns per thread chunk: a multiple of 16 floats keeps chunk starts 64-byte aligned
// relative to the row start.
Eigen::Index chunk_size(Eigen::Index n, int threads) {
  const Eigen::Index c = (n + threads - 1) / threads;
  return (c + 15) / 16 * 16;
}

}  // namespace

TokenRecord::TokenRecord(const Gpt2Config& cfg) {
  const std::size_t n =
      static_cast<std::size_t>(cfg.n_layer) * static_cast<std::size_t>(cfg.n_embd);
  q.resize(n);
  k.resize(n);
  v.resize(n);
  attn_out.resize(n);
}

Gpt2Model::Gpt2Model(const Gpt2Weights& weights, int threads) : w_(weights) {
  pool_ = std::make_unique<WorkerPool>(threads);
  threads_ = pool_->threads();
  const Gpt2Config& c = w_.config;
  const auto C = static_cast<std::size_t>(c.n_embd), P = static_cast<std::size_t>(c.n_positions);
  x_.resize(C);
  a_.resize(C);
  qkv_.resize(3 * C);
  att_.resize(C);
  proj_.resize(C);
  hid_.resize(static_cast<std::size_t>(c.n_inner));
  logits_.resize(static_cast<std::size_t>(c.vocab_size));
  scores_.resize(static_cast<std::size_t>(c.n_head) * P);
  kcache_.assign(static_cast<std::size_t>(c.n_layer), std::vector<float>(P * C));
  vcache_.assign(static_cast<std::size_t>(c.n_layer), std::vector<float>(P * C));
}

void Gpt2Model::linear(const Matrix& w, const Vector& b, const float* x, float* y) const {
  const ConstVecMap xv(x, w.rows());
  const Eigen::Index out = w.cols();
  VecMap yv(y, out);
  if (threads_ == 1 || w.size() < kParallelMinElements) {
    yv.noalias() = w.transpose() * xv;
    yv += b;
    return;
  }
  const Eigen::Index step = chunk_size(out, threads_);
  auto part = [&](int p) {
    const Eigen::Index o0 = p * step;
    if (o0 >= out) return;
    const Eigen::Index n = std::min(step, out - o0);
    yv.segment(o0, n).noalias() = w.middleCols(o0, n).transpose() * xv;
    yv.segment(o0, n) += b.segment(o0, n);
  };
  pool_->run(part);
}

void Gpt2Model::layer_norm(const float* x, const Vector& g, const Vector& b, float* y) const {
  const std::size_t n = static_cast<std::size_t>(g.size());
  double mean = 0.0;
  for (std::size_t i = 0; i < n; ++i) mean += x[i];
  mean /= static_cast<double>(n);
  double var = 0.0;
  for (std::size_t i = 0; i < n; ++i) var += (x[i] - mean) * (x[i] - mean);
  var /= static_cast<double>(n);
  const double inv = 1.0 / std::sqrt(var + w_.config.layer_norm_epsilon);
  for (std::size_t i = 0; i < n; ++i) {
    const auto e = static_cast<Eigen::Index>(i);
    y[i] = static_cast<float>((x[i] - mean) * inv) * g[e] + b[e];
  }
}

void Gpt2Model::attention(int layer, const float* qkv, float* out) {
  const Gpt2Config& c = w_.config;
  const int H = c.n_head, D = c.d_head(), C = c.n_embd;
  const auto P = static_cast<std::size_t>(c.n_positions);
  const std::size_t n = pos_ + 1;  // keys 0..pos_, the current token included
  float scale = c.scale_attn_weights ? 1.0f / std::sqrt(static_cast<float>(D)) : 1.0f;
  if (c.scale_attn_by_inverse_layer_idx) scale /= static_cast<float>(layer + 1);
  const float* K = kcache_[static_cast<std::size_t>(layer)].data();
  const float* V = vcache_[static_cast<std::size_t>(layer)].data();
  auto heads = [&](int h0, int h1) {
    for (int h = h0; h < h1; ++h) {
      float* s = scores_.data() + static_cast<std::size_t>(h) * P;
      const ConstVecMap q(qkv + h * D, D);
      float mx = -std::numeric_limits<float>::infinity();
      for (std::size_t j = 0; j < n; ++j) {
        s[j] = q.dot(ConstVecMap(
                   K + j * static_cast<std::size_t>(C) + static_cast<std::size_t>(h * D), D)) *
               scale;
        mx = std::max(mx, s[j]);
      }
      double sum = 0.0;
      for (std::size_t j = 0; j < n; ++j) {
        s[j] = std::exp(s[j] - mx);
        sum += s[j];
      }
      const auto inv = static_cast<float>(1.0 / sum);
      VecMap o(out + h * D, D);
      o.setZero();
      for (std::size_t j = 0; j < n; ++j) {
        o += (s[j] * inv) *
             ConstVecMap(V + j * static_cast<std::size_t>(C) + static_cast<std::size_t>(h * D), D);
      }
    }
  };
  if (threads_ == 1 || n * static_cast<std::size_t>(H) * static_cast<std::size_t>(D) < 32768) {
    heads(0, H);  // too little work to share
    return;
  }
  auto part = [&](int p) { heads(p * H / threads_, (p + 1) * H / threads_); };
  pool_->run(part);
}

const float* Gpt2Model::step(int id, TokenRecord* record) {
  const Gpt2Config& c = w_.config;
  if (id < 0 || id >= c.vocab_size) {
    throw InputError("token id " + std::to_string(id) + " is outside the vocabulary (0.." +
                     std::to_string(c.vocab_size - 1) + ")");
  }
  if (pos_ >= static_cast<std::size_t>(c.n_positions)) {
    throw InputError("the context is full: the model has n_positions = " +
                     std::to_string(c.n_positions) + " (learned position embeddings end there)");
  }
  const auto C = static_cast<std::size_t>(c.n_embd);
  const auto pe = static_cast<Eigen::Index>(pos_);
  VecMap(x_.data(), c.n_embd) = w_.wte.row(id).transpose() + w_.wpe.row(pe).transpose();
  for (int l = 0; l < c.n_layer; ++l) {
    const LayerWeights& L = w_.layers[static_cast<std::size_t>(l)];
    const std::size_t lo = static_cast<std::size_t>(l) * C;
    layer_norm(x_.data(), L.ln_1_g, L.ln_1_b, a_.data());
    linear(L.c_attn_w, L.c_attn_b, a_.data(), qkv_.data());
    std::copy_n(qkv_.data() + C, C, kcache_[static_cast<std::size_t>(l)].data() + pos_ * C);
    std::copy_n(qkv_.data() + 2 * C, C, vcache_[static_cast<std::size_t>(l)].data() + pos_ * C);
    if (hook_)
      hook_->attend(l, pos_, qkv_.data(), qkv_.data() + C, qkv_.data() + 2 * C, att_.data());
    else
      attention(l, qkv_.data(), att_.data());
    if (record) {
      std::copy_n(qkv_.data(), C, record->q.data() + lo);
      std::copy_n(qkv_.data() + C, C, record->k.data() + lo);
      std::copy_n(qkv_.data() + 2 * C, C, record->v.data() + lo);
      std::copy_n(att_.data(), C, record->attn_out.data() + lo);
    }
    linear(L.attn_proj_w, L.attn_proj_b, att_.data(), proj_.data());
    VecMap(x_.data(), c.n_embd) += ConstVecMap(proj_.data(), c.n_embd);
    layer_norm(x_.data(), L.ln_2_g, L.ln_2_b, a_.data());
    linear(L.c_fc_w, L.c_fc_b, a_.data(), hid_.data());
    switch (c.activation) {
      case Activation::GeluTanh:
        for (float& h : hid_)
          h = 0.5f * h * (1.0f + std::tanh(0.7978845608028654f * (h + 0.044715f * h * h * h)));
        break;
      case Activation::GeluErf:
        for (float& h : hid_) h = 0.5f * h * (1.0f + std::erf(h * 0.7071067811865476f));
        break;
      case Activation::Relu:
        for (float& h : hid_) h = std::max(h, 0.0f);
        break;
    }
    linear(L.mlp_proj_w, L.mlp_proj_b, hid_.data(), proj_.data());
    VecMap(x_.data(), c.n_embd) += ConstVecMap(proj_.data(), c.n_embd);
  }
  layer_norm(x_.data(), w_.ln_f_g, w_.ln_f_b, a_.data());
  const Matrix& head = w_.head();
  const Eigen::Index rows = head.rows(), step = chunk_size(rows, threads_);
  const ConstVecMap av(a_.data(), c.n_embd);
  VecMap lv(logits_.data(), rows);
  if (threads_ == 1 || head.size() < kParallelMinElements) {
    lv.noalias() = head * av;
    ++pos_;
    return logits_.data();
  }
  auto part = [&](int p) {
    const Eigen::Index r0 = p * step;
    if (r0 >= rows) return;
    const Eigen::Index n = std::min(step, rows - r0);
    lv.segment(r0, n).noalias() = head.middleRows(r0, n) * av;
  };
  pool_->run(part);
  ++pos_;
  return logits_.data();
}

// ---------------------------------------------------------------------------------------------

TokenSampler::TokenSampler(const SamplingOptions& o) : o_(o), state_(o.seed) {}

double TokenSampler::uniform() {
  // splitmix64 (Steele, Lea, Flood 2014): fixed arithmetic, identical on every platform.
  std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  return static_cast<double>(z >> 11) * 0x1.0p-53;
}

int TokenSampler::pick(const float* logits, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    if (!std::isfinite(logits[i])) {
      throw SimulationError("the model produced a non-finite logit (" + std::to_string(logits[i]) +
                            ") for token id " + std::to_string(i));
    }
  }
  if (!o_.sample) {
    return static_cast<int>(std::max_element(logits, logits + n) - logits);  // first maximum
  }
  order_.resize(n);
  std::iota(order_.begin(), order_.end(), 0);
  const std::size_t k = o_.top_k > 0 ? std::min(n, static_cast<std::size_t>(o_.top_k)) : n;
  const auto higher = [&](int a, int b) {
    return logits[a] != logits[b] ? logits[a] > logits[b] : a < b;
  };
  std::partial_sort(order_.begin(), order_.begin() + static_cast<std::ptrdiff_t>(k), order_.end(),
                    higher);
  p_.resize(k);
  const double top = logits[order_[0]];
  double sum = 0.0;
  for (std::size_t i = 0; i < k; ++i) {
    p_[i] = std::exp((static_cast<double>(logits[order_[i]]) - top) / o_.temperature);
    sum += p_[i];
  }
  const double u = uniform() * sum;
  double acc = 0.0;
  for (std::size_t i = 0; i < k; ++i) {
    acc += p_[i];
    if (u < acc) return order_[i];
  }
  return order_[k - 1];
}

}  // namespace gcattn::gpt2
