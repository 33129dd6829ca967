#pragma once
// Records KV-cache traces from the GPT-2 engine (gcattn trace gpt2) and checks a recorded trace
// against the engine (gcattn trace verify): the model runs the trace's own tokens again and
// every q, k, v (and attn_out) value is compared.
#include <csignal>
#include <cstddef>
#include <iosfwd>
#include <string>
#include <vector>

#include "gpt2/checkpoint.h"
#include "gpt2/model.h"
#include "trace/trace_file.h"

namespace gcattn::gpt2 {

struct RecordOptions {
  std::string prompt;      // UTF-8; empty: start from <|endoftext|> (GPT-2's unconditional start)
  std::size_t tokens = 0;  // trace length: prompt tokens + generated tokens
  SamplingOptions sampling;
  trace::DType dtype = trace::DType::F32;
  bool attn_out = true;
  int threads = 0;
  std::string model_name;  // empty: the checkpoint directory's name
  std::string tool;        // e.g. "gcattn 0.1.0 trace gpt2"
  std::vector<std::string> tool_args;
  /// The model's own attention when it is not softmax (a gain-cell model's numerics), and its
  /// description for the metadata; null: the engine's softmax.
  AttentionHook* attention = nullptr;
  std::string attention_name;
  /// Checked before every token; when set, recording stops and no file is written (a trace
  /// holds a fixed number of tokens). Typically set by a SIGINT handler.
  const volatile std::sig_atomic_t* stop = nullptr;
};

struct RecordResult {
  bool interrupted = false;  // stopped by opts.stop; nothing was written
  std::size_t tokens_done = 0;
  std::vector<int> ids;
  std::size_t prompt_tokens = 0;
  std::string text, generated;  // UTF-8 (invalid bytes replaced by U+FFFD)
  double seconds = 0.0;         // generation time (without loading)
  trace::TraceMeta meta;
};

/// Runs the prompt and generates until the trace holds opts.tokens tokens, streaming every
/// token's rows to out_path. progress (may be null) gets a line every few seconds.
RecordResult record_trace(const Checkpoint& ckpt, const RecordOptions& opts,
                          const std::string& out_path, std::ostream* progress);

struct FieldDiff {
  bool present = false;
  double max_abs_diff = 0.0, max_abs_value = 0.0;
  std::size_t worst = 0;  // flat index [token, layer, head, dim] of the largest difference
};

struct VerifyResult {
  FieldDiff field[4];  // q, k, v, attn_out (trace::Field order)
  bool ok = true;
  std::string first_failure;  // where the tolerance was first exceeded
};

/// Re-runs the trace's tokens through the model and compares. A value passes when
/// |trace - engine| <= tolerance * max(1, |engine|), the engine value being rounded to F16
/// first for F16 traces.
/// attention: as RecordOptions::attention (the hook the trace was recorded with), or null.
VerifyResult verify_trace(const Checkpoint& ckpt, const trace::TraceReader& tr, int threads,
                          double tolerance, AttentionHook* attention = nullptr);

}  // namespace gcattn::gpt2
