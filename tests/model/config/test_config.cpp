#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <fstream>

#include "cli/commands.h"
#include "gcattn/config/config.h"
#include "gcattn/config/hardware_params.h"

#include <iterator>
#include <sstream>
#include <string>
#include <vector>

using namespace gcattn;
using Catch::Matchers::Contains;

namespace {
std::string write_temp(const std::string& name, const std::string& text) {
  const std::string path = "/tmp/gcattn_test_" + name;
  std::ofstream(path) << text;
  return path;
}
}  // namespace

TEST_CASE("paper preset defines every schema parameter with unit and source", "[config]") {
  const Config cfg = Config::paper();
  const auto& schema = ParameterSchema::builtin();
  REQUIRE(schema.params().size() > 20);
  for (const auto& p : schema.params()) {
    INFO(p.key);
    CHECK_FALSE(p.unit.empty());
    CHECK((p.source == "paper" || p.source == "derived" || p.source == "assumed"));
    CHECK_FALSE(p.doc.empty());
    CHECK_NOTHROW(cfg.value(p.key));
  }
  CHECK(cfg.integer("array.window_tokens") == 1024);
  CHECK(cfg.number("cpc.s_sat_ua") == 80.0);
  CHECK(cfg.numbers("cell.poly_coeffs_ua").size() == 10);
}

TEST_CASE("every preset loads and passes the cross-parameter checks", "[config]") {
  for (const auto& name : Config::preset_names()) {
    INFO(name);
    CHECK_NOTHROW(HardwareParams::from(Config::load(name)));
  }
  const HardwareParams ideal = HardwareParams::from(Config::load("ideal"));
  CHECK(ideal.cell_kind == CellKind::Linear);
}

TEST_CASE("overrides given with --set parse per type", "[config]") {
  Config cfg = Config::paper();
  cfg.set("cell.model=linear");
  cfg.set("signal.quantize=off");
  cfg.set("query_dac.levels=32");
  cfg.set("cpc.s_sat_ua=60.5");
  CHECK(cfg.string("cell.model") == "linear");
  CHECK_FALSE(cfg.boolean("signal.quantize"));
  CHECK(cfg.integer("query_dac.levels") == 32);
  CHECK(cfg.number("cpc.s_sat_ua") == 60.5);
  CHECK(cfg.origin_of("cpc.s_sat_ua") == "--set");
  CHECK(cfg.origin_of("array.rows") == "preset 'paper'");
}

TEST_CASE("bad overrides name the key, the value and what is allowed", "[config]") {
  Config cfg = Config::paper();
  CHECK_THROWS_WITH(cfg.set("cell.modle=linear"), Contains("unknown parameter 'cell.modle'") &&
                                                      Contains("did you mean 'cell.model'"));
  CHECK_THROWS_WITH(cfg.set("cell.model=cubic"), Contains("'cell.model'") &&
                                                     Contains("\"cubic\"") &&
                                                     Contains("one of 'polynomial' 'linear'"));
  CHECK_THROWS_WITH(cfg.set("cpc.s_sat_ua=-1"),
                    Contains("'cpc.s_sat_ua' = -1") && Contains("out of range"));
  CHECK_THROWS_WITH(cfg.set("cpc.s_sat_ua=abc"), Contains("expected a number"));
  CHECK_THROWS_WITH(cfg.set("cpc.s_sat_ua=NaN"), Contains("'cpc.s_sat_ua'"));
  CHECK_THROWS_WITH(cfg.set("query_dac.levels=3.5"), Contains("expected an integer"));
  CHECK_THROWS_WITH(cfg.set("signal.quantize=maybe"), Contains("expected true or false"));
  CHECK_THROWS_WITH(cfg.set("cell.poly_coeffs_ua=1,2,3"), Contains("has 3 elements"));
  CHECK_THROWS_WITH(cfg.set("nokey"), Contains("expected section.key=value"));
}

TEST_CASE("configuration files: extends, typos, types, malformed JSON, missing keys", "[config]") {
  const auto good = write_temp("good.json", R"({"extends": "paper", "cpc": {"s_sat_ua": 70}})");
  CHECK(Config::load(good).number("cpc.s_sat_ua") == 70.0);
  CHECK(Config::load(good).origin_of("cpc.s_sat_ua") == good);

  const auto typo = write_temp("typo.json", R"({"extends": "paper", "cpc": {"s_sta_ua": 70}})");
  CHECK_THROWS_WITH(Config::load(typo), Contains(typo) &&
                                            Contains("unknown parameter 'cpc.s_sta_ua'") &&
                                            Contains("did you mean 'cpc.s_sat_ua'"));
  const auto type = write_temp("type.json", R"({"extends": "paper", "array": {"rows": "64"}})");
  CHECK_THROWS_WITH(Config::load(type),
                    Contains(type) && Contains("'array.rows'") && Contains("expected an integer"));
  const auto range = write_temp("range.json", R"({"extends": "paper", "output": {"levels": 1}})");
  CHECK_THROWS_WITH(Config::load(range),
                    Contains("'output.levels' = 1") && Contains("out of range"));
  const auto bad =
      write_temp("bad.json", "{\"extends\": \"paper\",\n  \"cpc\": {\"s_sat_ua\": 70,}\n}");
  CHECK_THROWS_WITH(Config::load(bad), Contains(bad) && Contains("invalid JSON at line 2"));
  const auto partial = write_temp("partial.json", R"({"cpc": {"s_sat_ua": 70}})");
  CHECK_THROWS_WITH(Config::load(partial), Contains("is not set") && Contains("extends"));
  const auto cycle = write_temp("cycle.json", R"({"extends": "/tmp/gcattn_test_cycle.json"})");
  CHECK_THROWS_WITH(Config::load(cycle), Contains("cycle"));
  CHECK_THROWS_WITH(Config::load("no-such-preset"),
                    Contains("no such preset") && Contains("paper"));
  const auto window =
      write_temp("window.json", R"({"extends": "paper", "array": {"window_tokens": 100}})");
  CHECK_THROWS_WITH(HardwareParams::from(Config::load(window)), Contains("multiple of array.cols"));
}

TEST_CASE("renamed parameters (host.gap_ns and co.) are refused with their new name", "[config]") {
  // The host's settings moved to the testbench's section `player` (docs/configuration.md).
  Config cfg = Config::paper();
  CHECK_THROWS_WITH(cfg.set("host.gap_ns=10"), Contains("unknown parameter 'host.gap_ns'") &&
                                                   Contains("did you mean 'player.host_gap_ns'"));
  CHECK_THROWS_WITH(cfg.set("host.completion=poll"), Contains("'player.completion'"));
  const auto old = write_temp("old_host.json", R"({"extends": "paper", "host": {"gap_ns": 10}})");
  CHECK_THROWS_WITH(Config::load(old), Contains(old) && Contains("'player.host_gap_ns'"));
  cfg.set("player.host_gap_ns=10");
  CHECK(cfg.number("player.host_gap_ns") == 10.0);
  // The accelerator's host-interface timing stays in `host`.
  CHECK(cfg.number("host.clock_period_ns") == 1.0);
}

TEST_CASE("resolved configuration serialises to JSON that loads back", "[config]") {
  Config cfg = Config::paper();
  cfg.set("cell.model=linear");
  const auto path = write_temp("roundtrip.json", cfg.to_json());
  const Config back = Config::load(path);
  for (const auto& p : cfg.schema().params()) {
    INFO(p.key);
    CHECK(format_value(back.value(p.key)) == format_value(cfg.value(p.key)));
  }
}

TEST_CASE("configurations from memory and from files agree, presets are shared copies",
          "[config]") {
  const std::string text = R"({"extends": "ideal", "cpc": {"s_sat_ua": 70}})";
  const Config from_file = Config::load(write_temp("mem.json", text));
  const Config from_text = Config::parse(text, "inline");
  CHECK(from_text.to_json() == from_file.to_json());
  CHECK(from_text.origin_of("cpc.s_sat_ua") == "inline");
  CHECK(from_text.origin_of("cell.model") == "preset 'ideal'");
  CHECK(from_text.origin_of("array.rows") == "preset 'paper'");
  CHECK_THROWS_WITH(Config::parse("{\"extends\": \"paper\", \"cpc\": 1,}", "inline"),
                    Contains("inline: invalid JSON at line 1"));
  CHECK_THROWS_WITH(Config::parse(R"({"cpc": {"s_sat_ua": 70}})", "inline"),
                    Contains("is not set"));
  // A preset is resolved once per process; changing one configuration leaves the others alone.
  Config a = Config::paper();
  a.set("cpc.s_sat_ua=70");
  CHECK(Config::paper().number("cpc.s_sat_ua") == 80.0);
  CHECK(Config::load("paper").to_json() == Config::parse(R"({"extends": "paper"})", "x").to_json());
}

TEST_CASE("docs/configuration.md lists exactly the schema's parameters", "[config][docs]") {
  std::ifstream in(std::string(GCATTN_SOURCE_DIR) + "/docs/configuration.md");
  REQUIRE(in);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string begin = "<!-- BEGIN generated: gcattn config doc -->\n",
                    end = "<!-- END generated -->";
  const auto b = text.find(begin), e = text.find(end);
  REQUIRE(b != std::string::npos);
  REQUIRE(e != std::string::npos);
  std::ostringstream expected;
  cli::write_parameter_reference(Config::paper(), expected);
  std::string want = expected.str();
  while (!want.empty() && want.front() == '\n') want.erase(0, 1);
  INFO("regenerate with scripts/update_config_doc.sh");
  CHECK(text.substr(b + begin.size(), e - b - begin.size()) == want);
}

namespace {
// The textbook Levenshtein distance: what the pruned search in ParameterSchema::suggest must agree
// with.
std::size_t plain_edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      d[i][j] = std::min(
          {d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    }
  }
  return d[a.size()][b.size()];
}
}  // namespace

TEST_CASE("key suggestions equal an exhaustive edit-distance search", "[config]") {
  const auto& schema = ParameterSchema::builtin();
  std::vector<std::string> typos;
  for (const auto& p : schema.params()) {
    const std::string& k = p.key;
    typos.push_back(k.substr(1));                        // a deletion
    typos.push_back(k + "x");                            // an insertion
    typos.push_back(std::string(k.rbegin(), k.rend()));  // far from everything
    typos.push_back(k.substr(0, k.size() / 2) + "zz" + k.substr(k.size() / 2 + 2));
    typos.push_back(k.substr(k.find('.') + 1));  // the section left out
  }
  typos.push_back("");
  typos.push_back(std::string(100, 'a'));
  std::size_t with_hint = 0;
  for (const std::string& typo : typos) {
    if (schema.find(typo)) continue;
    std::string expected;
    std::size_t best = std::max<std::size_t>(3, typo.size() / 3) + 1;
    for (const auto& p : schema.params()) {
      const std::size_t d = plain_edit_distance(typo, p.key);
      if (d < best) {
        best = d;
        expected = p.key;
      }
    }
    INFO(typo);
    CHECK(schema.suggest(typo) == expected);
    with_hint += !expected.empty();
  }
  CHECK(with_hint > schema.params().size());  // the search found real hints, not only misses
}
