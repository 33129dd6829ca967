#include "trace/synth.h"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <limits>
#include <sstream>
#include <stdexcept>

#include "trace/half.h"

namespace gcattn::trace {
namespace {

constexpr double kTwoPi = 6.283185307179586476925286766559;

// splitmix64 stream with Box-Muller normals: fixed arithmetic, so traces are identical on
// every platform and standard library.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : s_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (s_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }  // [0, 1)
  double normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    const double u1 = 1.0 - uniform();  // (0, 1]
    const double u2 = uniform();
    const double r = std::sqrt(-2.0 * std::log(u1));
    spare_ = r * std::sin(kTwoPi * u2);
    has_spare_ = true;
    return r * std::cos(kTwoPi * u2);
  }

 private:
  std::uint64_t s_;
  double spare_ = 0.0;
  bool has_spare_ = false;
};

}  // namespace

std::optional<TraceMeta> write_synthetic_trace(const std::string& path, const SynthOptions& o) {
  if (o.layers < 1 || o.heads < 1 || o.d_head < 1)
    throw std::invalid_argument("layers, heads and d_head must be >= 1");
  if (o.tokens < 1) throw std::invalid_argument("tokens must be >= 1");
  if (o.distribution != "normal" && o.distribution != "uniform") {
    throw std::invalid_argument("distribution '" + o.distribution +
                                "' is not one of normal, uniform");
  }
  if (!(o.scale > 0.0) || !std::isfinite(o.scale))
    throw std::invalid_argument("scale must be a positive number");
  if (o.context_length < 1) throw std::invalid_argument("context length must be >= 1");

  TraceMeta meta;
  meta.model = o.model;
  meta.source = "synthetic";
  meta.synthetic = true;
  meta.tokens = o.tokens;
  meta.layers = o.layers;
  meta.heads = o.heads;
  meta.d_head = o.d_head;
  meta.context_length = o.context_length;
  meta.prompt_length = 0;
  meta.vocab_size = 0;
  meta.tool = o.tool;
  meta.tool_args = o.tool_args;
  std::ostringstream sc;
  sc << std::setprecision(17) << o.scale;
  meta.extra["distribution"] = o.distribution;
  meta.extra["seed"] = std::to_string(o.seed);
  meta.extra["scale"] = sc.str();
  if (o.attn_out)
    meta.extra["attn_out"] =
        "softmax(q k^T / sqrt(d_head)) v per head over the last context_length tokens";

  const auto L = static_cast<std::size_t>(o.layers), H = static_cast<std::size_t>(o.heads),
             D = static_cast<std::size_t>(o.d_head);
  const std::size_t row = L * H * D;
  // Per-(field, layer, head) scale and per-dimension offset, from their own stream so that
  // they do not depend on the number of tokens.
  std::vector<float> sigma(3 * L * H), mu(3 * row, 0.0f);
  if (o.distribution == "normal") {
    Rng structure(o.seed ^ 0x5DEECE66Dull);
    const double base[3] = {1.0, 1.0, 0.5};
    for (std::size_t f = 0; f < 3; ++f) {
      for (std::size_t l = 0; l < L; ++l) {
        const double depth =
            L > 1 ? 1.0 + static_cast<double>(l) / static_cast<double>(L - 1) : 1.0;
        for (std::size_t h = 0; h < H; ++h) {
          sigma[(f * L + l) * H + h] =
              static_cast<float>(o.scale * base[f] * depth * std::exp(0.25 * structure.normal()));
          for (std::size_t d = 0; d < D; ++d) {
            const double m = structure.normal();
            if (f < 2) mu[f * row + (l * H + h) * D + d] = static_cast<float>(0.5 * m);
          }
        }
      }
    }
  }

  TraceWriter writer(path, meta, o.dtype, o.attn_out);
  Rng rng(o.seed);
  std::vector<float> fields(3 * row), att(o.attn_out ? row : 0);
  const std::size_t window = std::min(o.context_length, o.tokens);
  std::vector<float> kring(o.attn_out ? window * row : 0), vring(o.attn_out ? window * row : 0), p;
  if (o.attn_out) p.resize(window);
  const double inv_sqrt_d = 1.0 / std::sqrt(static_cast<double>(D));
  for (std::size_t t = 0; t < o.tokens; ++t) {
    if (o.stop && *o.stop) return std::nullopt;  // the writer removes its temporary file
    if (o.distribution == "normal") {
      for (std::size_t f = 0; f < 3; ++f) {
        for (std::size_t i = 0; i < row; ++i) {
          const float s = sigma[f * L * H + i / D];
          fields[f * row + i] = s * (mu[f * row + i] + static_cast<float>(rng.normal()));
        }
      }
    } else {
      for (float& x : fields) x = static_cast<float>(o.scale * (2.0 * rng.uniform() - 1.0));
    }
    if (o.dtype == DType::F16) {
      // Store-then-compute: attn_out is computed from the values the file holds.
      for (std::size_t i = 0; i < fields.size(); ++i) {
        const float h = half_to_float(float_to_half(fields[i]));
        if (!std::isfinite(h)) {
          throw std::invalid_argument(
              "value " + std::to_string(fields[i]) + " at token " + std::to_string(t) +
              " overflows float16 storage (largest 65504); lower --scale or use --dtype f32");
        }
        fields[i] = h;
      }
    }
    const float* q = fields.data();
    const float* k = q + row;
    const float* v = k + row;
    if (o.attn_out) {
      const std::size_t slot = t % window;
      std::copy_n(k, row, kring.data() + slot * row);
      std::copy_n(v, row, vring.data() + slot * row);
      const std::size_t n = std::min(t + 1, window);
      for (std::size_t lh = 0; lh < L * H; ++lh) {
        const float* qh = q + lh * D;
        double mx = -std::numeric_limits<double>::infinity();
        for (std::size_t j = 0; j < n; ++j) {
          const float* kj = kring.data() + j * row + lh * D;
          double s = 0.0;
          for (std::size_t d = 0; d < D; ++d) s += static_cast<double>(qh[d]) * kj[d];
          p[j] = static_cast<float>(s * inv_sqrt_d);
          mx = std::max(mx, static_cast<double>(p[j]));
        }
        double sum = 0.0;
        for (std::size_t j = 0; j < n; ++j) {
          p[j] = static_cast<float>(std::exp(p[j] - mx));
          sum += p[j];
        }
        float* out = att.data() + lh * D;
        std::fill_n(out, D, 0.0f);
        for (std::size_t j = 0; j < n; ++j) {
          const auto w = static_cast<float>(p[j] / sum);
          const float* vj = vring.data() + j * row + lh * D;
          for (std::size_t d = 0; d < D; ++d) out[d] += w * vj[d];
        }
      }
    }
    writer.write_token(t, static_cast<std::int32_t>(std::min<std::size_t>(t, 0x7FFFFFFF)), q, k, v,
                       o.attn_out ? att.data() : nullptr);
  }
  writer.finish(meta);
  return meta;
}

}  // namespace gcattn::trace
