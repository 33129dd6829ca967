// `gcattn sweep` end to end through the built program: the local and GNU parallel backends, resume,
// failures, refusals, and the plotting script. The Slurm backend has its own test (tests.cmake).
#include <algorithm>
#include <filesystem>
#include <string>

#include <catch2/catch.hpp>

#include "testbench/player/player_support.h"
#include "testbench/sweep/sweep_support.h"

namespace gcattn {
namespace {

namespace fs = std::filesystem;
using Catch::Matchers::Contains;
using test::quoted;

test::ProcessResult sweep(const std::string& args) {
  return test::run_process(test::gcattn_command("sweep " + args));
}

}  // namespace

TEST_CASE("gcattn sweep: local backend end to end, and a rerun skips finished units",
          "[cli][sweep]") {
  const test::TempDir dir("sweep_local");
  test::write_text(dir / "spec.json", test::small_spec());
  const auto r =
      sweep("run " + quoted(dir / "spec.json") + " --out " + quoted(dir / "out") + " -j 2");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.output, Contains("4 units, 0 already done, 4 to run (local)") &&
                           Contains("4 of 4 units done"));
  const auto c = sweep("collect " + quoted(dir / "out") + " -o " + quoted(dir / "r.csv") +
                       " --json " + quoted(dir / "r.jsonl"));
  INFO(c.output);
  REQUIRE(c.exit_code == 0);
  const auto rows = test::without_wall_times(test::read_text(dir / "r.csv"));
  REQUIRE(rows.size() == 5);
  CHECK_THAT(rows[0],
             Contains("id,state,exit_code,error,trace,kv_dac.levels,output.levels,tokens,"
                      "latency_per_token_ns,latency_per_token_layer_ns,token_period_ns,"
                      "energy_per_token_pj,energy_per_token_head_pj,energy_dac_pj,energy_qk_pj,"
                      "energy_av_pj,energy_digital_pj,cosine_softmax"));
  for (std::size_t i = 1; i < rows.size(); ++i) {
    CHECK_THAT(rows[i], Contains(",done,0,,"));
    CHECK_THAT(rows[i], Contains(",4,260,65,"));  // 4 tokens; 65 ns per layer step, 4 layers
    CHECK(rows[i].find(",,", rows[i].find("shakespeare")) == std::string::npos);  // every metric
  }
  // Fewer output levels change accuracy: the points really differ in their metrics.
  const auto metrics = [&](std::size_t i) { return rows[i].substr(rows[i].find(",4,260,65,")); };
  CHECK(metrics(1) != metrics(2));
  const std::string jsonl = test::read_text(dir / "r.jsonl");
  CHECK(std::count(jsonl.begin(), jsonl.end(), '\n') == 4);
  CHECK_THAT(jsonl, Contains("\"kv_dac.levels\":4,\"output.levels\":16,\"tokens\":4,"));

  // Every unit's full report is there; a rerun runs nothing and leaves them alone.
  std::size_t reports = 0;
  for (const auto& e : fs::directory_iterator(dir / "out" / "units")) {
    REQUIRE(fs::exists(e.path() / "report.json"));
    CHECK_THAT(test::read_text(e.path() / "report.json"),
               Contains("\"format\": \"gcattn-run-report\""));
    ++reports;
  }
  CHECK(reports == 4);
  const auto stamp =
      fs::last_write_time(fs::directory_iterator(dir / "out" / "units")->path() / "report.json");
  const auto again = sweep("run " + quoted(dir / "spec.json") + " --out " + quoted(dir / "out"));
  INFO(again.output);
  CHECK(again.exit_code == 0);
  CHECK_THAT(again.output, Contains("4 units, 4 already done, 0 to run"));
  CHECK(fs::last_write_time(fs::directory_iterator(dir / "out" / "units")->path() /
                            "report.json") == stamp);

  // A unit lost (e.g. its cluster job cancelled) is run again, and only it.
  const fs::path lost = fs::directory_iterator(dir / "out" / "units")->path();
  fs::remove(lost / "state.json");
  const auto resumed = sweep("run " + quoted(dir / "spec.json") + " --out " + quoted(dir / "out"));
  INFO(resumed.output);
  CHECK(resumed.exit_code == 0);
  CHECK_THAT(resumed.output, Contains("3 already done, 1 to run") && Contains("4 of 4 units done"));
  const auto status = sweep("status " + quoted(dir / "out"));
  CHECK_THAT(status.output, Contains("4 units: 4 done, 0 failed"));
}

TEST_CASE("gcattn sweep: GNU parallel gives the local backend's table", "[cli][sweep]") {
  const test::TempDir dir("sweep_parallel");
  test::write_text(dir / "spec.json", test::small_spec());
  for (const char* backend : {"local", "parallel"}) {
    const auto r = sweep("run " + quoted(dir / "spec.json") + " --out " + quoted(dir / backend) +
                         " --backend " + backend + " -j 2");
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    REQUIRE(sweep("collect " + quoted(dir / backend) + " -o " +
                  quoted(dir / (std::string(backend) + ".csv")))
                .exit_code == 0);
  }
  CHECK(fs::exists(dir / "parallel" / "parallel" / "joblog.txt"));
  const auto local = test::without_wall_times(test::read_text(dir / "local.csv"));
  const auto parallel = test::without_wall_times(test::read_text(dir / "parallel.csv"));
  REQUIRE(local.size() == 5);
  CHECK(local == parallel);
}

TEST_CASE("gcattn sweep: a failing unit is recorded with its message and exit code, the others run",
          "[cli][sweep][errors]") {
  const test::TempDir dir("sweep_fail");
  const std::string good = test::small_trace(dir, 2, 2, 64, 6, false, 3, "good.safetensors");
  const std::string bad =
      test::small_trace(dir, 2, 2, 32, 6, false, 3, "d32.safetensors");  // d_head != array.rows
  test::write_text(dir / "spec.json", R"({"axes": {"kv_dac.levels": [4, 8]}, "traces": [")" + good +
                                          R"(", ")" + bad + R"("], "run": {"tokens": 4}})");
  const auto r = sweep("run " + quoted(dir / "spec.json") + " --out " + quoted(dir / "out"));
  INFO(r.output);
  CHECK(r.exit_code == 5);
  CHECK_THAT(r.output, Contains("2 of 4 units done, 2 failed") &&
                           Contains("failed (exit 4): gcattn run: input error: ") &&
                           Contains("d_head = 32"));
  const auto c = sweep("collect " + quoted(dir / "out") + " -o " + quoted(dir / "r.csv"));
  CHECK(c.exit_code == 0);
  CHECK_THAT(c.output, Contains("4 rows: 2 done, 2 failed, 0 not finished"));
  const std::string csv = test::read_text(dir / "r.csv");
  CHECK_THAT(csv, Contains(",failed,4,gcattn run: input error: ") && Contains(",done,0,,"));
  const auto status = sweep("status " + quoted(dir / "out"));
  CHECK_THAT(status.output, Contains("2 done, 2 failed") && Contains("log.txt"));
}

TEST_CASE("gcattn sweep: bad specs are refused before anything runs", "[cli][sweep][errors]") {
  const test::TempDir dir("sweep_badspec");
  std::string spec = test::small_spec();
  test::write_text(dir / "unknown.json",
                   spec.replace(spec.find("kv_dac.levels"), 13, "kv_dac.level"));
  auto r = sweep("run " + quoted(dir / "unknown.json") + " --out " + quoted(dir / "out"));
  CHECK(r.exit_code == 3);
  CHECK_THAT(r.output,
             Contains("unknown.json: axes.kv_dac.level[0]: unknown parameter 'kv_dac.level'"));
  spec = test::small_spec();
  test::write_text(dir / "range.json", spec.replace(spec.find("[16, 32]"), 8, "[16, 1]"));
  r = sweep("run " + quoted(dir / "range.json") + " --out " + quoted(dir / "out"));
  CHECK(r.exit_code == 3);
  CHECK_THAT(r.output,
             Contains("axes.output.levels[1]: parameter 'output.levels' = 1: out of range"));
  CHECK_FALSE(fs::exists(dir / "out"));
}

TEST_CASE("gcattn sweep: another sweep's directory is never overwritten", "[cli][sweep][errors]") {
  const test::TempDir dir("sweep_refuse");
  test::write_text(dir / "spec.json", test::small_spec());
  REQUIRE(sweep("run " + quoted(dir / "spec.json") + " --out " + quoted(dir / "out")).exit_code ==
          0);
  const std::string manifest = test::read_text(dir / "out" / "manifest.json");
  std::string changed = test::small_spec();
  test::write_text(dir / "changed.json",
                   changed.replace(changed.find("\"tokens\": 4"), 11, "\"tokens\": 3"));
  auto r = sweep("run " + quoted(dir / "changed.json") + " --out " + quoted(dir / "out"));
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.output,
             Contains("holds a sweep of another spec (differs in: run)") && Contains("new --out"));
  CHECK(test::read_text(dir / "out" / "manifest.json") == manifest);

  // --extend adopts a grown spec: the four finished units are kept, the two new ones run.
  std::string grown = test::small_spec();
  test::write_text(dir / "grown.json", grown.replace(grown.find("[4, 8]"), 6, "[4, 8, 16]"));
  r = sweep("run " + quoted(dir / "grown.json") + " --out " + quoted(dir / "out") + " --extend");
  INFO(r.output);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.output,
             Contains("6 units, 4 already done, 2 to run") && Contains("6 of 6 units done"));

  fs::create_directories(dir / "other");
  test::write_text(dir / "other" / "keep.txt", "mine");
  r = sweep("run " + quoted(dir / "spec.json") + " --out " + quoted(dir / "other"));
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.output, Contains("is not a gcattn sweep directory (no manifest.json)"));
  CHECK(test::read_text(dir / "other" / "keep.txt") == "mine");
  CHECK_FALSE(fs::exists(dir / "other" / "units"));
}

TEST_CASE("gcattn sweep: the Slurm backend without sbatch says what is missing",
          "[cli][sweep][errors]") {
  const test::TempDir dir("sweep_nosbatch");
  test::write_text(dir / "spec.json", test::small_spec());
  const auto r =
      test::run_process("PATH=/nonexistent " +
                        test::gcattn_command("sweep run " + quoted(dir / "spec.json") + " --out " +
                                             quoted(dir / "out") + " --backend slurm"));
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.output,
             Contains("--backend slurm needs sbatch on PATH") && Contains("slurm-client"));
  CHECK_FALSE(fs::exists(dir / "out"));
}

TEST_CASE("gcattn sweep: the shipped example spec is valid", "[cli][sweep]") {
  // Relative trace paths resolve against the current directory: the repository root here.
  const auto r = test::run_process(
      "cd " + test::quoted(GCATTN_SOURCE_DIR) + " && " +
      test::gcattn_command("sweep run examples/sweeps/converters.json --dry-run"));
  INFO(r.output);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.output, Contains("18 units: 18 points x 1 trace(s)") &&
                           Contains("kv_dac.levels=16 output.levels=64 player.host_gap_ns=4200"));
}

TEST_CASE("plot_sweep.py draws Pareto fronts and sensitivity plots from a collected table",
          "[cli][sweep][plots]") {
  const test::TempDir dir("sweep_plot");
  test::write_text(dir / "spec.json", test::small_spec());
  REQUIRE(sweep("run " + quoted(dir / "spec.json") + " --out " + quoted(dir / "out")).exit_code ==
          0);
  REQUIRE(sweep("collect " + quoted(dir / "out") + " -o " + quoted(dir / "r.csv")).exit_code == 0);
  const auto p = test::run_process("/usr/bin/python3 " + std::string(GCATTN_SOURCE_DIR) +
                                   "/scripts/plot_sweep.py " + quoted(dir / "r.csv") + " -o " +
                                   quoted(dir / "plots"));
  INFO(p.output);
  REQUIRE(p.exit_code == 0);
  for (const char* png : {"pareto_energy_accuracy.png", "pareto_latency_energy.png",
                          "sensitivity_kv_dac.levels.png", "sensitivity_output.levels.png"}) {
    INFO(png);
    CHECK(fs::file_size(dir / "plots" / png) > 1000);
  }
}

}  // namespace gcattn
