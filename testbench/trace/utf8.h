#pragma once
// UTF-8 helpers shared by the trace metadata (JSON strings must be valid UTF-8) and the GPT-2
// tokenizer (which works on code points). Strict decoding: no overlong forms, no surrogates, no
// code points above U+10FFFF.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace gcattn::trace {

/// Decodes the code point starting at s[i]; returns its length in bytes (1-4), or 0 when the
/// bytes at i are not valid UTF-8.
inline std::size_t decode_utf8(std::string_view s, std::size_t i, char32_t& cp) {
  const auto c = static_cast<unsigned char>(s[i]);
  std::size_t n = 0;
  std::uint32_t v = 0;
  if (c < 0x80) {
    cp = c;
    return 1;
  }
  if (c >= 0xC2 && c <= 0xDF) {
    n = 1;
    v = c & 0x1Fu;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 2;
    v = c & 0x0Fu;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 3;
    v = c & 0x07u;
  } else
    return 0;
  if (i + n >= s.size()) return 0;
  for (std::size_t k = 1; k <= n; ++k) {
    const auto d = static_cast<unsigned char>(s[i + k]);
    if ((d & 0xC0) != 0x80) return 0;
    v = (v << 6) | (d & 0x3Fu);
  }
  if ((n == 2 && v < 0x800) || (n == 3 && v < 0x10000) || v > 0x10FFFF ||
      (v >= 0xD800 && v <= 0xDFFF)) {
    return 0;
  }
  cp = static_cast<char32_t>(v);
  return n + 1;
}

inline void append_utf8(std::string& out, char32_t cp) {
  const auto c = static_cast<std::uint32_t>(cp);
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

/// Byte offset of the first invalid UTF-8 sequence, or s.size() when s is valid.
inline std::size_t first_invalid_utf8(std::string_view s) {
  std::size_t i = 0;
  char32_t cp;
  while (i < s.size()) {
    const std::size_t n = decode_utf8(s, i, cp);
    if (n == 0) return i;
    i += n;
  }
  return s.size();
}

inline bool valid_utf8(std::string_view s) {
  return first_invalid_utf8(s) == s.size();
}

/// s with every invalid byte replaced by U+FFFD (as Python's bytes.decode(errors="replace")
/// does for bytes a token boundary cut in the middle of a character).
inline std::string sanitize_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  char32_t cp;
  while (i < s.size()) {
    const std::size_t n = decode_utf8(s, i, cp);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  return out;
}

}  // namespace gcattn::trace
