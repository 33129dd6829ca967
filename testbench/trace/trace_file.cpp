#include "trace/trace_file.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <stdexcept>

#include <boost/json.hpp>

#include "base/errors.h"
#include "trace/half.h"

namespace gcattn::trace {
namespace {

namespace json = boost::json;

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw InputError(path + ": " + what);
}

const Field kFields[4] = {Field::Q, Field::K, Field::V, Field::AttnOut};

const std::string& required(const Metadata& m, const std::string& key, const std::string& path) {
  const auto it = m.find(key);
  if (it == m.end())
    fail(path, "trace metadata has no '" + key + "' entry (written by an incompatible tool?)");
  return it->second;
}

std::size_t parse_count(const std::string& text, const std::string& key, const std::string& path) {
  std::size_t v = 0;
  bool ok = !text.empty() && text.size() <= 15;
  for (char c : text) {
    if (c < '0' || c > '9')
      ok = false;
    else
      v = v * 10 + static_cast<std::size_t>(c - '0');
  }
  if (!ok)
    fail(path, "trace metadata '" + key + "' = '" + text + "' is not a non-negative integer");
  return v;
}

std::string index_string(std::size_t i, const TraceMeta& m) {
  const std::size_t d = static_cast<std::size_t>(m.d_head), h = static_cast<std::size_t>(m.heads),
                    l = static_cast<std::size_t>(m.layers);
  return "[token " + std::to_string(i / (l * h * d)) + ", layer " +
         std::to_string(i / (h * d) % l) + ", head " + std::to_string(i / d % h) + ", dim " +
         std::to_string(i % d) + "]";
}

}  // namespace

const char* field_name(Field f) {
  switch (f) {
    case Field::Q:
      return "q";
    case Field::K:
      return "k";
    case Field::V:
      return "v";
    case Field::AttnOut:
      return "attn_out";
  }
  return "?";
}

Metadata TraceMeta::to_metadata() const {
  Metadata m = extra;
  json::array args;
  for (const auto& a : tool_args) args.emplace_back(a);
  m["format"] = kTraceFormat;
  m["format_version"] = kTraceFormatVersion;
  m["model"] = model;
  m["source"] = source;
  m["synthetic"] = synthetic ? "true" : "false";
  m["tokens"] = std::to_string(tokens);
  m["layers"] = std::to_string(layers);
  m["heads"] = std::to_string(heads);
  m["d_head"] = std::to_string(d_head);
  m["context_length"] = std::to_string(context_length);
  m["prompt_length"] = std::to_string(prompt_length);
  m["vocab_size"] = std::to_string(vocab_size);
  m["text"] = text;
  m["prompt"] = prompt;
  m["tool"] = tool;
  m["tool_args"] = json::serialize(args);
  return m;
}

TraceMeta TraceMeta::from_metadata(const Metadata& m, const std::string& path) {
  const auto fit = m.find("format");
  if (fit == m.end() || fit->second != kTraceFormat) {
    fail(path, "not a gcattn KV trace: metadata 'format' is " +
                   (fit == m.end() ? std::string("missing") : "'" + fit->second + "'") +
                   ", expected '" + kTraceFormat +
                   "' (make traces with 'gcattn trace gpt2' or 'gcattn trace synth')");
  }
  const std::string& version = required(m, "format_version", path);
  if (version != kTraceFormatVersion) {
    fail(path, "trace format_version '" + version +
                   "' is not supported (this gcattn reads version " + kTraceFormatVersion + ")");
  }
  TraceMeta t;
  t.model = required(m, "model", path);
  t.source = required(m, "source", path);
  const std::string& syn = required(m, "synthetic", path);
  if (syn != "true" && syn != "false")
    fail(path, "trace metadata 'synthetic' = '" + syn + "' is not true/false");
  t.synthetic = syn == "true";
  t.tokens = parse_count(required(m, "tokens", path), "tokens", path);
  const auto dim = [&](const char* key) {
    const std::size_t v = parse_count(required(m, key, path), key, path);
    if (v < 1 || v > 1000000)
      fail(path, std::string("trace metadata '") + key + "' = " + std::to_string(v) +
                     " must be 1..1000000");
    return static_cast<int>(v);
  };
  t.layers = dim("layers");
  t.heads = dim("heads");
  t.d_head = dim("d_head");
  t.context_length = parse_count(required(m, "context_length", path), "context_length", path);
  t.prompt_length = parse_count(required(m, "prompt_length", path), "prompt_length", path);
  if (t.tokens < 1) fail(path, "trace metadata 'tokens' = 0: a trace holds at least one token");
  if (t.prompt_length > t.tokens) {
    fail(path, "trace metadata 'prompt_length' = " + std::to_string(t.prompt_length) +
                   " exceeds 'tokens' = " + std::to_string(t.tokens));
  }
  if (const auto it = m.find("vocab_size"); it != m.end())
    t.vocab_size = parse_count(it->second, "vocab_size", path);
  t.text = required(m, "text", path);
  if (const auto it = m.find("prompt"); it != m.end()) t.prompt = it->second;
  t.tool = required(m, "tool", path);
  const std::string& args = required(m, "tool_args", path);
  boost::system::error_code ec;
  const json::value a = json::parse(args, ec);
  if (ec || !a.is_array()) fail(path, "trace metadata 'tool_args' is not a JSON array of strings");
  for (const auto& v : a.as_array()) {
    if (!v.is_string()) fail(path, "trace metadata 'tool_args' is not a JSON array of strings");
    t.tool_args.emplace_back(v.as_string());
  }
  static const char* known[] = {"format",    "format_version", "model",         "source",
                                "synthetic", "tokens",         "layers",        "heads",
                                "d_head",    "context_length", "prompt_length", "vocab_size",
                                "text",      "prompt",         "tool",          "tool_args"};
  for (const auto& [k, v] : m) {
    bool is_known = false;
    for (const char* kk : known) is_known = is_known || k == kk;
    if (!is_known) t.extra[k] = v;
  }
  return t;
}

// ---------------------------------------------------------------------------------------------
// Reader

TraceReader::TraceReader(const std::string& path, Options options) : file_(path) {
  meta_ = TraceMeta::from_metadata(file_.metadata(), path);
  const std::vector<std::size_t> shape = {meta_.tokens, static_cast<std::size_t>(meta_.layers),
                                          static_cast<std::size_t>(meta_.heads),
                                          static_cast<std::size_t>(meta_.d_head)};
  const std::string expected = "[" + std::to_string(shape[0]) + ", " + std::to_string(shape[1]) +
                               ", " + std::to_string(shape[2]) + ", " + std::to_string(shape[3]) +
                               "]";
  for (const auto& t : file_.tensors()) {
    if (t.name != "q" && t.name != "k" && t.name != "v" && t.name != "attn_out" &&
        t.name != "tokens") {
      fail(path, "unexpected tensor '" + t.name +
                     "' in a version-1 trace (expected q, k, v, tokens, attn_out)");
    }
  }
  for (Field f : kFields) {
    const TensorInfo* t = file_.find(field_name(f));
    if (!t) {
      if (f == Field::AttnOut) continue;
      fail(path, std::string("missing tensor '") + field_name(f) +
                     "' (a trace needs q, k, v and tokens)");
    }
    if (t->dtype != DType::F32 && t->dtype != DType::F16) {
      fail(path, "tensor '" + t->name + "' has dtype " + dtype_name(t->dtype) +
                     "; traces store F32 or F16");
    }
    if (t->shape != shape) {
      fail(path, "tensor '" + t->name + "' has shape " + t->shape_string() +
                     " but the metadata says [tokens, layers, heads, d_head] = " + expected);
    }
    const auto i = static_cast<std::size_t>(f);
    info_[i] = t;
    direct_[i] = t->dtype == DType::F32 &&
                 reinterpret_cast<std::uintptr_t>(file_.data(*t)) % alignof(float) == 0;
    scratch_[i].resize(static_cast<std::size_t>(meta_.d_head));
  }
  tokens_ = &file_.at("tokens");
  if (tokens_->dtype != DType::I32) {
    fail(path, std::string("tensor 'tokens' has dtype ") + dtype_name(tokens_->dtype) +
                   "; expected I32 token ids");
  }
  if (tokens_->shape != std::vector<std::size_t>{meta_.tokens}) {
    fail(path, "tensor 'tokens' has shape " + tokens_->shape_string() +
                   " but the metadata says [tokens] = [" + std::to_string(meta_.tokens) + "]");
  }
  for (std::size_t t = 0; t < meta_.tokens; ++t) {
    const std::int32_t id = token_id(t);
    if (id < 0 || (meta_.vocab_size > 0 && static_cast<std::size_t>(id) >= meta_.vocab_size)) {
      fail(path, "tensor 'tokens' index [" + std::to_string(t) + "] = " + std::to_string(id) +
                     " is not a token id (vocab_size " + std::to_string(meta_.vocab_size) + ")");
    }
  }
  if (options.check_finite) {
    for (Field f : kFields) {
      if (const TensorInfo* t = info_[static_cast<std::size_t>(f)]) file_.advise_sequential(*t);
    }
    check_finite(0, meta_.tokens);
  }
}

void TraceReader::check_finite(std::size_t first_token, std::size_t tokens) const {
  if (first_token > meta_.tokens || tokens > meta_.tokens - first_token) {
    throw std::out_of_range("TraceReader::check_finite: tokens [" + std::to_string(first_token) +
                            ", +" + std::to_string(tokens) + ") outside the trace");
  }
  for (Field f : kFields) {
    const TensorInfo* t = info_[static_cast<std::size_t>(f)];
    if (!t) continue;
    if (const auto bad =
            file_.first_nonfinite(*t, first_token * meta_.row(), tokens * meta_.row())) {
      float value = 0.0f;
      file_.read_f32(*t, *bad, 1, &value);
      nonfinite_error(*t, *bad, value);
    }
  }
}

void TraceReader::nonfinite_error(const TensorInfo& t, std::size_t element, float value) const {
  fail(path(), "tensor '" + t.name + "' holds " + (std::isnan(value) ? "NaN" : "Inf") +
                   " at index " + index_string(element, meta_) + " (flat element " +
                   std::to_string(element) + ")");
}

void TraceReader::stream_token(Field f, std::size_t t, bool check, float* out) const {
  const auto i = static_cast<std::size_t>(f);
  const TensorInfo* info = info_[i];
  if (!info) throw std::logic_error(path() + ": trace has no attn_out tensor");
  if (t >= meta_.tokens)
    throw std::out_of_range("TraceReader::stream_token: token " + std::to_string(t));
  const std::size_t n = meta_.row();
  if (const auto bad = file_.read_f32_streamed(*info, t * n, n, out, check)) {
    nonfinite_error(*info, *bad, out[*bad - t * n]);
  }
}

DType TraceReader::dtype(Field f) const {
  const TensorInfo* t = info_[static_cast<std::size_t>(f)];
  if (!t) throw std::logic_error(path() + ": trace has no attn_out tensor");
  return t->dtype;
}

std::int32_t TraceReader::token_id(std::size_t t) const {
  if (t >= meta_.tokens)
    throw std::out_of_range("TraceReader::token_id: token " + std::to_string(t));
  std::int32_t id;
  std::memcpy(&id, file_.data(*tokens_) + 4 * t, 4);
  return id;
}

std::vector<std::int32_t> TraceReader::token_ids() const {
  std::vector<std::int32_t> ids(meta_.tokens);
  if (!ids.empty()) std::memcpy(ids.data(), file_.data(*tokens_), 4 * ids.size());
  return ids;
}

const float* TraceReader::row(Field f, std::size_t token, int layer, int head) const {
  const auto i = static_cast<std::size_t>(f);
  const TensorInfo* t = info_[i];
  if (!t) throw std::logic_error(path() + ": trace has no attn_out tensor");
  if (token >= meta_.tokens || layer < 0 || layer >= meta_.layers || head < 0 ||
      head >= meta_.heads) {
    throw std::out_of_range("TraceReader::row: (token " + std::to_string(token) + ", layer " +
                            std::to_string(layer) + ", head " + std::to_string(head) +
                            ") outside the trace");
  }
  const std::size_t d = static_cast<std::size_t>(meta_.d_head);
  const std::size_t first =
      ((token * static_cast<std::size_t>(meta_.layers) + static_cast<std::size_t>(layer)) *
           static_cast<std::size_t>(meta_.heads) +
       static_cast<std::size_t>(head)) *
      d;
  if (direct_[i]) return reinterpret_cast<const float*>(file_.data(*t)) + first;
  file_.read_f32(*t, first, d, scratch_[i].data());
  return scratch_[i].data();
}

void TraceReader::read_token(Field f, std::size_t t, float* out) const {
  const TensorInfo* info = info_[static_cast<std::size_t>(f)];
  if (!info) throw std::logic_error(path() + ": trace has no attn_out tensor");
  if (t >= meta_.tokens)
    throw std::out_of_range("TraceReader::read_token: token " + std::to_string(t));
  file_.read_f32(*info, t * meta_.row(), meta_.row(), out);
}

void TraceReader::read_head(Field f, int layer, int head, std::size_t tokens, float* out) const {
  const TensorInfo* info = info_[static_cast<std::size_t>(f)];
  if (!info) throw std::logic_error(path() + ": trace has no attn_out tensor");
  if (tokens > meta_.tokens || layer < 0 || layer >= meta_.layers || head < 0 ||
      head >= meta_.heads) {
    throw std::out_of_range("TraceReader::read_head: (layer " + std::to_string(layer) + ", head " +
                            std::to_string(head) + ", " + std::to_string(tokens) +
                            " tokens) outside the trace");
  }
  const std::size_t d = static_cast<std::size_t>(meta_.d_head);
  const std::size_t offset =
      (static_cast<std::size_t>(layer) * static_cast<std::size_t>(meta_.heads) +
       static_cast<std::size_t>(head)) *
      d;
  for (std::size_t t = 0; t < tokens; ++t)
    file_.read_f32(*info, t * meta_.row() + offset, d, out + t * d);
}

// ---------------------------------------------------------------------------------------------
// Writer

TraceWriter::TraceWriter(const std::string& path, const TraceMeta& meta, DType dtype,
                         bool with_attn_out, std::size_t reserve_header_bytes)
    : meta_(meta), dtype_(dtype), attn_out_(with_attn_out) {
  if (dtype != DType::F32 && dtype != DType::F16)
    throw std::invalid_argument("TraceWriter: dtype must be F32 or F16");
  if (meta.tokens < 1 || meta.layers < 1 || meta.heads < 1 || meta.d_head < 1) {
    throw std::invalid_argument("TraceWriter: empty trace dimensions");
  }
  const std::vector<std::size_t> shape = {meta.tokens, static_cast<std::size_t>(meta.layers),
                                          static_cast<std::size_t>(meta.heads),
                                          static_cast<std::size_t>(meta.d_head)};
  std::vector<TensorSpec> specs = {{"q", dtype, shape}, {"k", dtype, shape}, {"v", dtype, shape}};
  if (with_attn_out) specs.push_back({"attn_out", dtype, shape});
  specs.push_back({"tokens", DType::I32, {meta.tokens}});
  w_ = std::make_unique<SafetensorsWriter>(path, std::move(specs), meta.to_metadata(),
                                           reserve_header_bytes);
  for (Field f : kFields) {
    if (f == Field::AttnOut && !with_attn_out) continue;
    idx_[static_cast<std::size_t>(f)] = w_->index(field_name(f));
  }
  tokens_idx_ = w_->index("tokens");
  if (dtype == DType::F16) half_.resize(meta.row());
  done_.assign(meta.tokens, false);
}

void TraceWriter::put(Field f, std::size_t t, const float* src) {
  const std::size_t n = meta_.row();
  for (std::size_t i = 0; i < n; ++i) {
    if (!std::isfinite(src[i])) {
      throw SimulationError(w_->path() + ": refusing to write a non-finite " + field_name(f) +
                            " value " + std::to_string(src[i]) + " at " +
                            index_string(t * n + i, meta_));
    }
  }
  const std::size_t idx = idx_[static_cast<std::size_t>(f)];
  if (dtype_ == DType::F32) {
    w_->write(idx, t * n * 4, src, n * 4);
    return;
  }
  for (std::size_t i = 0; i < n; ++i) {
    half_[i] = float_to_half(src[i]);
    if ((half_[i] & 0x7C00u) == 0x7C00u) {
      throw SimulationError(w_->path() + ": " + field_name(f) + " value " + std::to_string(src[i]) +
                            " at " + index_string(t * n + i, meta_) +
                            " overflows F16 (|x| > 65504); write the trace as F32");
    }
  }
  w_->write(idx, t * n * 2, half_.data(), n * 2);
}

void TraceWriter::write_token(std::size_t t, std::int32_t token_id, const float* q, const float* k,
                              const float* v, const float* attn_out) {
  if (t >= meta_.tokens)
    throw std::out_of_range("TraceWriter: token " + std::to_string(t) + " beyond the trace");
  if (done_[t])
    throw std::logic_error("TraceWriter: token " + std::to_string(t) + " written twice");
  if (attn_out_ && !attn_out)
    throw std::invalid_argument("TraceWriter: this trace needs attn_out rows");
  put(Field::Q, t, q);
  put(Field::K, t, k);
  put(Field::V, t, v);
  if (attn_out_) put(Field::AttnOut, t, attn_out);
  w_->write(tokens_idx_, t * 4, &token_id, 4);
  done_[t] = true;
}

void TraceWriter::finish(const TraceMeta& final_meta) {
  if (final_meta.tokens != meta_.tokens || final_meta.layers != meta_.layers ||
      final_meta.heads != meta_.heads || final_meta.d_head != meta_.d_head) {
    throw std::invalid_argument(
        "TraceWriter::finish: dimensions differ from the ones the file was sized for");
  }
  for (std::size_t t = 0; t < done_.size(); ++t) {
    if (!done_[t])
      throw std::logic_error("TraceWriter::finish: token " + std::to_string(t) +
                             " was never written");
  }
  meta_ = final_meta;
  w_->set_metadata(meta_.to_metadata());
  w_->finish();
}

void TraceReader::release_tokens(std::size_t first, std::size_t end) const {
  end = std::min(end, meta_.tokens);
  if (first >= end) return;
  for (const TensorInfo* t : info_) {
    if (t) file_.release(*t, first * meta_.row(), (end - first) * meta_.row());
  }
  if (tokens_) file_.release(*tokens_, first, end - first);
}

}  // namespace gcattn::trace
