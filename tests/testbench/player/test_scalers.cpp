// The scalers file: round trip and the errors a bad file gets.
#include <catch2/catch.hpp>

#include <fstream>

#include "cli/errors.h"
#include "player/scalers.h"
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
  player::ScalerTable t(layers, heads,
                        HeadScalers{{2.0, 0.25}, {0.5, 0.45}, {0.75, 0.45}, {3.0, -1.0}});
  t.method = "range";
  return player::scalers_to_json(t);
}

}  // namespace

TEST_CASE("Scalers file: written and read back exactly", "[player][scalers]") {
  const test::TempDir dir("scalers_rt");
  player::ScalerTable t(2, 3, HeadScalers{});
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
  player::write_scalers(path, t);
  const player::ScalerTable r = player::read_scalers(path);
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
  const player::ScalerTable f = t.rounded_to_float();
  CHECK(f.at(0, 0).k.gain == static_cast<double>(static_cast<float>(0.123456789012345)));
  CHECK(f.at(0, 0).k.gain != t.at(0, 0).k.gain);
}

TEST_CASE("Scalers file: every malformation is an InputError naming the file and field",
          "[player][scalers][errors]") {
  const test::TempDir dir("scalers_bad");
  CHECK_THROWS_WITH(player::read_scalers((dir / "missing.json").string()),
                    Contains("missing.json") && Contains("cannot open"));
  CHECK_THROWS_AS(player::read_scalers(write_text(dir, "{not json")), cli::InputError);
  CHECK_THROWS_WITH(player::read_scalers(write_text(dir, "[1, 2]")), Contains("JSON object"));
  std::string ok = valid_file(1, 2);
  CHECK_NOTHROW(player::read_scalers(write_text(dir, ok)));

  auto mutate = [&](const std::string& from, const std::string& to) {
    std::string s = ok;
    const auto pos = s.find(from);
    REQUIRE(pos != std::string::npos);
    s.replace(pos, from.size(), to);
    return write_text(dir, s);
  };
  CHECK_THROWS_WITH(player::read_scalers(mutate("\"gcattn-scalers\"", "\"other\"")),
                    Contains("'format'"));
  CHECK_THROWS_WITH(player::read_scalers(mutate("\"version\": 1", "\"version\": 7")),
                    Contains("'version'"));
  CHECK_THROWS_WITH(player::read_scalers(mutate("\"heads\": 2", "\"heads\": 3")),
                    Contains("scalers[0]") && Contains("3 heads"));
  CHECK_THROWS_WITH(player::read_scalers(mutate("\"layers\": 1", "\"layers\": 0")),
                    Contains("'layers'"));
  CHECK_THROWS_WITH(player::read_scalers(mutate("\"q\": [2, 0.25]", "\"q\": [2]")),
                    Contains("scalers[0][0].q"));
  CHECK_THROWS_WITH(player::read_scalers(mutate("\"q\": [2, 0.25]", "\"q\": [2, \"x\"]")),
                    Contains("scalers[0][0].q[1]"));
  CHECK_THROWS_WITH(player::read_scalers(mutate("\"q\": [2, 0.25]", "\"qq\": [2, 0.25]")),
                    Contains("scalers[0][0].q") && Contains("missing"));
  CHECK_THROWS_WITH(
      player::read_scalers(mutate("\"q\": [2, 0.25]", "\"q\": [2, 0.25], \"z\": [1, 1]")),
      Contains("scalers[0][0].z"));
  CHECK_THROWS_WITH(player::read_scalers(mutate("\"q\": [2, 0.25]", "\"q\": [2, 1e999]")),
                    Contains("scalers[0][0].q[1]"));
}
