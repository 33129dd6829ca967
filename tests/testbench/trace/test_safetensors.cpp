// safetensors reader/writer and the F16/BF16 conversions.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <random>

#include "base/errors.h"
#include "support/partial_files.h"
#include "testbench/gpt2/tiny_gpt2.h"
#include "trace/half.h"
#include "trace/safetensors.h"

using namespace gcattn::trace;
using gcattn::InputError;
namespace fs = std::filesystem;

namespace {

// Exact value of a finite binary16 bit pattern, computed independently in double.
double half_value(std::uint16_t h) {
  const int s = h >> 15, e = (h >> 10) & 0x1F, m = h & 0x3FF;
  const double mag = e == 0 ? std::ldexp(m, -24) : std::ldexp(1024 + m, e - 25);
  return s ? -mag : mag;
}

std::string read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void write_bytes(const fs::path& p, const std::string& b) {
  std::ofstream(p, std::ios::binary) << b;
}

// A file from a raw header and data section.
void write_raw(const fs::path& p, const std::string& header, const std::string& data,
               std::uint64_t len_override = 0) {
  std::string out(8, '\0');
  const std::uint64_t n = len_override ? len_override : header.size();
  for (int i = 0; i < 8; ++i)
    out[static_cast<std::size_t>(i)] = static_cast<char>((n >> (8 * i)) & 0xFF);
  write_bytes(p, out + header + data);
}

std::string open_error(const fs::path& p) {
  try {
    SafetensorsFile f(p.string());
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("f16 <-> f32 conversions are exact", "[trace][safetensors]") {
  CHECK(float_to_half(1.0f) == 0x3C00);
  CHECK(float_to_half(-2.0f) == 0xC000);
  CHECK(float_to_half(65504.0f) == 0x7BFF);
  CHECK(float_to_half(65519.0f) == 0x7BFF);
  CHECK(float_to_half(65520.0f) == 0x7C00);  // halfway to the next binade: rounds to inf
  CHECK(float_to_half(std::ldexp(1.0f, -24)) == 0x0001);
  CHECK(float_to_half(std::ldexp(1.0f, -25)) == 0x0000);  // tie -> even (0)
  CHECK(float_to_half(std::ldexp(1.5f, -25)) == 0x0001);
  CHECK(float_to_half(std::ldexp(3.0f, -25)) == 0x0002);  // tie 1.5 ulp -> even
  CHECK(float_to_half(std::ldexp(1.0f, -14)) == 0x0400);
  CHECK(float_to_half(1.0f + std::ldexp(1.0f, -11)) == 0x3C00);      // tie -> even
  CHECK(float_to_half(1.0f + 3 * std::ldexp(1.0f, -11)) == 0x3C02);  // tie -> even (up)
  CHECK(float_to_half(-0.0f) == 0x8000);
  CHECK(float_to_half(std::numeric_limits<float>::infinity()) == 0x7C00);
  CHECK(std::isnan(half_to_float(float_to_half(std::numeric_limits<float>::quiet_NaN()))));
  // Every half decodes to its exact value and encodes back to itself.
  for (std::uint32_t h = 0; h < 0x10000; ++h) {
    const auto b = static_cast<std::uint16_t>(h);
    const float f = half_to_float(b);
    if (((h >> 10) & 0x1F) == 0x1F) {
      CHECK(((h & 0x3FF) ? std::isnan(f) : std::isinf(f)));
      continue;
    }
    REQUIRE(static_cast<double>(f) == half_value(b));
    REQUIRE(float_to_half(f) == b);
  }
  // Random floats round to the nearest half (ties to even).
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> e(-26.0f, 16.0f);
  for (int i = 0; i < 200000; ++i) {
    const float x = std::ldexp(1.0f + (rng() & 0xFFFFFF) / 16777216.0f, static_cast<int>(e(rng))) *
                    ((rng() & 1) ? -1.0f : 1.0f);
    const std::uint16_t h = float_to_half(x);
    if ((h & 0x7C00) == 0x7C00) {
      REQUIRE(std::fabs(x) >= 65520.0f);
      continue;
    }
    const double err = std::fabs(half_value(h) - x);
    const std::uint16_t up = static_cast<std::uint16_t>(h + 1),
                        down = static_cast<std::uint16_t>(h - 1);
    if ((up & 0x7C00) != 0x7C00) REQUIRE(err <= std::fabs(half_value(up) - x));
    if ((h & 0x7FFF) != 0) REQUIRE(err <= std::fabs(half_value(down) - x));
  }
  CHECK(bf16_to_float(float_to_bf16(1.0f)) == 1.0f);
  CHECK(float_to_bf16(1.0f + std::ldexp(1.0f, -8)) == 0x3F80);  // tie -> even
  CHECK(float_to_bf16(1.0f + 3 * std::ldexp(1.0f, -8)) == 0x3F82);
}

TEST_CASE("safetensors write/read round trip", "[trace][safetensors]") {
  const auto dir = gcattn::testing::temp_dir("st-roundtrip");
  const auto p = (dir / "a.safetensors").string();
  const std::vector<float> vals = {1.5f, -2.25f, 0.1f, 65504.0f, std::ldexp(1.0f, -24), 0.0f};
  write_safetensors(
      p,
      {OwnedTensor::from_floats("f32", {2, 3}, vals),
       OwnedTensor::from_floats("f16", {3, 2}, vals, DType::F16),
       OwnedTensor::from_floats("bf16", {6}, vals, DType::BF16),
       OwnedTensor::from_floats("f64", {6}, vals, DType::F64),
       OwnedTensor::from_i32("ids", {3}, {1, -2, 3}), OwnedTensor::from_floats("empty", {0, 4}, {}),
       OwnedTensor::from_floats("scalar", {}, {7.0f})},
      {{"format", "pt"}, {"note", "caf\xC3\xA9 \"quoted\"\n"}});
  CHECK(gcattn::test::partial_files(dir) == 0);
  const SafetensorsFile f(p);
  CHECK(f.header_bytes() % 8 == 0);
  CHECK(f.metadata().at("note") == "caf\xC3\xA9 \"quoted\"\n");
  CHECK(f.tensors().size() == 7);
  CHECK(f.at("f32").shape == std::vector<std::size_t>{2, 3});
  CHECK(f.to_f32(f.at("f32")) == vals);
  CHECK(f.to_f32(f.at("f16"))[1] == -2.25f);
  CHECK(f.to_f32(f.at("f16"))[2] == half_to_float(float_to_half(0.1f)));
  CHECK(f.to_f32(f.at("f16"))[4] == std::ldexp(1.0f, -24));
  CHECK(f.to_f32(f.at("f64")) == vals);
  CHECK(f.to_f32(f.at("bf16"))[0] == 1.5f);
  CHECK(f.at("empty").bytes() == 0);
  CHECK(f.to_f32(f.at("scalar")) == std::vector<float>{7.0f});
  std::int32_t ids[3];
  std::memcpy(ids, f.data(f.at("ids")), 12);
  CHECK(ids[1] == -2);
  CHECK_THROWS_WITH(f.to_f32(f.at("ids")), Catch::Contains("'ids' has dtype I32"));
  CHECK_THROWS_WITH(f.at("nope"),
                    Catch::Contains("a.safetensors") && Catch::Contains("missing tensor 'nope'"));
  CHECK_FALSE(f.first_nonfinite(f.at("f32")).has_value());
}

TEST_CASE("safetensors writer: streamed pieces, header reserve and rewrite, cleanup",
          "[trace][safetensors]") {
  const auto dir = gcattn::testing::temp_dir("st-writer");
  for (std::size_t reserve : {std::size_t{0}, std::size_t{4096}}) {
    const auto p = (dir / ("w" + std::to_string(reserve) + ".safetensors")).string();
    SafetensorsWriter w(p, {{"x", DType::F32, {4}}, {"y", DType::F16, {2}}}, {{"k", "short"}},
                        reserve);
    const float x[4] = {1, 2, 3, 4};
    w.write(0, 8, x + 2, 8);  // second half first
    w.write(0, 0, x, 8);
    const std::uint16_t y[2] = {float_to_half(0.5f), float_to_half(-1.0f)};
    w.write(1, 0, y, 4);
    CHECK_THROWS_AS(w.write(1, 2, y, 4), std::out_of_range);
    w.set_metadata({{"k", std::string(3000, 'z')}});  // larger than the initial header
    w.finish();
    const SafetensorsFile f(p);
    CHECK(f.metadata().at("k").size() == 3000);
    CHECK(f.to_f32(f.at("x")) == std::vector<float>{1, 2, 3, 4});
    CHECK(f.to_f32(f.at("y")) == std::vector<float>{0.5f, -1.0f});
    CHECK(gcattn::test::partial_files(dir) == 0);
  }
  {
    const auto p = (dir / "abandoned.safetensors").string();
    {
      SafetensorsWriter w(p, {{"x", DType::F32, {4}}});
      CHECK(gcattn::test::partial_files(dir) == 1);   // the temporary file, next to the target
      CHECK_THROWS_AS(w.finish(), std::logic_error);  // nothing written
    }
    CHECK(gcattn::test::partial_files(dir) == 0);
    CHECK_FALSE(fs::exists(p));
  }
}

TEST_CASE("safetensors reader rejects every corruption with a precise error",
          "[trace][safetensors][errors]") {
  const auto dir = gcattn::testing::temp_dir("st-corrupt");
  const auto p = dir / "bad.safetensors";
  const std::string data16(16, '\0');
  const auto err = [&] { return open_error(p); };

  write_bytes(p, "abc");
  CHECK_THAT(err(), Catch::Contains("bad.safetensors") && Catch::Contains("file is 3 bytes"));
  write_raw(p, "{}", "", 1ull << 40);
  CHECK_THAT(err(), Catch::Contains("header length 1099511627776 is not plausible"));
  write_raw(p, "{\"a\":{}}", "", 4000);
  CHECK_THAT(err(), Catch::Contains("truncated") && Catch::Contains("says 4000 bytes"));
  write_raw(p, "[1, 2]  ", "");
  CHECK_THAT(err(), Catch::Contains("does not start with '{'"));
  write_raw(p, "{\"a\": {\"dtype\": \"F32\",, }", "");
  CHECK_THAT(err(), Catch::Contains("not valid JSON") && Catch::Contains("at byte"));
  write_raw(p, R"({"a": {"dtype": "F8_E4M3", "shape": [4], "data_offsets": [0, 4]}})",
            std::string(4, '\0'));
  CHECK_THAT(err(),
             Catch::Contains("tensor 'a'") && Catch::Contains("unsupported dtype 'F8_E4M3'"));
  write_raw(p, R"({"a": {"dtype": "F32", "shape": [3], "data_offsets": [0, 16]}})", data16);
  CHECK_THAT(err(), Catch::Contains("tensor 'a'") && Catch::Contains("needs 12 bytes") &&
                        Catch::Contains("span 16"));
  write_raw(p, R"({"a": {"dtype": "F32", "shape": [-3], "data_offsets": [0, 12]}})", data16);
  CHECK_THAT(err(), Catch::Contains("tensor 'a'") && Catch::Contains("non-negative"));
  write_raw(p, R"({"a": {"dtype": "F32", "shape": [4]}})", data16);
  CHECK_THAT(err(), Catch::Contains("tensor 'a'") && Catch::Contains("data_offsets"));
  write_raw(p, R"({"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16], "extra": 1}})",
            data16);
  CHECK_THAT(err(), Catch::Contains("unknown header field 'extra'"));
  write_raw(p, R"({"a": {"dtype": "F32", "shape": [4], "data_offsets": [8, 4]}})", data16);
  CHECK_THAT(err(), Catch::Contains("end before they begin"));
  // offsets beyond the end of the file: truncation names the tensor and the element
  write_raw(
      p,
      R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "b": {"dtype": "F32", "shape": [4], "data_offsets": [8, 24]}})",
      data16);
  CHECK_THAT(err(), Catch::Contains("truncated: tensor 'b'") && Catch::Contains("element 2 of 4"));
  write_raw(
      p,
      R"({"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}, "b": {"dtype": "F32", "shape": [2], "data_offsets": [8, 16]}})",
      data16);
  CHECK_THAT(err(), Catch::Contains("overlaps"));
  write_raw(p, R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [8, 16]}})", data16);
  CHECK_THAT(err(), Catch::Contains("hole in the data section: bytes [0, 8)"));
  write_raw(p, R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}})", data16);
  CHECK_THAT(err(), Catch::Contains("8 trailing bytes"));
  write_raw(
      p,
      R"({"__metadata__": {"n": 3}, "a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}})",
      data16);
  CHECK_THAT(err(), Catch::Contains("__metadata__ entry 'n' is not a string"));
  write_raw(p, "{\"a\xFF\": 1}   ", "");
  CHECK_THAT(err(), Catch::Contains("not valid JSON"));
  CHECK_THAT(open_error(dir / "missing.safetensors"),
             Catch::Contains("missing.safetensors: cannot open"));
  CHECK_THAT(open_error(dir), Catch::Contains("not a regular file"));

  // A valid file cut short names the last tensor.
  write_safetensors(p.string(),
                    {OwnedTensor::from_floats("w", {100}, std::vector<float>(100, 1.0f))});
  const std::string full = read_bytes(p);
  write_bytes(p, full.substr(0, full.size() - 10));
  CHECK_THAT(err(),
             Catch::Contains("truncated: tensor 'w'") && Catch::Contains("element 97 of 100"));
  write_bytes(p, full.substr(0, 20));
  CHECK_THAT(err(), Catch::Contains("truncated"));
}

TEST_CASE("safetensors NaN/Inf scan finds the first bad element", "[trace][safetensors]") {
  const auto dir = gcattn::testing::temp_dir("st-nan");
  const auto p = (dir / "n.safetensors").string();
  std::vector<float> v(10000, 0.5f);
  v[7777] = std::numeric_limits<float>::infinity();
  v[9000] = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> w(300, 1.0f);
  w[299] = -std::numeric_limits<float>::infinity();
  write_safetensors(
      p, {OwnedTensor::from_floats("a", {10000}, v),
          OwnedTensor::from_floats("b", {300}, w, DType::F16),
          OwnedTensor::from_floats("c", {300}, std::vector<float>(300, 65504.0f), DType::F16)});
  const SafetensorsFile f(p);
  CHECK(f.first_nonfinite(f.at("a")) == std::optional<std::size_t>(7777));
  CHECK(f.first_nonfinite(f.at("b")) == std::optional<std::size_t>(299));
  CHECK_FALSE(f.first_nonfinite(f.at("c")).has_value());
}
