#pragma once
// GPT-2's byte-level BPE tokenizer (openai/gpt-2 encoder.py, Hugging Face GPT2Tokenizer), read
// from the vocab.json and merges.txt of a checkpoint directory.
//
// Encoding: the special token "<|endoftext|>" (when the vocabulary has it) is split off first,
// as Hugging Face does for its added tokens; each remaining segment is pre-tokenised with
// GPT-2's regex
//   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
// (implemented by hand, alternatives tried in that order, leftmost first), each piece's UTF-8
// bytes are merged by BPE rank, and the resulting symbols are looked up in the vocabulary.
// Decoding concatenates the tokens' bytes.
//
// Limits: \p{L} and \p{N} are Unicode general categories L* and N* as of the Unicode version of
// unicode_tables.inc (generated from Python's unicodedata); \s is the Unicode White_Space
// property. Python's `regex` module (used by GPT-2) may use another Unicode version, so rare,
// recently assigned characters could be classified differently. Input must be valid UTF-8.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace gcattn::gpt2 {

bool is_letter(char32_t cp);      // \p{L}
bool is_number(char32_t cp);      // \p{N}
bool is_whitespace(char32_t cp);  // \s

/// Splits valid UTF-8 text into GPT-2 pre-tokens (views into text; their concatenation is text).
/// Throws InputError for invalid UTF-8.
std::vector<std::string_view> pretokenize(std::string_view text);

/// GPT-2's reversible byte -> printable character table (bytes_to_unicode in encoder.py);
/// vocab.json and merges.txt spell byte strings with these characters ("Ġ" is the space).
const std::array<char32_t, 256>& byte_to_unicode();
/// Inverse of byte_to_unicode for a vocabulary string; nullopt if it has another character.
std::optional<std::string> unicode_to_bytes(std::string_view vocab_string);
/// Bytes in vocab.json's spelling.
std::string bytes_to_vocab_string(std::string_view bytes);

class Tokenizer {
 public:
  static constexpr std::string_view kEndOfText = "<|endoftext|>";

  /// Reads vocab.json ({token: id}, ids 0..N-1 each once) and merges.txt ("#version" header,
  /// then one "left right" pair per line, highest priority first). Errors name file and entry.
  static Tokenizer load(const std::string& vocab_json, const std::string& merges_txt);

  /// vocab[i] is token i in vocab.json spelling; merges in priority order (vocab spelling).
  Tokenizer(const std::vector<std::string>& vocab,
            const std::vector<std::pair<std::string, std::string>>& merges,
            const std::string& origin = "tokenizer", const std::string& merges_origin = "");

  std::vector<int> encode(std::string_view text) const;
  /// The raw bytes of the tokens (a multi-byte character may be split across tokens, so a
  /// prefix of the result need not be valid UTF-8; use trace::sanitize_utf8 for display).
  std::string decode(const std::vector<int>& ids) const;
  const std::string& token_bytes(int id) const;
  std::size_t size() const { return id_bytes_.size(); }
  std::optional<int> end_of_text() const { return eot_; }
  std::size_t max_token_bytes() const { return max_token_bytes_; }
  std::size_t merges() const { return ranks_.size(); }

 private:
  void bpe(std::string_view piece, std::vector<int>& out) const;
  static std::string pair_key(std::string_view a, std::string_view b);
  std::string origin_;
  std::vector<std::string> id_bytes_;
  std::unordered_map<std::string, int> ids_;    // raw bytes -> id
  std::unordered_map<std::string, int> ranks_;  // pair_key(a, b) -> merge priority
  std::optional<int> eot_;
  std::size_t max_token_bytes_ = 0;
};

}  // namespace gcattn::gpt2
