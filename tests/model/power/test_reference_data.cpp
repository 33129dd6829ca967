// The data files of the comparison: reference GPUs (configs/gpus/) and the published figures
// (configs/published/), compiled in; bad files are rejected naming the field.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "gcattn/config/config.h"
#include "gcattn/power/gpu_reference.h"
#include "gcattn/power/published.h"

using namespace gcattn;
using Catch::Matchers::Contains;

namespace {
std::string write_temp(const std::string& name, const std::string& text) {
  const auto path = std::filesystem::temp_directory_path() / ("gcattn_refdata_" + name);
  std::ofstream(path) << text;
  return path.string();
}
}  // namespace

TEST_CASE("the paper's GPUs are compiled in with their measured figures", "[energy][gpu]") {
  const auto ids = GpuReference::ids();
  CHECK(std::find(ids.begin(), ids.end(), "rtx4090") != ids.end());
  CHECK(std::find(ids.begin(), ids.end(), "jetson_nano") != ids.end());
  const GpuReference rtx = GpuReference::load("rtx4090");
  REQUIRE(rtx.measured);
  CHECK(rtx.measured->latency_per_layer_token_us == 22.4);
  CHECK(rtx.measured->energy_per_layer_token_mj == 7.18);
  CHECK(rtx.paper_speedup == 344.0);
  CHECK(rtx.paper_energy_ratio == 97000.0);
  CHECK(rtx.peak_bandwidth_gbs.has_value());
  CHECK_FALSE(rtx.memory_energy_pj_per_bit.has_value());  // null: not published
  const GpuReference jn = GpuReference::load("jetson_nano");
  REQUIRE(jn.measured);
  CHECK(jn.measured->latency_per_layer_token_us == 489.0);
  CHECK(jn.measured->energy_per_layer_token_mj == 3.25);
  CHECK(jn.paper_speedup == 7500.0);
  CHECK(jn.paper_energy_ratio == 44000.0);
}

TEST_CASE("a GPU file without a published measurement holds only the memory system",
          "[energy][gpu]") {
  const auto path = write_temp("h.json", R"({"name": "X", "measured": null,
    "memory": {"peak_bandwidth_gbs": 3350, "energy_pj_per_bit": 3.4, "source": "spec"}})");
  const GpuReference g = GpuReference::load(path);
  CHECK(g.id == "gcattn_refdata_h");
  CHECK_FALSE(g.measured);
  CHECK(g.peak_bandwidth_gbs == 3350.0);
  CHECK(g.memory_energy_pj_per_bit == 3.4);
}

TEST_CASE("bad GPU and published files name the file and field", "[energy][gpu][errors]") {
  const auto bad = write_temp("bad.json", R"({"name": "X", "memory": {"peak_bandwidth_gbs": -5,
    "energy_pj_per_bit": null, "source": "s"}})");
  CHECK_THROWS_WITH(GpuReference::load(bad),
                    Contains(bad) && Contains("memory.peak_bandwidth_gbs"));
  const auto missing = write_temp("missing.json", R"({"name": "X", "memory": {"source": "s"}})");
  CHECK_THROWS_WITH(GpuReference::load(missing),
                    Contains("peak_bandwidth_gbs") && Contains("null"));
  CHECK_THROWS_WITH(GpuReference::load("no_such_gpu"), Contains("rtx4090"));
  const auto pub =
      write_temp("pub.json", R"({"source": "s", "workload": {"layers": 12, "heads": 12},
    "figures": [{"quantity": "q", "unit": "ns", "value": 65, "tolerance": 2, "doc": "d"}]})");
  CHECK_THROWS_WITH(PublishedFigures::load(pub), Contains("figures[0]") && Contains("tolerance"));
}

TEST_CASE("the published figures are PAPER.md section 6", "[energy][published]") {
  const PublishedFigures p = PublishedFigures::load("leroux2025");
  CHECK(p.layers == 12);
  CHECK(p.heads == 12);
  CHECK(p.at("latency_per_token_layer_ns").value == 65.0);
  CHECK(p.at("latency_per_token_layer_ns").tolerance == 0.01);
  CHECK(p.at("energy_qk_pj").value == 1120.0);
  CHECK(p.at("energy_av_pj").value == 700.0);
  CHECK(p.at("energy_digital_pj").value == 4000.0);
  CHECK(p.at("energy_dac_pj").value == 330.0);
  CHECK(p.at("energy_total_per_head_pj").value == 6150.0);
  for (const char* q : {"energy_qk_pj", "energy_av_pj", "energy_digital_pj", "energy_dac_pj"}) {
    CHECK(p.at(q).tolerance == 0.05);
  }
  CHECK_THROWS_AS(p.at("nonsense"), ConfigError);
}
