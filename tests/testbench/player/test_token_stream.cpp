// TokenStream: the player's tokens read ahead on a thread equal those read in line, token by
// token across block boundaries, and a NaN surfaces when its token is due with the same message.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "base/errors.h"
#include "player/token_stream.h"
#include "testbench/gpt2/tiny_gpt2.h"
#include "trace/synth.h"
#include "trace/trace_file.h"

using namespace gcattn;
using player::TokenStream;

namespace {

// A GPT-2-small-shaped trace: about 18 tokens per read-ahead block, so 45 tokens span three.
std::string synth(const std::string& path, std::size_t tokens) {
  trace::SynthOptions o;
  o.layers = 12;
  o.heads = 12;
  o.d_head = 64;
  o.tokens = tokens;
  o.seed = 9;
  o.attn_out = true;
  o.context_length = 16;
  o.tool = "test";
  trace::write_synthetic_trace(path, o);
  return path;
}

// The message of the InputError next() throws for token `due`, or "" if all tokens read.
std::string replay(const trace::TraceReader& tr, std::size_t tokens, bool read_ahead,
                   std::vector<std::vector<float>>* values, std::size_t* due) {
  TokenStream s(tr, tokens, true, 0, read_ahead);
  if (read_ahead) CHECK(s.block() > 1);
  const std::size_t row = tr.meta().row();
  for (std::size_t t = 0; t < tokens; ++t) {
    try {
      const TokenStream::Token tok = s.next();
      if (values) {
        for (const float* f : {tok.q, tok.k, tok.v, tok.attn_out}) {
          values->emplace_back(f, f + row);
        }
      }
    } catch (const InputError& e) {
      *due = t;
      return e.what();
    }
  }
  return "";
}

}  // namespace

TEST_CASE("token stream: read-ahead equals reading in line, NaN raised when due",
          "[player][trace][threads]") {
  const auto dir = testing::temp_dir("token-stream");
  const std::string good = synth((dir / "good.safetensors").string(), 45);
  {
    const trace::TraceReader tr(good);
    std::vector<std::vector<float>> inline_values, ahead_values;
    std::size_t due = 0;
    CHECK(replay(tr, 45, false, &inline_values, &due).empty());
    CHECK(replay(tr, 45, true, &ahead_values, &due).empty());
    REQUIRE(inline_values.size() == 45 * 4);
    const bool same = ahead_values == inline_values;  // (not expanded: 180 rows of 9,216 floats)
    CHECK(same);
    // Against the reader's own copy of each field.
    std::vector<float> row(tr.meta().row());
    for (std::size_t t : {0, 17, 18, 44}) {
      for (int f = 0; f < 4; ++f) {
        tr.read_token(static_cast<trace::Field>(f), t, row.data());
        const bool equal = inline_values[t * 4 + static_cast<std::size_t>(f)] == row;
        CHECK(equal);
      }
    }
    // A stream dropped early (a stop request) joins its reader.
    TokenStream s(tr, 45, false, 0, true);
    s.next();
  }
  // A NaN in k of token 37: both modes raise check_finite's message at token 37, not before.
  std::vector<trace::OwnedTensor> ts;
  trace::Metadata meta;
  ts = testing::load_tensors(good, &meta);
  const trace::TraceReader probe(good);
  const std::size_t row = probe.meta().row();
  for (auto& t : ts) {
    if (t.spec.name != "k") continue;
    const float nan = std::numeric_limits<float>::quiet_NaN();
    std::memcpy(t.bytes.data() + 4 * (37 * row + 5), &nan, 4);
  }
  const std::string bad = (dir / "bad.safetensors").string();
  trace::write_safetensors(bad, ts, meta);
  const trace::TraceReader tr(bad, trace::TraceReader::Options{false});
  std::size_t due_inline = 0, due_ahead = 0;
  const std::string e_inline = replay(tr, 45, false, nullptr, &due_inline);
  const std::string e_ahead = replay(tr, 45, true, nullptr, &due_ahead);
  CHECK(due_inline == 37);
  CHECK(due_ahead == 37);
  CHECK_THAT(e_inline, Catch::Contains("NaN") && Catch::Contains("token 37"));
  CHECK(e_ahead == e_inline);
}
