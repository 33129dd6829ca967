// Regression test of `gcattn reproduce`: the calibration workload reproduces the paper's
// published latency and energies within the tolerances (latency 1 %, each energy
// category 5 %). The published values below are transcribed from PAPER.md sections 6 and 7
// independently of configs/published/ and configs/gpus/.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <boost/json.hpp>

#include "support/process.h"

using Catch::Matchers::Contains;
using gcattn::test::gcattn_command;
using gcattn::test::run_process;

namespace {

namespace fs = std::filesystem;

struct Expect {
  double published;
  double tolerance;
};

const std::map<std::string, Expect> kPaper = {
    {"latency_per_token_layer_ns", {65.0, 0.01}},
    {"energy_qk_pj", {1120.0, 0.05}},
    {"energy_av_pj", {700.0, 0.05}},
    {"energy_digital_pj", {4000.0, 0.05}},
    {"energy_dac_pj", {330.0, 0.05}},
    {"energy_total_per_head_pj", {6150.0, 0.05}},
    {"speedup_vs_rtx4090", {344.0, 0.01}},
    {"energy_ratio_vs_rtx4090", {97000.0, 0.05}},
    {"speedup_vs_jetson_nano", {7500.0, 0.01}},
    {"energy_ratio_vs_jetson_nano", {44000.0, 0.05}},
};

boost::json::array read_rows(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return boost::json::parse(ss.str()).as_array();
}

}  // namespace

TEST_CASE("gcattn reproduce meets the published figures within tolerance", "[reproduce][systemc]") {
  const fs::path json = fs::temp_directory_path() / "gcattn_reproduce_rows.json";
  fs::remove(json);
  const auto r = run_process(gcattn_command("reproduce --check --json '" + json.string() + "'"));
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.output, Contains("path: systemc"));  // the SystemC model, not the numerics fallback
  const auto rows = read_rows(json);
  std::map<std::string, const boost::json::object*> by_quantity;
  for (const auto& row : rows) {
    const auto& o = row.as_object();
    REQUIRE(o.size() == 4);  // {quantity, unit, published, simulated}
    REQUIRE(o.contains("unit"));
    by_quantity[std::string(o.at("quantity").as_string())] = &o;
  }
  double category_sum = 0.0;
  for (const auto& [quantity, expect] : kPaper) {
    INFO(quantity);
    REQUIRE(by_quantity.count(quantity) == 1);
    const auto& o = *by_quantity.at(quantity);
    CHECK(o.at("published").to_number<double>() == expect.published);
    const double sim = o.at("simulated").to_number<double>();
    CHECK(std::fabs(sim - expect.published) <= expect.tolerance * expect.published);
    if (quantity == "energy_qk_pj" || quantity == "energy_av_pj" ||
        quantity == "energy_digital_pj" || quantity == "energy_dac_pj") {
      category_sum += sim;
    }
  }
  // The categories add up to the total, and the finer components to the categories.
  CHECK(category_sum ==
        Approx(by_quantity.at("energy_total_per_head_pj")->at("simulated").to_number<double>()));
  double components = 0.0;
  int n = 0;
  for (const auto& [q, o] : by_quantity) {
    if (q.rfind("component_", 0) == 0) {
      CHECK(o->at("published").is_null());
      components += o->at("simulated").to_number<double>();
      ++n;
    }
  }
  CHECK(n == 16);
  CHECK(components == Approx(category_sum));
}

TEST_CASE("gcattn reproduce --check fails when the model misses the paper",
          "[reproduce][systemc]") {
  // Without the first-stage converters' energy the Phi(Q.K^T) figure falls well below 1,120 pJ.
  const auto r = run_process(
      gcattn_command("reproduce --check --steps 1 --set energy.cpc_fj_per_conversion=0"));
  INFO(r.output);
  CHECK(r.exit_code == 5);
  CHECK_THAT(r.output,
             Contains("energy_qk_pj") && Contains("MISS") && Contains("outside tolerance"));
  // A longer schedule misses the 65 ns.
  const auto slow = run_process(
      gcattn_command("reproduce --check --path numerics --steps 1 --set timing.digital_sum_ns=5"));
  CHECK(slow.exit_code == 5);
  CHECK_THAT(slow.output, Contains("latency_per_token_layer_ns"));
}

TEST_CASE("gcattn reproduce reports bad options", "[reproduce][cli]") {
  const auto r = run_process(gcattn_command("reproduce --steps 0"));
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.output, Contains("--steps"));
  const auto c = run_process(gcattn_command("reproduce --set energy.routing_fj_per_bit=-1"));
  CHECK(c.exit_code == 3);
  CHECK_THAT(c.output, Contains("energy.routing_fj_per_bit"));
  const auto p = run_process(gcattn_command("reproduce --path spice"));
  CHECK(p.exit_code == 2);
  CHECK_THAT(p.output, Contains("--path"));
  const auto g = run_process(gcattn_command("reproduce --gpu no_such_gpu"));
  CHECK(g.exit_code == 3);
  CHECK_THAT(g.output, Contains("no_such_gpu"));
  const auto j = run_process(gcattn_command("reproduce --json /nonexistent-dir/rows.json"));
  CHECK(j.exit_code == 2);  // checked before the run, like every output (docs/reliability.md)
  CHECK_THAT(j.output, Contains("/nonexistent-dir/rows.json") && Contains("does not exist"));
  const auto h = run_process(gcattn_command("reproduce --help"));
  CHECK(h.exit_code == 0);
  CHECK_THAT(h.output, Contains("--json"));
}

TEST_CASE("the SystemC accelerator's energy accounting matches the numerics path",
          "[reproduce][systemc]") {
  // Same data stream per head; without leakage the two paths see identical array contents, so
  // the accelerator's ledgers (driven through TLM) must equal EnergyModel driven directly.
  const fs::path a = fs::temp_directory_path() / "gcattn_reproduce_sc.json";
  const fs::path b = fs::temp_directory_path() / "gcattn_reproduce_num.json";
  const std::string common = " --steps 1 --layers 2 --heads 3 --set leakage.mode=off --json ";
  const auto ra =
      run_process(gcattn_command("reproduce --path systemc" + common + "'" + a.string() + "'"));
  const auto rb =
      run_process(gcattn_command("reproduce --path numerics" + common + "'" + b.string() + "'"));
  INFO(ra.output << rb.output);
  REQUIRE(ra.exit_code == 0);
  REQUIRE(rb.exit_code == 0);
  CHECK_THAT(ra.output, Contains("path: systemc"));
  CHECK_THAT(rb.output, Contains("path: numerics"));
  const auto rows_a = read_rows(a), rows_b = read_rows(b);
  REQUIRE(rows_a.size() == rows_b.size());
  int compared = 0;
  for (std::size_t i = 0; i < rows_a.size(); ++i) {
    const auto& oa = rows_a[i].as_object();
    const auto& ob = rows_b[i].as_object();
    REQUIRE(oa.at("quantity") == ob.at("quantity"));
    const std::string q(oa.at("quantity").as_string());
    if (q.rfind("component_", 0) != 0 && q.rfind("energy_", 0) != 0) continue;
    INFO(q);
    CHECK(oa.at("simulated").to_number<double>() ==
          Approx(ob.at("simulated").to_number<double>()).epsilon(1e-9).margin(1e-9));
    ++compared;
  }
  CHECK(compared > 20);
}
