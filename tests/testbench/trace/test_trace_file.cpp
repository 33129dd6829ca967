// KV-cache trace files: writer/reader round trip, accessors, metadata, every corruption the
// reader must reject, and synthetic traces.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>

#include "base/errors.h"
#include "gpt2/checkpoint.h"
#include "support/partial_files.h"
#include "testbench/gpt2/tiny_gpt2.h"
#include "trace/half.h"
#include "trace/synth.h"
#include "trace/trace_file.h"

using namespace gcattn::trace;
using gcattn::InputError;
namespace fs = std::filesystem;

namespace {

constexpr int kL = 2, kH = 3, kD = 4;
constexpr std::size_t kT = 5, kRow = kL * kH * kD;

float value(int field, std::size_t t, std::size_t i) {
  return static_cast<float>(field * 1000 + static_cast<int>(t) * 10) +
         0.25f * static_cast<float>(i) - 3.0f;
}

TraceMeta small_meta() {
  TraceMeta m;
  m.model = "unit";
  m.source = "gpt2";
  m.tokens = kT;
  m.layers = kL;
  m.heads = kH;
  m.d_head = kD;
  m.context_length = 16;
  m.prompt_length = 2;
  m.vocab_size = 100;
  m.prompt = "Hi";
  m.tool = "test";
  m.tool_args = {"--x", "a b", "\xC3\xA9"};
  return m;
}

void write_small(const std::string& path, DType dtype, bool attn, std::size_t reserve = 0) {
  TraceWriter w(path, small_meta(), dtype, attn, reserve);
  std::vector<float> f[4];
  for (std::size_t t = kT; t-- > 0;) {  // any order
    for (int k = 0; k < 4; ++k) {
      f[k].resize(kRow);
      for (std::size_t i = 0; i < kRow; ++i) f[k][i] = value(k, t, i);
    }
    w.write_token(t, static_cast<std::int32_t>(10 + t), f[0].data(), f[1].data(), f[2].data(),
                  attn ? f[3].data() : nullptr);
  }
  TraceMeta m = small_meta();
  m.text = "Hi there,\n\"friend\" \xE2\x9C\x93";
  m.extra["decoding"] = "greedy";
  w.finish(m);
}

OwnedTensor& tensor(std::vector<OwnedTensor>& ts, const std::string& name) {
  for (auto& t : ts)
    if (t.spec.name == name) return t;
  throw std::runtime_error("no tensor " + name);
}

std::string open_error(const std::string& path) {
  try {
    TraceReader r(path);
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("trace round trip (F32 and F16), accessors and metadata", "[trace]") {
  const auto dir = gcattn::testing::temp_dir("trace-rt");
  for (DType dt : {DType::F32, DType::F16}) {
    const std::string p = (dir / (std::string(dtype_name(dt)) + ".safetensors")).string();
    write_small(p, dt, true);
    const TraceReader r(p);
    const TraceMeta& m = r.meta();
    CHECK(m.model == "unit");
    CHECK(m.tokens == kT);
    CHECK(m.layers == kL);
    CHECK(m.heads == kH);
    CHECK(m.d_head == kD);
    CHECK(m.prompt_length == 2);
    CHECK(m.context_length == 16);
    CHECK(m.text == "Hi there,\n\"friend\" \xE2\x9C\x93");
    CHECK(m.tool_args == std::vector<std::string>{"--x", "a b", "\xC3\xA9"});
    CHECK(m.extra.at("decoding") == "greedy");
    CHECK_FALSE(m.synthetic);
    CHECK(r.file().metadata().at("format") == "gcattn-kv-trace");
    CHECK(r.file().metadata().at("format_version") == "1");
    CHECK(r.dtype(Field::K) == dt);
    CHECK(r.has_attn_out());
    CHECK(r.token_ids() == std::vector<std::int32_t>{10, 11, 12, 13, 14});
    std::vector<float> row(kRow), streamed(kRow);
    for (std::size_t t = 0; t < kT; ++t) {
      for (int k = 0; k < 4; ++k) {
        r.read_token(static_cast<Field>(k), t, row.data());
        r.stream_token(static_cast<Field>(k), t, true, streamed.data());  // via pread
        for (std::size_t i = 0; i < kRow; ++i) {
          const float want =
              dt == DType::F16 ? half_to_float(float_to_half(value(k, t, i))) : value(k, t, i);
          REQUIRE(row[i] == want);
          REQUIRE(streamed[i] == want);
        }
      }
      for (int l = 0; l < kL; ++l) {
        for (int h = 0; h < kH; ++h) {
          const float* v = r.v(t, l, h);
          const std::size_t base = static_cast<std::size_t>((l * kH + h) * kD);
          for (int d = 0; d < kD; ++d) {
            const float want = value(2, t, base + static_cast<std::size_t>(d));
            REQUIRE(v[d] == (dt == DType::F16 ? half_to_float(float_to_half(want)) : want));
          }
        }
      }
    }
    CHECK_THROWS_AS(r.q(kT, 0, 0), std::out_of_range);
    CHECK_THROWS_AS(r.q(0, kL, 0), std::out_of_range);
  }
  // No attn_out; header rewritten when the final metadata outgrows the reserve.
  const std::string p = (dir / "noattn.safetensors").string();
  write_small(p, DType::F32, false, 0);
  const TraceReader r(p);
  CHECK_FALSE(r.has_attn_out());
  CHECK(*r.q(3, 1, 2) == value(0, 3, (1 * kH + 2) * kD));
  CHECK_THROWS_AS(r.attn_out(0, 0, 0), std::logic_error);
}

TEST_CASE("trace writer refuses non-finite values and double writes", "[trace]") {
  const auto dir = gcattn::testing::temp_dir("trace-writer");
  const std::string p = (dir / "w.safetensors").string();
  {
    TraceWriter w(p, small_meta(), DType::F32, false);
    std::vector<float> a(kRow, 1.0f), bad(kRow, 1.0f);
    bad[7] = std::numeric_limits<float>::quiet_NaN();
    CHECK_THROWS_WITH(
        w.write_token(0, 1, a.data(), bad.data(), a.data()),
        Catch::Contains("non-finite k") && Catch::Contains("[token 0, layer 0, head 1, dim 3]"));
    TraceWriter w2(p + "2", small_meta(), DType::F16, false);
    std::vector<float> big(kRow, 1.0f);
    big[0] = 1e6f;
    CHECK_THROWS_WITH(w2.write_token(1, 1, big.data(), a.data(), a.data()),
                      Catch::Contains("overflows F16"));
    CHECK_THROWS_AS(w.finish(small_meta()), std::logic_error);  // tokens missing
  }
  CHECK_FALSE(fs::exists(p));
  CHECK(gcattn::test::partial_files(fs::path(p).parent_path()) == 0);
}

TEST_CASE("trace reader rejects every corruption, naming file, tensor and index",
          "[trace][errors]") {
  const auto dir = gcattn::testing::temp_dir("trace-corrupt");
  const std::string good = (dir / "good.safetensors").string();
  write_small(good, DType::F32, true);
  const std::string bad = (dir / "bad.safetensors").string();
  const auto variant = [&](auto edit) {
    Metadata meta;
    auto ts = gcattn::testing::load_tensors(good, &meta);
    edit(ts, meta);
    write_safetensors(bad, ts, meta);
    return open_error(bad);
  };
  const auto set_f32 = [](OwnedTensor& t, std::size_t i, float x) {
    std::memcpy(t.bytes.data() + 4 * i, &x, 4);
  };

  CHECK(open_error(good) == "no error");
  // A reader that opens without the scan finds the value when it streams the token, with the
  // same message (and only when asked to check).
  const auto stream_error = [&](std::size_t token) -> std::string {
    const TraceReader r(bad, TraceReader::Options{false});
    std::vector<float> row(r.meta().row());
    CHECK_NOTHROW(r.stream_token(Field::Q, token, false, row.data()));
    try {
      r.stream_token(Field::Q, token, true, row.data());
    } catch (const InputError& e) {
      return e.what();
    }
    return "no error";
  };
  // NaN / Inf with the tensor and the [token, layer, head, dim] index
  CHECK_THAT(
      variant([&](auto& ts, auto&) { set_f32(tensor(ts, "q"), 2 * kRow + 15, std::nanf("")); }),
      Catch::Contains("bad.safetensors") && Catch::Contains("tensor 'q' holds NaN") &&
          Catch::Contains("[token 2, layer 1, head 0, dim 3]"));
  CHECK(stream_error(1) == "no error");
  CHECK(stream_error(2) == open_error(bad));
  CHECK_THAT(
      variant([&](auto& ts, auto&) { set_f32(tensor(ts, "attn_out"), kRow * kT - 1, -INFINITY); }),
      Catch::Contains("tensor 'attn_out' holds Inf") &&
          Catch::Contains("[token 4, layer 1, head 2, dim 3]"));
  // dtypes
  CHECK_THAT(variant([&](auto& ts, auto&) {
               auto& k = tensor(ts, "k");
               k = OwnedTensor::from_floats("k", k.spec.shape, std::vector<float>(kT * kRow, 1.0f),
                                            DType::F64);
             }),
             Catch::Contains("tensor 'k' has dtype F64") && Catch::Contains("F32 or F16"));
  CHECK_THAT(variant([&](auto& ts, auto&) {
               auto& t = tensor(ts, "tokens");
               t = OwnedTensor::from_floats("tokens", {kT}, std::vector<float>(kT, 1.0f));
             }),
             Catch::Contains("tensor 'tokens' has dtype F32"));
  // shapes against the metadata
  CHECK_THAT(variant([&](auto&, auto& m) { m["layers"] = "3"; }),
             Catch::Contains("tensor 'q' has shape [5, 2, 3, 4]") &&
                 Catch::Contains("[tokens, layers, heads, d_head] = [5, 3, 3, 4]"));
  CHECK_THAT(variant([&](auto& ts, auto&) {
               tensor(ts, "v").spec.shape = {5, 2, 4, 3};
             }),
             Catch::Contains("tensor 'v' has shape [5, 2, 4, 3]"));
  CHECK_THAT(variant([&](auto& ts, auto&) {
               auto& t = tensor(ts, "tokens");
               t = OwnedTensor::from_i32("tokens", {4}, {1, 2, 3, 4});
             }),
             Catch::Contains("tensor 'tokens' has shape [4]"));
  // missing / unexpected tensors
  CHECK_THAT(variant([&](auto& ts, auto&) {
               ts.erase(
                   std::remove_if(ts.begin(), ts.end(), [](auto& t) { return t.spec.name == "v"; }),
                   ts.end());
             }),
             Catch::Contains("missing tensor 'v'"));
  CHECK_THAT(variant([&](auto& ts, auto&) {
               ts.push_back(OwnedTensor::from_floats("extra", {1}, {1.0f}));
             }),
             Catch::Contains("unexpected tensor 'extra'"));
  // token ids
  CHECK_THAT(
      variant([&](auto& ts, auto&) {
        const std::int32_t id = 100;
        std::memcpy(tensor(ts, "tokens").bytes.data() + 4 * 3, &id, 4);
      }),
      Catch::Contains("tensor 'tokens' index [3] = 100") && Catch::Contains("vocab_size 100"));
  // metadata
  CHECK_THAT(variant([&](auto&, auto& m) { m.erase("format"); }),
             Catch::Contains("not a gcattn KV trace"));
  CHECK_THAT(variant([&](auto&, auto& m) { m["format_version"] = "2"; }),
             Catch::Contains("format_version '2' is not supported"));
  CHECK_THAT(variant([&](auto&, auto& m) { m["heads"] = "3x"; }),
             Catch::Contains("'heads' = '3x' is not a non-negative integer"));
  CHECK_THAT(variant([&](auto&, auto& m) { m["prompt_length"] = "9"; }),
             Catch::Contains("'prompt_length' = 9 exceeds"));
  CHECK_THAT(variant([&](auto&, auto& m) { m.erase("d_head"); }),
             Catch::Contains("no 'd_head' entry"));
  CHECK_THAT(variant([&](auto&, auto& m) { m["tool_args"] = "--x"; }),
             Catch::Contains("'tool_args' is not a JSON array"));
  // truncation, header damage (safetensors level, through the trace reader)
  std::ifstream in(good, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::ofstream(bad, std::ios::binary) << bytes.substr(0, bytes.size() - 6);
  CHECK_THAT(open_error(bad),
             Catch::Contains("truncated: tensor 'tokens'") && Catch::Contains("element 3 of 5"));
  std::ofstream(bad, std::ios::binary) << bytes.substr(0, bytes.size() - 4 * kT - 4 * kRow);
  CHECK_THAT(open_error(bad), Catch::Contains("truncated: tensor 'attn_out'") &&
                                  Catch::Contains("element 96 of 120"));
  std::string broken = bytes;
  broken[9] = '#';
  std::ofstream(bad, std::ios::binary) << broken;
  CHECK_THAT(open_error(bad), Catch::Contains("not valid JSON"));
  // the NaN scan can be skipped (cheap open), the structure checks cannot
  variant([&](auto& ts, auto&) { set_f32(tensor(ts, "q"), 0, std::nanf("")); });
  TraceReader::Options no_scan;
  no_scan.check_finite = false;
  CHECK_NOTHROW(TraceReader(bad, no_scan));
}

TEST_CASE("synthetic traces: deterministic, prefix-stable, GPT-2 shapes, both distributions",
          "[trace][synth]") {
  const auto dir = gcattn::testing::temp_dir("synth");
  SynthOptions o;
  o.layers = 3;
  o.heads = 2;
  o.d_head = 8;
  o.tokens = 40;
  o.seed = 5;
  o.tool = "test";
  const auto path = [&](const std::string& n) { return (dir / n).string(); };
  write_synthetic_trace(path("a"), o);
  write_synthetic_trace(path("b"), o);
  const auto bytes = [](const std::string& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  };
  CHECK(bytes(path("a")) == bytes(path("b")));
  o.seed = 6;
  write_synthetic_trace(path("c"), o);
  CHECK(bytes(path("a")) != bytes(path("c")));
  o.seed = 5;
  o.tokens = 10;
  write_synthetic_trace(path("short"), o);
  const TraceReader a(path("a")), s(path("short"));
  CHECK(a.meta().synthetic);
  CHECK(a.meta().source == "synthetic");
  CHECK(a.meta().extra.at("distribution") == "normal");
  std::vector<float> ra(a.meta().row()), rs(a.meta().row());
  for (std::size_t t = 0; t < 10; ++t) {
    for (Field f : {Field::Q, Field::K, Field::V}) {
      a.read_token(f, t, ra.data());
      s.read_token(f, t, rs.data());
      REQUIRE(ra == rs);
    }
  }
  // normal: the scale grows with depth (last layer about twice the first)
  double sq[3] = {0, 0, 0};
  for (std::size_t t = 0; t < 40; ++t) {
    a.read_token(Field::V, t, ra.data());
    for (std::size_t i = 0; i < ra.size(); ++i) sq[i / 16] += ra[i] * ra[i];
  }
  CHECK(sq[2] > 2.0 * sq[0]);
  // uniform within [-scale, scale], with attn_out equal to a direct softmax attention
  o.distribution = "uniform";
  o.scale = 0.5;
  o.tokens = 12;
  o.attn_out = true;
  o.context_length = 5;
  o.dtype = DType::F32;
  write_synthetic_trace(path("u"), o);
  const TraceReader u(path("u"));
  REQUIRE(u.has_attn_out());
  float lo = 1, hi = -1;
  for (std::size_t t = 0; t < 12; ++t) {
    u.read_token(Field::K, t, ra.data());
    for (float x : ra) {
      lo = std::min(lo, x);
      hi = std::max(hi, x);
    }
  }
  CHECK(lo >= -0.5f);
  CHECK(hi <= 0.5f);
  CHECK(hi - lo > 0.9f);
  const std::size_t t = 9;
  const int l = 2, h = 1;
  double w[5], sum = 0;
  for (std::size_t j = 0; j < 5; ++j) {  // window: tokens 5..9
    double d = 0;
    for (int e = 0; e < 8; ++e) d += static_cast<double>(u.q(t, l, h)[e]) * u.k(t - 4 + j, l, h)[e];
    sum += (w[j] = std::exp(d / std::sqrt(8.0)));
  }
  for (int e = 0; e < 8; ++e) {
    double want = 0;
    for (std::size_t j = 0; j < 5; ++j) want += w[j] / sum * u.v(t - 4 + j, l, h)[e];
    CHECK(u.attn_out(t, l, h)[e] == Approx(want).margin(1e-5));
  }
  // GPT-2 XL shape, F16
  SynthOptions xl;
  const auto c = gcattn::gpt2::published_config("gpt2-xl");
  xl.layers = c.n_layer;
  xl.heads = c.n_head;
  xl.d_head = c.d_head();
  xl.tokens = 3;
  xl.dtype = DType::F16;
  write_synthetic_trace(path("xl"), xl);
  const TraceReader x(path("xl"));
  CHECK(x.meta().layers == 48);
  CHECK(x.meta().heads == 25);
  CHECK(x.meta().d_head == 64);
  CHECK(x.dtype(Field::Q) == DType::F16);
  CHECK_THROWS_AS(write_synthetic_trace(path("bad"), SynthOptions{}), std::invalid_argument);
}
