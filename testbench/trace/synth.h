#pragma once
// Synthetic KV-cache traces with real model shapes (GPT-2 small to XL), for scale and speed
// tests of the accelerator model where the values need not come from a language model.
// Marked synthetic in the metadata. Deterministic: the same options give the same bytes, and a
// shorter trace is a prefix of a longer one with the same seed.
//
// Distributions (value of q, k or v at token t, layer l, head h, dim d):
//   normal:  scale * b_f * (1 + l / (L - 1)) * m_{f,l,h} * (mu_{f,l,h,d} + z),  z ~ N(0, 1)
//            b_f = 1 for q and k, 0.5 for v; m = exp(0.25 N(0,1)) a per-head spread;
//            mu = 0.5 N(0,1) a fixed per-dimension offset for q and k (0 for v).
//            Shape-only stand-ins for what GPT-2 shows (scales growing with depth, heads of
//            different size, biased dimensions): assumed, not fitted to a model.
//   uniform: scale * U(-1, 1), independent.
// Token ids are the token positions (there is no vocabulary).
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "trace/safetensors.h"
#include "trace/trace_file.h"

namespace gcattn::trace {

struct SynthOptions {
  int layers = 0, heads = 0, d_head = 0;
  std::size_t tokens = 0;
  std::uint64_t seed = 0;
  std::string distribution = "normal";  // normal | uniform
  double scale = 1.0;
  std::size_t context_length = 1024;  // also the window of the synthetic attn_out
  DType dtype = DType::F32;
  bool attn_out = false;  // softmax(q k^T / sqrt(d_head)) v over the last context_length tokens
  std::string model = "synthetic";
  std::string tool;
  std::vector<std::string> tool_args;
  const volatile std::sig_atomic_t* stop = nullptr;  // polled per token (stop signals)
};

/// Writes the trace; returns its metadata, or nothing when stopped by o.stop (then no file is
/// left behind). Throws std::invalid_argument for bad options (a value that overflows F16
/// storage included).
std::optional<TraceMeta> write_synthetic_trace(const std::string& path, const SynthOptions& o);

}  // namespace gcattn::trace
