#include "gpt2/tokenizer.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <limits>
#include <map>
#include <sstream>

#include <boost/json.hpp>

#include "base/errors.h"
#include "io/input_file.h"
#include "trace/utf8.h"

namespace gcattn::gpt2 {
namespace {

namespace json = boost::json;

struct CodeRange {
  char32_t lo, hi;
};
#include "gpt2/unicode_tables.inc"

template <std::size_t N>
bool in_ranges(const CodeRange (&r)[N], char32_t cp) {
  const CodeRange* it =
      std::upper_bound(r, r + N, cp, [](char32_t c, const CodeRange& x) { return c < x.lo; });
  return it != r && cp <= (it - 1)->hi;
}

[[noreturn]] void fail(const std::string& origin, const std::string& what) {
  throw InputError(origin + ": " + what);
}

// vocab.json of GPT-2 is 1 MB, merges.txt 456 kB.
constexpr std::size_t kMaxTokenizerFileBytes = std::size_t(1) << 28;

std::string read_file(const std::string& path) {
  return io::read_input_file(path, kMaxTokenizerFileBytes,
                             "a GPT-2 tokenizer file (vocab.json, merges.txt)");
}

std::string hex_byte(unsigned char c) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02X", c);
  return buf;
}

}  // namespace

bool is_letter(char32_t cp) {
  if (cp < 0x80) return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
  return in_ranges(kLetterRanges, cp);
}

bool is_number(char32_t cp) {
  if (cp < 0x80) return cp >= '0' && cp <= '9';
  return in_ranges(kNumberRanges, cp);
}

bool is_whitespace(char32_t cp) {
  return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
         (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F ||
         cp == 0x205F || cp == 0x3000;
}

std::vector<std::string_view> pretokenize(std::string_view text) {
  // Decode once: code points and their byte offsets (off has n + 1 entries).
  std::vector<char32_t> cps;
  std::vector<std::size_t> off;
  cps.reserve(text.size());
  off.reserve(text.size() + 1);
  for (std::size_t i = 0; i < text.size();) {
    char32_t cp;
    const std::size_t len = trace::decode_utf8(text, i, cp);
    if (len == 0) {
      throw InputError("text is not valid UTF-8 (byte " +
                       hex_byte(static_cast<unsigned char>(text[i])) + " at offset " +
                       std::to_string(i) + ")");
    }
    cps.push_back(cp);
    off.push_back(i);
    i += len;
  }
  off.push_back(text.size());
  const std::size_t n = cps.size();
  std::vector<std::string_view> out;
  const auto emit = [&](std::size_t a, std::size_t b) {
    out.push_back(text.substr(off[a], off[b] - off[a]));
  };
  const auto other = [](char32_t c) { return !is_whitespace(c) && !is_letter(c) && !is_number(c); };

  std::size_t i = 0;
  while (i < n) {
    const char32_t c = cps[i];
    // 's 't 're 've 'm 'll 'd
    if (c == '\'' && i + 1 < n) {
      const char32_t c1 = cps[i + 1];
      if (c1 == 's' || c1 == 't' || c1 == 'm' || c1 == 'd') {
        emit(i, i + 2);
        i += 2;
        continue;
      }
      if (i + 2 < n) {
        const char32_t c2 = cps[i + 2];
        if ((c1 == 'r' && c2 == 'e') || (c1 == 'v' && c2 == 'e') || (c1 == 'l' && c2 == 'l')) {
          emit(i, i + 3);
          i += 3;
          continue;
        }
      }
    }
    // ' ?\p{L}+', ' ?\p{N}+', ' ?[^\s\p{L}\p{N}]+', in this order.
    bool matched = false;
    for (int cls = 0; cls < 3 && !matched; ++cls) {
      const auto in_class = [&](char32_t x) {
        return cls == 0 ? is_letter(x) : cls == 1 ? is_number(x) : other(x);
      };
      std::size_t start;
      if (c == ' ' && i + 1 < n && in_class(cps[i + 1]))
        start = i + 1;
      else if (in_class(c))
        start = i;
      else
        continue;
      std::size_t j = start;
      while (j < n && in_class(cps[j])) ++j;
      emit(i, j);
      i = j;
      matched = true;
    }
    if (matched) continue;
    // '\s+(?!\S)' then '\s+': c is whitespace here (every other character matched above).
    std::size_t j = i;
    while (j < n && is_whitespace(cps[j])) ++j;
    if (j < n && j - i >= 2) --j;  // leave the last space to prefix the next word
    emit(i, j);
    i = j;
  }
  return out;
}

const std::array<char32_t, 256>& byte_to_unicode() {
  static const std::array<char32_t, 256> table = [] {
    std::array<char32_t, 256> t{};
    std::array<bool, 256> printable{};
    for (int b = '!'; b <= '~'; ++b) printable[static_cast<std::size_t>(b)] = true;
    for (int b = 0xA1; b <= 0xAC; ++b) printable[static_cast<std::size_t>(b)] = true;
    for (int b = 0xAE; b <= 0xFF; ++b) printable[static_cast<std::size_t>(b)] = true;
    char32_t next = 256;
    for (std::size_t b = 0; b < 256; ++b) t[b] = printable[b] ? static_cast<char32_t>(b) : next++;
    return t;
  }();
  return table;
}

std::optional<std::string> unicode_to_bytes(std::string_view s) {
  static const std::map<char32_t, unsigned char> inverse = [] {
    std::map<char32_t, unsigned char> m;
    for (std::size_t b = 0; b < 256; ++b) m[byte_to_unicode()[b]] = static_cast<unsigned char>(b);
    return m;
  }();
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    char32_t cp;
    const std::size_t len = trace::decode_utf8(s, i, cp);
    if (len == 0) return std::nullopt;
    const auto it = inverse.find(cp);
    if (it == inverse.end()) return std::nullopt;
    out += static_cast<char>(it->second);
    i += len;
  }
  return out;
}

std::string bytes_to_vocab_string(std::string_view bytes) {
  std::string out;
  for (char c : bytes) trace::append_utf8(out, byte_to_unicode()[static_cast<unsigned char>(c)]);
  return out;
}

// ---------------------------------------------------------------------------------------------

std::string Tokenizer::pair_key(std::string_view a, std::string_view b) {
  std::string k;
  const auto n = static_cast<std::uint32_t>(a.size());
  k.append(reinterpret_cast<const char*>(&n), 4);  // length prefix: byte strings may hold any byte
  k.append(a);
  k.append(b);
  return k;
}

Tokenizer::Tokenizer(const std::vector<std::string>& vocab,
                     const std::vector<std::pair<std::string, std::string>>& merges,
                     const std::string& origin, const std::string& merges_origin)
    : origin_(origin) {
  const std::string& morigin = merges_origin.empty() ? origin : merges_origin;
  id_bytes_.reserve(vocab.size());
  for (std::size_t id = 0; id < vocab.size(); ++id) {
    auto bytes = unicode_to_bytes(vocab[id]);
    if (!bytes || bytes->empty()) {
      fail(origin, "token '" + vocab[id] + "' (id " + std::to_string(id) +
                       ") is not spelled with GPT-2's byte characters (bytes_to_unicode)");
    }
    if (!ids_.emplace(*bytes, static_cast<int>(id)).second) {
      fail(origin, "token '" + vocab[id] + "' (id " + std::to_string(id) + ") appears twice");
    }
    max_token_bytes_ = std::max(max_token_bytes_, bytes->size());
    if (*bytes == kEndOfText) eot_ = static_cast<int>(id);
    id_bytes_.push_back(std::move(*bytes));
  }
  for (std::size_t r = 0; r < merges.size(); ++r) {
    const auto& [a, b] = merges[r];
    const std::string where = "merge rule " + std::to_string(r + 1) + " '" + a + " " + b + "'";
    const auto ab = unicode_to_bytes(a), bb = unicode_to_bytes(b);
    if (!ab || !bb || ab->empty() || bb->empty())
      fail(morigin, where + ": not spelled with GPT-2's byte characters");
    if (!ids_.count(*ab) || !ids_.count(*bb))
      fail(morigin, where + ": a part is not in the vocabulary");
    if (!ids_.count(*ab + *bb))
      fail(morigin, where + ": the merged token '" + a + b + "' is not in the vocabulary");
    ranks_.emplace(pair_key(*ab, *bb),
                   static_cast<int>(r));  // a repeated pair keeps its first rank
  }
}

Tokenizer Tokenizer::load(const std::string& vocab_json, const std::string& merges_txt) {
  const std::string text = read_file(vocab_json);
  boost::system::error_code ec;
  const json::value root = json::parse(text, ec);
  if (ec) fail(vocab_json, "not valid JSON (" + ec.message() + ")");
  if (!root.is_object()) fail(vocab_json, "expected a JSON object {token: id}");
  const auto& obj = root.as_object();
  std::vector<std::string> vocab(obj.size());
  std::vector<bool> seen(obj.size(), false);
  for (const auto& kv : obj) {
    const std::string token(kv.key());
    const json::value& v = kv.value();
    std::int64_t id = -1;
    if (v.is_int64())
      id = v.get_int64();
    else if (v.is_uint64() && v.get_uint64() < static_cast<std::uint64_t>(
                                                   std::numeric_limits<std::int64_t>::max())) {
      id = static_cast<std::int64_t>(v.get_uint64());
    } else {
      fail(vocab_json, "token '" + token + "' has a non-integer id");
    }
    if (id < 0 || static_cast<std::size_t>(id) >= obj.size()) {
      fail(vocab_json, "token '" + token + "' has id " + std::to_string(id) + "; ids must be 0.." +
                           std::to_string(obj.size() - 1) + " (one per entry)");
    }
    if (seen[static_cast<std::size_t>(id)])
      fail(vocab_json, "id " + std::to_string(id) + " is used twice");
    seen[static_cast<std::size_t>(id)] = true;
    vocab[static_cast<std::size_t>(id)] = token;
  }
  std::vector<std::pair<std::string, std::string>> merges;
  std::istringstream in(read_file(merges_txt));
  std::string line;
  std::size_t lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || (lineno == 1 && line.rfind("#version", 0) == 0)) continue;
    const std::size_t sp = line.find(' ');
    if (sp == std::string::npos || sp == 0 || sp + 1 == line.size() ||
        line.find(' ', sp + 1) != std::string::npos) {
      fail(merges_txt,
           "line " + std::to_string(lineno) + " '" + line + "' is not a pair 'left right'");
    }
    merges.emplace_back(line.substr(0, sp), line.substr(sp + 1));
  }
  return Tokenizer(vocab, merges, vocab_json, merges_txt);
}

void Tokenizer::bpe(std::string_view piece, std::vector<int>& out) const {
  std::vector<std::string> sym;
  sym.reserve(piece.size());
  for (char c : piece) sym.emplace_back(1, c);
  while (sym.size() > 1) {
    int best = std::numeric_limits<int>::max();
    for (std::size_t i = 0; i + 1 < sym.size(); ++i) {
      const auto it = ranks_.find(pair_key(sym[i], sym[i + 1]));
      if (it != ranks_.end()) best = std::min(best, it->second);
    }
    if (best == std::numeric_limits<int>::max()) break;
    std::vector<std::string> next;
    next.reserve(sym.size());
    for (std::size_t i = 0; i < sym.size(); ++i) {
      if (i + 1 < sym.size()) {
        const auto it = ranks_.find(pair_key(sym[i], sym[i + 1]));
        if (it != ranks_.end() && it->second == best) {
          next.push_back(sym[i] + sym[i + 1]);
          ++i;
          continue;
        }
      }
      next.push_back(std::move(sym[i]));
    }
    sym.swap(next);
  }
  for (const auto& s : sym) {
    const auto it = ids_.find(s);
    if (it == ids_.end()) {
      std::string hex;
      for (unsigned char c : s) hex += (hex.empty() ? "" : " ") + hex_byte(c);
      fail(origin_,
           "no token for the bytes " + hex + " (a byte-level GPT-2 vocabulary has all 256 bytes)");
    }
    out.push_back(it->second);
  }
}

std::vector<int> Tokenizer::encode(std::string_view text) const {
  std::vector<int> ids;
  const std::size_t bad = trace::first_invalid_utf8(text);
  if (bad != text.size()) {
    throw InputError("text is not valid UTF-8 (byte " +
                     hex_byte(static_cast<unsigned char>(text[bad])) + " at offset " +
                     std::to_string(bad) + ")");
  }
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t next = eot_ ? text.find(kEndOfText, pos) : std::string_view::npos;
    const std::string_view seg =
        text.substr(pos, next == std::string_view::npos ? std::string_view::npos : next - pos);
    for (std::string_view piece : pretokenize(seg)) bpe(piece, ids);
    if (next == std::string_view::npos) break;
    ids.push_back(*eot_);
    pos = next + kEndOfText.size();
  }
  return ids;
}

const std::string& Tokenizer::token_bytes(int id) const {
  if (id < 0 || static_cast<std::size_t>(id) >= id_bytes_.size()) {
    fail(origin_, "token id " + std::to_string(id) + " is outside the vocabulary (0.." +
                      std::to_string(id_bytes_.size() - 1) + ")");
  }
  return id_bytes_[static_cast<std::size_t>(id)];
}

std::string Tokenizer::decode(const std::vector<int>& ids) const {
  std::string out;
  for (int id : ids) out += token_bytes(id);
  return out;
}

}  // namespace gcattn::gpt2
