// The scalers file: round trip and the errors a bad file gets.
#include <catch2/catch.hpp>

#include <fstream>
#include <random>

#include "base/errors.h"
#include "scalers/scalers.h"
#include "testbench/player/player_support.h"

using namespace gcattn;
using Catch::Matchers::Contains;

namespace {

std::string write_text(const std::filesystem::path& dir, const std::string& text) {
  const auto p = (dir / "s.json").string();
  std::ofstream(p) << text;
  return p;
}

std::string valid_file(int layers, int heads) {
  gcattn::ScalerTable t(layers, heads,
                        HeadScalers{{2.0, 0.25}, {0.5, 0.45}, {0.75, 0.45}, {3.0, -1.0}});
  t.method = "range";
  return gcattn::scalers_to_json(t);
}

}  // namespace

TEST_CASE("Scalers file: written and read back exactly", "[player][scalers]") {
  const test::TempDir dir("scalers_rt");
  gcattn::ScalerTable t(2, 3, HeadScalers{});
  for (int l = 0; l < 2; ++l) {
    for (int h = 0; h < 3; ++h) {
      HeadScalers& s = t.at(l, h);
      s.q = {0.1 * (l + 1) + h, 1.0 / 3.0};
      s.k = {0.123456789012345, 0.45};
      s.v = {-2.5e-7, 0.44999999};
      s.out = {1e6, -3.0 * h};
    }
  }
  t.method = "paper";
  t.trace = "x.safetensors";
  t.calibration_tokens = 77;
  const std::string path = (dir / "s.json").string();
  gcattn::write_scalers(path, t);
  const gcattn::ScalerTable r = gcattn::read_scalers(path);
  REQUIRE(r.layers == 2);
  REQUIRE(r.heads == 3);
  CHECK(r.method == "paper");
  CHECK(r.trace == "x.safetensors");
  CHECK(r.calibration_tokens == 77);
  for (int l = 0; l < 2; ++l) {
    for (int h = 0; h < 3; ++h) {
      CHECK(r.at(l, h).q.gain == t.at(l, h).q.gain);
      CHECK(r.at(l, h).q.offset == t.at(l, h).q.offset);
      CHECK(r.at(l, h).k.gain == t.at(l, h).k.gain);
      CHECK(r.at(l, h).v.gain == t.at(l, h).v.gain);
      CHECK(r.at(l, h).v.offset == t.at(l, h).v.offset);
      CHECK(r.at(l, h).out.gain == t.at(l, h).out.gain);
      CHECK(r.at(l, h).out.offset == t.at(l, h).out.offset);
    }
  }
  // What the accelerator's float32 scaler window will hold.
  const gcattn::ScalerTable f = t.rounded_to_float();
  CHECK(f.at(0, 0).k.gain == static_cast<double>(static_cast<float>(0.123456789012345)));
  CHECK(f.at(0, 0).k.gain != t.at(0, 0).k.gain);
}

TEST_CASE("Scalers file: every malformation is an InputError naming the file and field",
          "[player][scalers][errors]") {
  const test::TempDir dir("scalers_bad");
  CHECK_THROWS_WITH(gcattn::read_scalers((dir / "missing.json").string()),
                    Contains("missing.json") && Contains("cannot open"));
  CHECK_THROWS_AS(gcattn::read_scalers(write_text(dir, "{not json")), gcattn::InputError);
  CHECK_THROWS_WITH(gcattn::read_scalers(write_text(dir, "[1, 2]")), Contains("JSON object"));
  std::string ok = valid_file(1, 2);
  CHECK_NOTHROW(gcattn::read_scalers(write_text(dir, ok)));

  auto mutate = [&](const std::string& from, const std::string& to) {
    std::string s = ok;
    const auto pos = s.find(from);
    REQUIRE(pos != std::string::npos);
    s.replace(pos, from.size(), to);
    return write_text(dir, s);
  };
  CHECK_THROWS_WITH(gcattn::read_scalers(mutate("\"gcattn-scalers\"", "\"other\"")),
                    Contains("'format'"));
  CHECK_THROWS_WITH(gcattn::read_scalers(mutate("\"version\": 1", "\"version\": 7")),
                    Contains("'version'"));
  CHECK_THROWS_WITH(gcattn::read_scalers(mutate("\"heads\": 2", "\"heads\": 3")),
                    Contains("scalers[0]") && Contains("3 heads"));
  CHECK_THROWS_WITH(gcattn::read_scalers(mutate("\"layers\": 1", "\"layers\": 0")),
                    Contains("'layers'"));
  CHECK_THROWS_WITH(gcattn::read_scalers(mutate("\"q\": [2, 0.25]", "\"q\": [2]")),
                    Contains("scalers[0][0].q"));
  CHECK_THROWS_WITH(gcattn::read_scalers(mutate("\"q\": [2, 0.25]", "\"q\": [2, \"x\"]")),
                    Contains("scalers[0][0].q[1]"));
  CHECK_THROWS_WITH(gcattn::read_scalers(mutate("\"q\": [2, 0.25]", "\"qq\": [2, 0.25]")),
                    Contains("scalers[0][0].q") && Contains("missing"));
  CHECK_THROWS_WITH(
      gcattn::read_scalers(mutate("\"q\": [2, 0.25]", "\"q\": [2, 0.25], \"z\": [1, 1]")),
      Contains("scalers[0][0].z"));
  CHECK_THROWS_WITH(gcattn::read_scalers(mutate("\"q\": [2, 0.25]", "\"q\": [2, 1e999]")),
                    Contains("scalers[0][0].q[1]"));
}

TEST_CASE("Scalers file: out-of-range integers and huge counts are input errors",
          "[player][scalers][errors]") {
  const test::TempDir dir("scalers_range");
  const std::string ok = valid_file(1, 2);
  auto mutate = [&](const std::string& from, const std::string& to) {
    std::string s = ok;
    const auto pos = s.find(from);
    REQUIRE(pos != std::string::npos);
    s.replace(pos, from.size(), to);
    return write_text(dir, s);
  };
  // Before: boost::json's to_number threw an unclassified exception (exit 1, internal error).
  CHECK_THROWS_WITH(
      gcattn::read_scalers(mutate("\"layers\": 1", "\"layers\": 18446744073709551615")),
      Contains("'layers'"));
  CHECK_THROWS_WITH(gcattn::read_scalers(mutate("\"layers\": 1", "\"layers\": -1")),
                    Contains("'layers'"));
  CHECK_THROWS_WITH(
      gcattn::read_scalers(mutate("\"calibration_tokens\": 0", "\"calibration_tokens\": -5")),
      Contains("'calibration_tokens'"));
  CHECK_THROWS_WITH(
      gcattn::read_scalers(mutate("\"calibration_tokens\": 0", "\"calibration_tokens\": 1e400")),
      Contains("'calibration_tokens'"));
  // 2^20 x 2^20 declared, one layer given: refused without allocating 2^40 entries.
  CHECK_THROWS_WITH(gcattn::read_scalers(mutate("\"layers\": 1", "\"layers\": 1048576")),
                    Contains("'scalers'"));
  CHECK_THROWS_WITH(gcattn::read_scalers(mutate("\"heads\": 2", "\"heads\": 1048576")),
                    Contains("scalers[0]"));
  CHECK_THROWS_WITH(gcattn::read_scalers(dir.path().string()), Contains("is a directory"));
}

TEST_CASE("Scalers file: random scalers read back bit for bit", "[player][scalers][json]") {
  // Before: Boost.JSON's parser read about 8 % of the written numbers one ulp off.
  const test::TempDir dir("scalers_bits");
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(-4.0, 4.0);
  gcattn::ScalerTable t(16, 16, HeadScalers{});
  for (auto& e : t.entries) {
    for (AffineScaler* s : {&e.q, &e.k, &e.v, &e.out}) *s = {u(rng), u(rng)};
  }
  const auto p = (dir / "s.json").string();
  gcattn::write_scalers(p, t);
  const gcattn::ScalerTable r = gcattn::read_scalers(p);
  std::size_t differ = 0;
  for (std::size_t i = 0; i < t.entries.size(); ++i) {
    const HeadScalers &a = t.entries[i], &b = r.entries[i];
    differ += a.q.gain != b.q.gain || a.q.offset != b.q.offset || a.k.gain != b.k.gain ||
              a.k.offset != b.k.offset || a.v.gain != b.v.gain || a.v.offset != b.v.offset ||
              a.out.gain != b.out.gain || a.out.offset != b.out.offset;
  }
  CHECK(differ == 0);
}
