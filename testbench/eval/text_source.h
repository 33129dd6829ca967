#pragma once
// The text `gcattn eval` scores: read, checked (UTF-8, not empty), tokenized, and cut into
// chunks of at most the model's context. Chunk c feeds tokens [cL, cL + L) from an empty KV cache
// and predicts tokens [cL + 1, cL + L + 1): every token but the first is predicted exactly once,
// the first token of a chunk from the end of the previous one (the same as the held-out
// evaluation of scripts/train_hw_gpt2.py).
#include <cstddef>
#include <string>
#include <vector>

#include "gpt2/tokenizer.h"

namespace gcattn::eval {

struct Chunk {
  std::size_t begin = 0;   // first input token
  std::size_t length = 0;  // inputs = predictions in this chunk
};

/// Reads path as UTF-8 text; InputError naming the file when it is missing, empty or not
/// UTF-8 (with the byte offset of the first bad sequence).
std::string read_text_file(const std::string& path);

/// Chunks covering `predictions` predicted tokens with chunks of at most `context` inputs.
std::vector<Chunk> make_chunks(std::size_t predictions, std::size_t context);

}  // namespace gcattn::eval
