// Sweep specs and their expansion into units (no simulation runs here).
#include <algorithm>
#include <set>
#include <string>

#include <catch2/catch.hpp>

#include "gcattn/config/config.h"
#include "sweep/plan.h"
#include "sweep/spec.h"

namespace gcattn::sweep {
namespace {

using Catch::Matchers::Contains;

const std::string kTrace =
    std::string(GCATTN_SOURCE_DIR) + "/traces/shakespeare-gpt2-mini.safetensors";

Plan plan_of(const std::string& body) {
  const std::string text = "{\"traces\": [\"" + kTrace + "\"], " + body + "}";
  return make_plan(parse_spec(text, "spec.json", "/"));
}

std::string error_of(const std::string& body) {
  try {
    plan_of(body);
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no error)";
}

std::string make_plan_error(const std::string& text) {
  try {
    make_plan(parse_spec(text, "spec.json", "/"));
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no error)";
}

std::string value(const Unit& u, const std::string& key) {
  for (const auto& [k, v] : u.values)
    if (k == key) return v;
  return "(unset)";
}

}  // namespace

TEST_CASE("sweep spec: axes form the cross product, zip groups pair their values", "[sweep]") {
  const Plan p = plan_of(
      R"("axes": {"kv_dac.levels": [4, 8], "array.window_tokens": [512, 1024, 256]},
         "zip": [{"player.host_gap_ns": [0, 1000], "output.levels": [32, 64]}], "run": {"tokens": 4})");
  REQUIRE(p.units.size() == 2 * 3 * 2);
  CHECK(p.columns == std::vector<std::string>{"kv_dac.levels", "array.window_tokens",
                                              "player.host_gap_ns", "output.levels"});
  // The first axis varies slowest; zip values advance together.
  CHECK(value(p.units[0], "kv_dac.levels") == "4");
  CHECK(value(p.units[0], "array.window_tokens") == "512");
  CHECK(value(p.units[1], "player.host_gap_ns") == "1000");
  CHECK(value(p.units[1], "output.levels") == "64");
  CHECK(value(p.units[11], "kv_dac.levels") == "8");
  CHECK(value(p.units[11], "array.window_tokens") == "256");
  std::set<std::pair<std::string, std::string>> zipped;
  for (const auto& u : p.units)
    zipped.emplace(value(u, "player.host_gap_ns"), value(u, "output.levels"));
  CHECK(zipped == std::set<std::pair<std::string, std::string>>{{"0", "32"}, {"1000", "64"}});
  // Each unit runs `gcattn run` on the trace with its values as --set overrides.
  const auto& a = p.units[1].args;
  CHECK(a.front() == "run");
  CHECK(std::find(a.begin(), a.end(), "player.host_gap_ns=1000") != a.end());
  CHECK(std::find(a.begin(), a.end(), kTrace) != a.end());
}

TEST_CASE("sweep spec: unit ids follow the parameters and nothing else", "[sweep]") {
  const Plan a = plan_of(R"("axes": {"kv_dac.levels": [4, 8], "player.host_gap_ns": [0, 140]})");
  const Plan reordered =
      plan_of(R"("axes": {"player.host_gap_ns": [0.0, 140], "kv_dac.levels": [8, 4.0]})");
  std::set<std::string> ids_a, ids_b;
  for (const auto& u : a.units) ids_a.insert(u.id);
  for (const auto& u : reordered.units) ids_b.insert(u.id);
  CHECK(ids_a.size() == 4);
  CHECK(ids_a == ids_b);
  for (const auto& id : ids_a) CHECK(id.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(a.units[0].id.size() == 16);
  // Another value, base setting or run setting is another unit.
  const Plan c = plan_of(R"("axes": {"kv_dac.levels": [4, 16], "player.host_gap_ns": [0, 140]})");
  const Plan d = plan_of(
      R"("axes": {"kv_dac.levels": [4, 8], "player.host_gap_ns": [0, 140]}, "run": {"tokens": 2})");
  const Plan e = plan_of(
      R"("base": {"set": {"output.levels": 64}}, "axes": {"kv_dac.levels": [4, 8], "player.host_gap_ns": [0, 140]})");
  CHECK(a.units[0].id == c.units[0].id);
  CHECK(a.units[2].id != c.units[2].id);
  CHECK(a.units[0].id != d.units[0].id);
  CHECK(a.units[0].id != e.units[0].id);
}

TEST_CASE("sweep spec: bad keys and values are rejected naming the key and the value",
          "[sweep][errors]") {
  CHECK_THROWS_AS(plan_of(R"("axes": {"kv_dac.level": [4]})"), ConfigError);
  CHECK_THAT(error_of(R"("axes": {"kv_dac.level": [4]})"),
             Contains("spec.json: axes.kv_dac.level[0]") &&
                 Contains("unknown parameter 'kv_dac.level'") &&
                 Contains("did you mean 'kv_dac.levels'"));
  CHECK_THAT(error_of(R"("axes": {"kv_dac.levels": [4, 1]})"),
             Contains("axes.kv_dac.levels[1]") && Contains("'kv_dac.levels' = 1: out of range"));
  CHECK_THAT(error_of(R"("zip": [{"output.levels": [32, 1], "player.host_gap_ns": [0, 1]}])"),
             Contains("zip[0].output.levels[1]") && Contains("'output.levels' = 1"));
  CHECK_THAT(error_of(R"("zip": [{"output.levels": [32, 64], "player.host_gap_ns": [0]}])"),
             Contains("zip[0]") && Contains("one length"));
  CHECK_THAT(error_of(R"("base": {"set": {"player.host_gap_ns": -1}})"),
             Contains("base.set.player.host_gap_ns") && Contains("= -1: out of range"));
  CHECK_THAT(error_of(R"("base": {"set": {"output.levels": 64}}, "axes": {"output.levels": [32]})"),
             Contains("'output.levels' is already given in base.set.output.levels"));
  CHECK_THAT(error_of(R"("axes": {"output.levels": [32, 32]})"),
             Contains("axes.output.levels: lists 32 twice"));
  CHECK_THAT(error_of(R"("axes": {"output.levels": 32})"),
             Contains("axes.output.levels: must be a non-empty array"));
  CHECK_THAT(error_of(R"("run": {"tokenz": 4})"), Contains("run.tokenz: unknown run setting"));
  CHECK_THAT(error_of(R"("run": {"mode": "ca"})"), Contains("run.mode: must be one of lt | at"));
  CHECK_THAT(error_of(R"("run": {"tokens": 100000})"),
             Contains("traces[0]") && Contains("run.tokens = 100000"));
  CHECK_THAT(error_of(R"("axis": {})"), Contains("axis: unknown key"));
  CHECK_THAT(error_of(R"("base": {"config": "no-such-preset.json"})"), Contains("base.config"));
  CHECK_THAT(make_plan_error("{\"axes\": {}}"), Contains("traces: missing"));
}

}  // namespace gcattn::sweep
