// GPT-2 byte-level BPE tokenizer: byte tables, pre-tokenisation, BPE merges, round trips, errors.
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <random>
#include <set>
#include <sstream>

#include "base/errors.h"
#include "gpt2/tokenizer.h"
#include "testbench/gpt2/tiny_gpt2.h"
#include "trace/utf8.h"

using gcattn::InputError;
using namespace gcattn::gpt2;

namespace {

std::vector<std::string> split(std::string_view s) {
  std::vector<std::string> out;
  for (auto p : pretokenize(s)) out.emplace_back(p);
  return out;
}

using Pieces = std::vector<std::string>;

// Random valid UTF-8: ASCII, Latin-1, Greek/Cyrillic, CJK, emoji, whitespace and digits.
std::string random_utf8(std::mt19937& rng, std::size_t n) {
  static const std::pair<char32_t, char32_t> ranges[] = {
      {0x20, 0x7E},     {0x09, 0x0D},     {0xA0, 0xFF},       {0x370, 0x3FF},
      {0x400, 0x4FF},   {0x660, 0x669},   {0x2000, 0x206F},   {0x3000, 0x30FF},
      {0x4E00, 0x4E80}, {0xAC00, 0xAC40}, {0x1F300, 0x1F64F}, {0x1, 0x10FFFF}};
  std::string s;
  for (std::size_t i = 0; i < n; ++i) {
    const auto& r = ranges[rng() % (sizeof ranges / sizeof ranges[0])];
    char32_t cp = static_cast<char32_t>(r.first + rng() % (r.second - r.first + 1));
    if (cp >= 0xD800 && cp <= 0xDFFF) cp = 'x';  // surrogates are not characters
    gcattn::trace::append_utf8(s, cp);
  }
  return s;
}

}  // namespace

TEST_CASE("byte_to_unicode is GPT-2's table", "[gpt2][tokenizer]") {
  const auto& t = byte_to_unicode();
  CHECK(t[static_cast<unsigned char>('A')] == U'A');
  CHECK(t[static_cast<unsigned char>('!')] == U'!');
  CHECK(t[0x20] == U'\u0120');  // "Ġ": the space
  CHECK(t[0x0A] == U'\u010A');  // "Ċ": newline
  CHECK(t[0x00] == U'\u0100');
  CHECK(t[0xAD] == U'\u0143');  // soft hyphen is remapped (not printable in GPT-2's sense)
  CHECK(t[0xA1] == U'\u00A1');
  std::set<char32_t> distinct(t.begin(), t.end());
  CHECK(distinct.size() == 256);
  for (int b = 0; b < 256; ++b) {
    const std::string one(1, static_cast<char>(b));
    CHECK(unicode_to_bytes(bytes_to_vocab_string(one)) == one);
  }
  CHECK_FALSE(unicode_to_bytes("\xE2\x82\xAC").has_value());  // U+20AC is not a byte character
}

TEST_CASE("pre-tokenisation follows GPT-2's regex", "[gpt2][tokenizer]") {
  CHECK(split("Hello world") == Pieces{"Hello", " world"});
  // contractions (lower case only, as in GPT-2)
  CHECK(split("I'm you're we've he'll she'd it's don't") ==
        Pieces{"I", "'m", " you", "'re", " we", "'ve", " he", "'ll", " she", "'d", " it", "'s",
               " don", "'t"});
  CHECK(split("IT'S") == Pieces{"IT", "'", "S"});
  CHECK(split("'x") == Pieces{"'", "x"});
  // numbers: separate from letters, optional leading space
  CHECK(split("abc123 4567 x9") == Pieces{"abc", "123", " 4567", " x", "9"});
  // spaces: a run keeps its last space for the next word; trailing runs stay whole
  CHECK(split("a  b") == Pieces{"a", " ", " b"});
  CHECK(split("a   b") == Pieces{"a", "  ", " b"});
  CHECK(split("end   ") == Pieces{"end", "   "});
  CHECK(split("  lead") == Pieces{" ", " lead"});
  CHECK(split("a\n\nb") == Pieces{"a", "\n", "\n", "b"});
  CHECK(split("a\n\n") == Pieces{"a", "\n\n"});
  CHECK(split("a \n b") == Pieces{"a", " \n", " b"});
  CHECK(split("\tfoo") == Pieces{"\t", "foo"});
  // punctuation runs, with an optional leading space
  CHECK(split("x!!! ?y...") == Pieces{"x", "!!!", " ?", "y", "..."});
  CHECK(split("(a+b)=c;") == Pieces{"(", "a", "+", "b", ")=", "c", ";"});
  CHECK(split("ROMEO:\nBut soft") == Pieces{"ROMEO", ":", "\n", "But", " soft"});
  // Unicode letters and numbers
  CHECK(split("h\xC3\xA9llo w\xC3\xB6rld") == Pieces{"h\xC3\xA9llo", " w\xC3\xB6rld"});
  CHECK(split("\xE6\x97\xA5\xE6\x9C\xAC 42") ==
        Pieces{"\xE6\x97\xA5\xE6\x9C\xAC", " 42"});                      // 日本 42
  CHECK(split("\xD9\xA3\xD9\xA4x") == Pieces{"\xD9\xA3\xD9\xA4", "x"});  // ٣٤ (Nd)
  CHECK(split("\xC2\xBD cup") == Pieces{"\xC2\xBD", " cup"});            // ½ (No)
  CHECK(split("a\xC2\xA0"
              "b") == Pieces{"a", "\xC2\xA0", "b"});  // NBSP is whitespace, not ' '
  CHECK(split("") == Pieces{});
  // classification spot checks
  CHECK(is_letter(U'\u00E9'));
  CHECK(is_letter(U'\u4E00'));
  CHECK_FALSE(is_letter(U'\u00D7'));  // ×
  CHECK(is_number(U'\u2163'));        // Ⅳ (Nl)
  CHECK(is_whitespace(U'\u3000'));
  CHECK_FALSE(is_whitespace(U'\u200B'));  // zero width space is Cf, not White_Space
}

TEST_CASE("pre-tokens always concatenate back to the text", "[gpt2][tokenizer]") {
  std::mt19937 rng(3);
  for (int i = 0; i < 300; ++i) {
    const std::string s = random_utf8(rng, rng() % 40);
    std::string joined;
    for (auto p : pretokenize(s)) {
      CHECK(!p.empty());
      joined += p;
    }
    REQUIRE(joined == s);
  }
}

TEST_CASE("pre-tokenisation agrees with Python's re on ASCII text", "[gpt2][tokenizer][python]") {
  // Independent check: Python's re with \p{L} -> [^\W\d_] and \p{N} -> \d, exact for ASCII
  // without '_' (an underscore is punctuation for GPT-2 but a word character for re).
  if (std::system("/usr/bin/python3 -c 'import re' >/dev/null 2>&1") != 0) {
    WARN("no /usr/bin/python3: skipped");
    return;
  }
  std::mt19937 rng(11);
  const std::string alphabet = "aZ'  \n\t07.,!?-sdtmlrev";
  const auto dir = gcattn::testing::temp_dir("pretok");
  std::vector<std::string> texts;
  for (int i = 0; i < 200; ++i) {
    std::string s;
    const std::size_t n = rng() % 24;
    for (std::size_t k = 0; k < n; ++k) s += alphabet[rng() % alphabet.size()];
    texts.push_back(s);
  }
  {
    boost::json::array a;
    for (const auto& s : texts) a.emplace_back(s);
    std::ofstream(dir / "in.json") << boost::json::serialize(a);
  }
  const std::string script =
      "import json,re,sys\n"
      "pat=re.compile(r\"\"\"'s|'t|'re|'ve|'m|'ll|'d| ?[^\\W\\d_]+| ?\\d+| "
      "?[^\\s\\w]+|\\s+(?!\\S)|\\s+\"\"\")\n"
      "t=json.load(open(sys.argv[1]))\n"
      "json.dump([pat.findall(s) for s in t],open(sys.argv[2],'w'))\n";
  std::ofstream(dir / "pretok.py") << script;
  const std::string cmd = "/usr/bin/python3 " + (dir / "pretok.py").string() + " " +
                          (dir / "in.json").string() + " " + (dir / "out.json").string();
  REQUIRE(std::system(cmd.c_str()) == 0);
  std::ifstream in(dir / "out.json");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto out = boost::json::parse(text).as_array();
  REQUIRE(out.size() == texts.size());
  for (std::size_t i = 0; i < texts.size(); ++i) {
    Pieces want;
    for (const auto& p : out[i].as_array()) want.emplace_back(p.as_string());
    INFO("text: " << boost::json::serialize(boost::json::value(texts[i])));
    CHECK(split(texts[i]) == want);
  }
}

TEST_CASE("BPE applies merges by rank on a hand-made vocabulary", "[gpt2][tokenizer]") {
  std::vector<std::string> vocab;
  for (int b = 0; b < 256; ++b)
    vocab.push_back(bytes_to_vocab_string(std::string(1, static_cast<char>(b))));
  vocab.insert(vocab.end(), {"bc", "ab", "abc", "aa", "Ġa"});
  const int bc = 256, ab = 257, abc = 258, aa = 259, sp_a = 260;
  // Priority: "b c" first, then "a b", then "a bc", "a a", "Ġ a".
  const Tokenizer tok(vocab, {{"b", "c"}, {"a", "b"}, {"a", "bc"}, {"a", "a"}, {"Ġ", "a"}});
  CHECK(tok.encode("abc") == std::vector<int>{abc});  // b+c before a+b, then a+bc
  CHECK(tok.encode("ab") == std::vector<int>{ab});
  CHECK(tok.encode("abab") == std::vector<int>{ab, ab});
  CHECK(tok.encode("cab") == std::vector<int>{'c', ab});
  CHECK(tok.encode("bcab") == std::vector<int>{bc, ab});
  CHECK(tok.encode("aaa") == std::vector<int>{aa, 'a'});  // non-overlapping, left to right
  CHECK(tok.encode("aaaa") == std::vector<int>{aa, aa});
  CHECK(tok.encode("x a") == std::vector<int>{'x', sp_a});        // " a" is one pre-token
  CHECK(tok.encode("x abc") == std::vector<int>{'x', ' ', abc});  // "Ġ a" ranks after "a bc"
  CHECK(tok.decode({'x', ' ', abc}) == "x abc");
  CHECK_FALSE(tok.end_of_text().has_value());
  CHECK(tok.encode("<|endoftext|>").size() == 13);  // no special token in this vocabulary
}

TEST_CASE("the end-of-text token is split off before pre-tokenisation", "[gpt2][tokenizer]") {
  const Tokenizer tok(gcattn::testing::tiny_vocab(), gcattn::testing::tiny_merges());
  REQUIRE(tok.end_of_text() == 259);
  CHECK(tok.encode("x<|endoftext|> the") == std::vector<int>{'x', 259, 258});
  CHECK(tok.encode("<|endoftext|><|endoftext|>") == std::vector<int>{259, 259});
  CHECK(tok.encode(" the then") == std::vector<int>{258, 258, 'n'});
  CHECK(tok.decode({259}) == "<|endoftext|>");
}

TEST_CASE("byte-level round trip on arbitrary UTF-8", "[gpt2][tokenizer]") {
  const Tokenizer tok(gcattn::testing::tiny_vocab(), gcattn::testing::tiny_merges());
  std::mt19937 rng(5);
  for (int i = 0; i < 500; ++i) {
    const std::string s = random_utf8(rng, rng() % 64);
    const auto ids = tok.encode(s);
    REQUIRE(tok.decode(ids) == s);
  }
  const std::string fixed =
      "The \xF0\x9F\x98\x80 caf\xC3\xA9 \xE2\x82\xAC"
      "42\r\n\t the end ";
  CHECK(tok.decode(tok.encode(fixed)) == fixed);
}

TEST_CASE("tokenizer errors name the file and entry", "[gpt2][tokenizer]") {
  const auto dir = gcattn::testing::temp_dir("tok-errors");
  const auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream(dir / name, std::ios::binary) << text;
    return (dir / name).string();
  };
  const std::string vocab = write("vocab.json", R"({"a": 0, "b": 1, "ab": 2})");
  CHECK_THROWS_WITH(Tokenizer::load(vocab, write("m1.txt", "#version: 0.2\na b c\n")),
                    Catch::Contains("m1.txt") && Catch::Contains("line 2"));
  CHECK_THROWS_WITH(Tokenizer::load(vocab, write("m2.txt", "#version: 0.2\nb a\n")),
                    Catch::Contains("m2.txt") && Catch::Contains("'ba' is not in the vocabulary"));
  CHECK_THROWS_WITH(Tokenizer::load(write("v2.json", R"({"a": 0, "b": 0})"), write("m3.txt", "")),
                    Catch::Contains("v2.json") && Catch::Contains("id 0 is used twice"));
  CHECK_THROWS_WITH(Tokenizer::load(write("v3.json", R"({"a": 0, "b": 5})"), write("m4.txt", "")),
                    Catch::Contains("v3.json") && Catch::Contains("'b' has id 5"));
  CHECK_THROWS_WITH(
      Tokenizer::load(write("v4.json", "{\"a\": 0, \"\xE2\x82\xAC\": 1}"), write("m5.txt", "")),
      Catch::Contains("v4.json") && Catch::Contains("byte characters"));
  CHECK_THROWS_WITH(Tokenizer::load(write("v5.json", "{not json"), write("m6.txt", "")),
                    Catch::Contains("v5.json") && Catch::Contains("not valid JSON"));
  CHECK_THROWS_AS(Tokenizer::load((dir / "missing.json").string(), write("m7.txt", "")),
                  InputError);
  const Tokenizer tok = Tokenizer::load(vocab, write("m8.txt", "#version: 0.2\na b\n"));
  CHECK(tok.encode("ab") == std::vector<int>{2});
  CHECK_THROWS_WITH(tok.encode("c"), Catch::Contains("no token for the bytes 0x63"));
  CHECK_THROWS_WITH(tok.encode("a\xFF"),
                    Catch::Contains("not valid UTF-8") && Catch::Contains("offset 1"));
  CHECK_THROWS_WITH(tok.decode({7}), Catch::Contains("token id 7 is outside the vocabulary"));
}
