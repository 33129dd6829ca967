// Determinism across thread counts: `gcattn run` and `gcattn calibrate` with 1 and with several
// worker threads give byte-identical reports (wall-clock fields aside), outputs, scalers and VCD.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include <boost/json.hpp>

#include "support/process.h"
#include "testbench/player/player_support.h"

using namespace gcattn;
namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The report without the fields that hold wall-clock time or the command line itself.
json::object stable(const fs::path& p) {
  json::object o = json::parse(slurp(p)).as_object();
  o.erase("wall_time_s");
  o.erase("command_line");
  return o;
}

std::string q(const fs::path& p) {
  return "'" + p.string() + "'";
}

}  // namespace

TEST_CASE("gcattn run: reports, outputs and VCD are identical for 1 and 3 threads",
          "[cli][run][threads]") {
  const test::TempDir dir("threads");
  // 5 heads over 3 threads: uneven shares. Leakage in simulated time, calibration in the run,
  // every accuracy reference (the trace has attn_out), data-dependent timing.
  const std::string trace = test::small_trace(dir, 2, 5, 64, 70, true, 21);
  for (const char* mode : {"lt", "at"}) {
    for (int threads : {1, 3}) {
      const std::string tag = std::string(mode) + std::to_string(threads);
      const auto r = test::run_process(test::gcattn_command(
          "run --trace " + q(trace) + " --mode " + mode + " --threads " + std::to_string(threads) +
          " --set timing.data_dependent=true --report-json " + q(dir / (tag + ".json")) +
          " --outputs " + q(dir / (tag + ".npy")) + " --vcd " + q(dir / tag) +
          " --vcd-scope 1:4:1"));
      INFO(r.output);
      REQUIRE(r.exit_code == 0);
    }
    const std::string one = std::string(mode) + "1", three = std::string(mode) + "3";
    CHECK(stable(dir / (one + ".json")) == stable(dir / (three + ".json")));
    CHECK(slurp(dir / (one + ".npy")) == slurp(dir / (three + ".npy")));
    // The VCD header carries the date: compare from the end of the $date section on.
    const std::string v1 = slurp(dir / (one + ".vcd")), v3 = slurp(dir / (three + ".vcd"));
    REQUIRE(v1.find("\n#") != std::string::npos);  // value changes were recorded
    CHECK(v1.substr(v1.find("$version")) == v3.substr(v3.find("$version")));
  }
  // Without the VCD observer the step runs its heads in two sections: same report again.
  const auto r = test::run_process(test::gcattn_command(
      "run --trace " + q(trace) + " --threads 2 --set timing.data_dependent=true --report-json " +
      q(dir / "plain2.json")));
  REQUIRE(r.exit_code == 0);
  CHECK(stable(dir / "plain2.json") == stable(dir / "lt1.json"));
}

TEST_CASE("gcattn run --functional off: one report for 1 thread and for 2 (the trace read ahead)",
          "[cli][run][threads]") {
  const test::TempDir dir("threads_timing_only");
  // 70 tokens: two read-ahead blocks of at most 64 tokens (player/token_stream.h).
  const std::string trace = test::small_trace(dir, 2, 5, 64, 70, true, 22);
  for (int threads : {1, 2}) {
    const auto r = test::run_process(test::gcattn_command(
        "run --trace " + q(trace) + " --functional off --threads " + std::to_string(threads) +
        " --report-json " + q(dir / (std::to_string(threads) + ".json"))));
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
  }
  CHECK(stable(dir / "1.json") == stable(dir / "2.json"));
}

TEST_CASE("gcattn calibrate: scalers are identical for 1 and 4 threads",
          "[cli][calibrate][threads]") {
  const test::TempDir dir("calib_threads");
  const std::string trace = test::small_trace(dir, 3, 3, 64, 40, false, 8);
  for (const char* method : {"range", "paper"}) {
    for (int threads : {1, 4}) {
      const auto r = test::run_process(
          test::gcattn_command("calibrate --trace " + q(trace) + " --method " + method +
                               " --threads " + std::to_string(threads) + " -o " +
                               q(dir / (std::string(method) + std::to_string(threads) + ".json"))));
      INFO(r.output);
      REQUIRE(r.exit_code == 0);
    }
    CHECK(slurp(dir / (std::string(method) + "1.json")) ==
          slurp(dir / (std::string(method) + "4.json")));
  }
  const auto bad = test::run_process(test::gcattn_command(
      "calibrate --trace " + q(trace) + " --threads 100000 -o " + q(dir / "x.json")));
  CHECK(bad.exit_code == 2);
  CHECK(bad.output.find("--threads") != std::string::npos);
}

TEST_CASE("gcattn run: with device variation and noise on, 1 and 3 threads give one report",
          "[cli][run][threads][variation]") {
  const test::TempDir dir("threads_variation");
  const std::string trace = test::small_trace(dir, 2, 5, 64, 40, false, 5);
  const std::string varied =
      " --set variation.cell_gain_sigma=0.05 --set variation.tau_sigma=0.3"
      " --set variation.converter_offset_sigma_lsb=0.5 --set noise.read_sigma=0.02"
      " --set noise.write_sigma_v=0.01 --set leakage.mode=time";
  for (int threads : {1, 3}) {
    const auto r = test::run_process(test::gcattn_command(
        "run --trace " + q(trace) + varied + " --threads " + std::to_string(threads) +
        " --report-json " + q(dir / (std::to_string(threads) + ".json")) + " --outputs " +
        q(dir / (std::to_string(threads) + ".npy"))));
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
  }
  CHECK(stable(dir / "1.json") == stable(dir / "3.json"));
  CHECK(slurp(dir / "1.npy") == slurp(dir / "3.npy"));
}
