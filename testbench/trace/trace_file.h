#pragma once
// KV-cache trace files (docs/trace-format.md): a safetensors file holding, for every token a
// decoder processed, the raw q, k, v of every layer and head (and optionally the model's own
// softmax attention output per head), plus string metadata. Version 1:
//   q, k, v   [tokens, layers, heads, d_head]  F32 or F16
//   attn_out  [tokens, layers, heads, d_head]  F32 or F16 (optional)
//   tokens    [tokens]                         I32
// Token-major layout, so that a player streams the file token by token through the mapping.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "trace/safetensors.h"

namespace gcattn::trace {

inline constexpr const char* kTraceFormat = "gcattn-kv-trace";
inline constexpr const char* kTraceFormatVersion = "1";

/// The metadata of a trace, typed. Stored as strings in the safetensors __metadata__ map.
struct TraceMeta {
  std::string model;   // model name (e.g. "gpt2", "shakespeare-gpt2-mini", "synthetic-gpt2")
  std::string source;  // "gpt2" (recorded from a model run) or "synthetic"
  bool synthetic = false;
  std::size_t tokens = 0;
  int layers = 0, heads = 0, d_head = 0;
  std::size_t context_length = 0;  // the model's context (n_positions); synthetic: as requested
  std::size_t prompt_length = 0;   // tokens of the prompt (the rest were generated)
  std::size_t vocab_size = 0;      // 0: not applicable (synthetic)
  std::string text;                // prompt + generated text (UTF-8)
  std::string prompt;
  std::string tool;  // "gcattn 0.1.0 trace gpt2"
  std::vector<std::string> tool_args;
  Metadata extra;  // further keys (sampling, distribution, model_dir, ...)

  std::size_t row() const { return static_cast<std::size_t>(layers) * heads * d_head; }
  Metadata to_metadata() const;
  /// Parses and checks the metadata of a version-1 trace; errors name the file and key.
  static TraceMeta from_metadata(const Metadata& m, const std::string& path);
};

enum class Field { Q = 0, K = 1, V = 2, AttnOut = 3 };
const char* field_name(Field f);  // "q", "k", "v", "attn_out"

/// Opens and validates a trace: safetensors structure, format name and version, required
/// tensors and their dtypes, shapes against the metadata, token ids, and (unless disabled)
/// every value of q, k, v, attn_out for NaN/Inf with the tensor and index in the message.
class TraceReader {
 public:
  struct Options {
    bool check_finite = true;  // full scan of the float tensors at open (see check_finite())
  };
  explicit TraceReader(const std::string& path) : TraceReader(path, Options{}) {}
  TraceReader(const std::string& path, Options options);

  const TraceMeta& meta() const { return meta_; }
  const std::string& path() const { return file_.path(); }
  std::size_t tokens() const { return meta_.tokens; }
  int layers() const { return meta_.layers; }
  int heads() const { return meta_.heads; }
  int d_head() const { return meta_.d_head; }
  bool has_attn_out() const { return info_[3] != nullptr; }
  DType dtype(Field f) const;
  std::int32_t token_id(std::size_t t) const;
  std::vector<std::int32_t> token_ids() const;

  /// d_head values of one (token, layer, head). F32 tensors: a pointer into the mapping.
  /// F16 tensors: converted into a scratch row owned by the reader, valid until the next call
  /// for the same field (so not thread-safe; use read_token from several threads).
  const float* row(Field f, std::size_t token, int layer, int head) const;
  const float* q(std::size_t t, int l, int h) const { return row(Field::Q, t, l, h); }
  const float* k(std::size_t t, int l, int h) const { return row(Field::K, t, l, h); }
  const float* v(std::size_t t, int l, int h) const { return row(Field::V, t, l, h); }
  const float* attn_out(std::size_t t, int l, int h) const { return row(Field::AttnOut, t, l, h); }

  /// Copies token t's [layers, heads, d_head] values of a field into out (meta().row() floats).
  void read_token(Field f, std::size_t t, float* out) const;
  /// Copies the values of one (layer, head) for tokens [0, tokens) into out, [token][d_head].
  /// Thread-safe (no scratch), unlike row().
  void read_head(Field f, int layer, int head, std::size_t tokens, float* out) const;

  /// Throws InputError naming the tensor and the [token, layer, head, dim] index of the first
  /// NaN or infinity among tokens [first_token, first_token + tokens) of the float tensors. The
  /// constructor checks every token unless Options::check_finite is off (a reader that streams
  /// through the trace then checks each token before use: stream_token).
  void check_finite(std::size_t first_token, std::size_t tokens) const;

  /// Token t of a field, [layers][heads][d_head], into out (meta().row() floats), read through
  /// the file descriptor rather than the mapping (SafetensorsFile::read_f32_streamed) and, when
  /// `check`, checked for NaN and infinity with check_finite's message. For a replay that reads
  /// each token once: no page faults, nothing to release. Thread-safe (the player reads ahead on
  /// another thread: player/token_stream.h).
  void stream_token(Field f, std::size_t t, bool check, float* out) const;
  /// Drops tokens [first, end) of every tensor from resident memory (SafetensorsFile::release);
  /// reading them again reads the file again.
  void release_tokens(std::size_t first, std::size_t end) const;

  const SafetensorsFile& file() const { return file_; }

 private:
  /// Throws the InputError of check_finite for a bad value at a flat element of t.
  [[noreturn]] void nonfinite_error(const TensorInfo& t, std::size_t element, float value) const;
  SafetensorsFile file_;
  TraceMeta meta_;
  const TensorInfo* info_[4] = {nullptr, nullptr, nullptr, nullptr};
  const TensorInfo* tokens_ = nullptr;
  bool direct_[4] = {false, false, false, false};  // F32 and 4-byte aligned: no copy needed
  mutable std::vector<float> scratch_[4];
};

/// Streams a trace to disk token by token. Sizes are fixed up front (meta.tokens etc.); the
/// header is finalised by finish(), which may update the metadata (e.g. the generated text).
class TraceWriter {
 public:
  /// dtype: F32 or F16 for q, k, v, attn_out. reserve_header_bytes: room for metadata that
  /// grows before finish() (see SafetensorsWriter).
  TraceWriter(const std::string& path, const TraceMeta& meta, DType dtype, bool with_attn_out,
              std::size_t reserve_header_bytes = 0);

  /// Writes token t: its id and meta.row() floats per field in [layer][head][d] order;
  /// attn_out may be null only when the trace has no attn_out tensor.
  void write_token(std::size_t t, std::int32_t token_id, const float* q, const float* k,
                   const float* v, const float* attn_out = nullptr);
  /// Validates that every token was written, writes the final header and renames into place.
  void finish(const TraceMeta& final_meta);
  const TraceMeta& meta() const { return meta_; }

 private:
  void put(Field f, std::size_t t, const float* src);
  std::unique_ptr<SafetensorsWriter> w_;
  TraceMeta meta_;
  DType dtype_;
  bool attn_out_;
  std::size_t idx_[4] = {0, 0, 0, 0}, tokens_idx_ = 0;
  std::vector<std::uint16_t> half_;
  std::vector<bool> done_;
};

}  // namespace gcattn::trace
