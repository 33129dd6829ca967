// End-to-end tests of `gcattn run` and `gcattn calibrate`: the binary run as a user runs it.
#include <catch2/catch.hpp>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <sstream>

#include <boost/json.hpp>

#include "io/npy.h"
#include "support/process.h"
#include "testbench/player/player_support.h"

using namespace gcattn;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

json::object read_json(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return json::parse(ss.str()).as_object();
}

std::string q(const fs::path& p) {
  return "'" + p.string() + "'";
}

double at(const json::object& o, std::initializer_list<const char*> path) {
  const json::value* v = nullptr;
  const json::object* cur = &o;
  for (const char* k : path) {
    v = &cur->at(k);
    if (v->is_object()) cur = &v->as_object();
  }
  return v->to_number<double>();
}

}  // namespace

TEST_CASE("gcattn run: LT and AT replay give identical outputs and simulated times",
          "[cli][run][lt][at]") {
  const test::TempDir dir("lt_at");
  const std::string trace = test::small_trace(dir, 2, 3, 64, 90);
  const std::string common =
      "run --trace " + q(trace) + " --tokens 80 --set array.window_tokens=64";
  const auto lt =
      test::run_process(test::gcattn_command(common + " --mode lt --outputs " + q(dir / "lt.npy") +
                                             " --report-json " + q(dir / "lt.json")));
  INFO(lt.output);
  REQUIRE(lt.exit_code == 0);
  const auto at_run =
      test::run_process(test::gcattn_command(common + " --mode at --outputs " + q(dir / "at.npy") +
                                             " --report-json " + q(dir / "at.json")));
  INFO(at_run.output);
  REQUIRE(at_run.exit_code == 0);
  const io::NpyArray a = io::read_npy((dir / "lt.npy").string()),
                     b = io::read_npy((dir / "at.npy").string());
  REQUIRE(a.shape == std::vector<std::size_t>{80, 2, 3, 64});
  REQUIRE(b.shape == a.shape);
  std::size_t differ = 0, nonzero = 0;
  for (std::size_t i = 0; i < a.data.size(); ++i) {
    differ += a.data[i] != b.data[i];
    nonzero += a.data[i] != 0.0;
  }
  CHECK(differ == 0);
  CHECK(nonzero > a.data.size() / 2);
  const json::object jl = read_json(dir / "lt.json"), ja = read_json(dir / "at.json");
  CHECK(jl.at("run").at("mode").as_string() == "lt");
  CHECK(ja.at("run").at("mode").as_string() == "at");
  CHECK(at(jl, {"timing", "simulated_time_ns"}) == at(ja, {"timing", "simulated_time_ns"}));
  CHECK(at(jl, {"energy", "total_pj"}) == Approx(at(ja, {"energy", "total_pj"})).epsilon(1e-12));
}

TEST_CASE("gcattn run: --host-gap is player.host_gap_ns, kept exactly", "[cli][run]") {
  const test::TempDir dir("host_gap_exact");
  const std::string trace = test::small_trace(dir, 1, 1, 64, 3);
  const auto r = test::run_process(test::gcattn_command(
      "run --trace " + q(trace) + " --host-gap 0.1234567891 --report-json " + q(dir / "r.json")));
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  const json::object o = read_json(dir / "r.json");
  CHECK(at(o, {"config", "player", "host_gap_ns"}) == 0.1234567891);
  CHECK(at(o, {"timing", "host_gap_per_step_ns"}) == 0.1234567891);
}

TEST_CASE("gcattn run: a longer host gap lowers accuracy through leakage", "[cli][run][leakage]") {
  const test::TempDir dir("host_gap");
  const std::string trace = test::small_trace(dir, 2, 2, 64, 60);
  const auto cal = test::run_process(
      test::gcattn_command("calibrate --trace " + q(trace) + " -o " + q(dir / "s.json")));
  INFO(cal.output);
  REQUIRE(cal.exit_code == 0);
  auto run = [&](const std::string& gap, const std::string& name) {
    const auto r = test::run_process(
        test::gcattn_command("run --trace " + q(trace) + " --scalers " + q(dir / "s.json") +
                             " --host-gap " + gap + " --report-json " + q(dir / name)));
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    return read_json(dir / name);
  };
  const json::object fast = run("0", "fast.json"),
                     slow = run("2000000", "slow.json");  // 2 ms per layer step
  CHECK(at(fast, {"timing", "host_gap_per_step_ns"}) == 0.0);
  CHECK(at(slow, {"timing", "host_gap_ns"}) == Approx(2e6 * 120));
  CHECK(at(slow, {"timing", "token_period_ns"}) > 4e6);
  CHECK(at(slow, {"leakage", "oldest_retention"}) < 1e-6);  // 59 tokens x 4 ms >> tau = 5 ms
  CHECK(at(fast, {"leakage", "oldest_retention"}) > 0.99);
  const double c_fast = at(fast, {"accuracy", "overall", "ideal", "cosine"});
  const double c_slow = at(slow, {"accuracy", "overall", "ideal", "cosine"});
  INFO("cosine vs ideal: gap 0 " << c_fast << ", gap 2 ms " << c_slow);
  CHECK(c_slow < c_fast - 0.05);
  CHECK(at(slow, {"accuracy", "overall", "softmax", "relative_rms"}) >
        at(fast, {"accuracy", "overall", "softmax", "relative_rms"}));
  // The accelerator's own latency does not depend on the host.
  CHECK(at(slow, {"timing", "latency_per_token_layer_ns"}) ==
        at(fast, {"timing", "latency_per_token_layer_ns"}));
}

TEST_CASE("gcattn run: the JSON report has every documented field and the CSV and plots follow",
          "[cli][run][report]") {
  const test::TempDir dir("report");
  const std::string trace = test::small_trace(dir, 2, 3, 64, 40, true);
  const auto r = test::run_process(test::gcattn_command("run --trace " + q(trace) +
                                                        " --report-json " + q(dir / "r.json") +
                                                        " --report-csv " + q(dir / "r.csv")));
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.output, Contains("no --scalers given: calibrated"));
  CHECK_THAT(r.output, Contains("65 ns per token and layer"));
  const json::object o = read_json(dir / "r.json");
  CHECK(o.at("complete").as_bool());
  for (const char* k : {"latency_per_token_layer_ns", "latency_per_token_ns", "simulated_time_ns",
                        "host_transfer_ns", "host_gap_ns", "accelerator_busy_ns"}) {
    INFO(k);
    CHECK(o.at("timing").at(k).is_number());
  }
  for (const char* p : {"write_kv", "query_pulses", "charge_to_pulse", "phi_pulses",
                        "output_conversion", "digital_sum"}) {
    CHECK(o.at("timing").at("phases_ns").at(p).is_number());
  }
  for (const char* k : {"dac", "qk", "av", "digital", "total"})
    CHECK(o.at("energy").at("per_token_head_pj").at(k).is_number());
  CHECK(o.at("energy").at("per_token_pj").is_number());
  CHECK(o.at("energy").at("total_pj").is_number());
  CHECK(o.at("energy").at("components").as_object().size() >= 10);
  for (const char* ref : {"softmax", "ideal", "attn_out"}) {
    CHECK(o.at("accuracy").at("overall").at(ref).at("cosine").is_number());
    CHECK(o.at("accuracy").at("overall").at(ref).at("relative_rms").is_number());
  }
  CHECK(o.at("accuracy").at("layers").as_array().size() == 2);
  CHECK(o.at("gpu").at("rows").as_array().size() >= 5);
  CHECK(o.at("config").at("cell").at("model").as_string() == "polynomial");
  CHECK(o.at("config").at("model").at("layers").to_number<int>() == 2);  // geometry from the trace
  CHECK(o.at("trace").at("layers").to_number<int>() == 2);
  CHECK(o.at("trace").at("synthetic").as_bool());
  CHECK(o.at("scalers").at("source").as_string() == "calibrated");
  // Host time is reported apart from the accelerator's own latency.
  const double busy = at(o, {"timing", "accelerator_busy_ns"}),
               transfer = at(o, {"timing", "host_transfer_ns"}),
               gaps = at(o, {"timing", "host_gap_ns"}),
               total = at(o, {"timing", "simulated_time_ns"});
  CHECK(busy == Approx(65.0 * 80));
  CHECK(gaps == Approx(140.0 * 80));
  CHECK(transfer > 0.0);
  CHECK(busy + transfer + gaps <= total * (1 + 1e-12));

  std::ifstream csv(dir / "r.csv");
  std::string line;
  int rows = 0;
  while (std::getline(csv, line)) ++rows;
  CHECK(rows == 1 + 2 * 3);

  // The plot script makes its figures from the report (needs Debian's python3-matplotlib).
  const auto probe = test::run_process("/usr/bin/python3 -c 'import matplotlib'");
  if (probe.exit_code == 0) {
    const auto p =
        test::run_process("/usr/bin/python3 '" GCATTN_SOURCE_DIR "/scripts/plot_report.py' " +
                          q(dir / "r.json") + " -o " + q(dir / "plots"));
    INFO(p.output);
    CHECK(p.exit_code == 0);
    for (const char* f :
         {"energy_breakdown.png", "gpu_comparison.png", "accuracy_per_layer.png", "leakage.png"}) {
      INFO(f);
      CHECK(fs::file_size(dir / "plots" / f) > 1000);
    }
  } else {
    WARN("matplotlib not installed: plot script not exercised");
  }
}

TEST_CASE("gcattn run: a shape that does not fit or a missing or bad file is a clear error",
          "[cli][run][errors]") {
  const test::TempDir dir("errors");
  const std::string trace = test::small_trace(dir, 2, 3, 64, 10);
  const std::string d32 = test::small_trace(dir, 1, 1, 32, 10, false, 3, "d32.safetensors");
  struct Case {
    std::string args;
    int code;
    std::vector<std::string> says;
  };
  std::ofstream(dir / "garbage.json") << "{\"format\": \"gcattn-scalers\"";
  const auto cal = test::run_process(
      test::gcattn_command("calibrate --trace " + q(trace) + " -o " + q(dir / "s.json")));
  REQUIRE(cal.exit_code == 0);
  const std::string other = test::small_trace(dir, 3, 3, 64, 10, false, 3, "other.safetensors");
  const std::vector<Case> cases = {
      {"run --trace " + q(d32), 4, {"d_head = 32", "array.rows = 64"}},
      {"run --trace " + q(trace) + " --tokens 11", 4, {"--tokens 11", "(10)"}},
      {"run --trace " + q(trace) + " --set model.layers=5", 3, {"model.layers = 5", "has 2"}},
      {"run --trace " + q(trace) + " --set model.heads=4", 3, {"model.heads = 4", "has 3"}},
      {"run --trace " + q(dir / "nope.safetensors"), 4, {"nope.safetensors"}},
      {"run --trace " + q(trace) + " --scalers " + q(dir / "nope.json"),
       4,
       {"nope.json", "cannot open"}},
      {"run --trace " + q(trace) + " --scalers " + q(dir / "garbage.json"),
       4,
       {"garbage.json", "JSON"}},
      {"run --trace " + q(other) + " --scalers " + q(dir / "s.json"),
       4,
       {"s.json", "2 layers x 3 heads", "3 x 3"}},
      {"run --trace " + q(trace) + " --mode xt", 2, {"--mode"}},
      {"run --trace " + q(trace) + " --host-gap -1", 2, {"--host-gap"}},
      {"run", 2, {"trace"}},
      {"calibrate --trace " + q(trace) + " -o " + q(dir / "x.json") + " --method magic",
       2,
       {"--method"}},
  };
  for (const auto& c : cases) {
    const auto r = test::run_process(test::gcattn_command(c.args));
    INFO(c.args << "\n" << r.output);
    CHECK(r.exit_code == c.code);
    for (const auto& s : c.says) CHECK_THAT(r.output, Contains(s));
  }
}

namespace {

// Overwrites element `flat` of tensor `name` of a safetensors file with `value`.
void poke_f32(const std::string& path, const std::string& name, std::size_t flat, float value) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  std::uint64_t n = 0;
  f.read(reinterpret_cast<char*>(&n), 8);
  std::string header(n, ' ');
  f.read(header.data(), static_cast<std::streamsize>(n));
  const auto begin =
      json::parse(header).at(name).at("data_offsets").at(0).to_number<std::uint64_t>();
  f.seekp(static_cast<std::streamoff>(8 + n + begin + 4 * flat));
  f.write(reinterpret_cast<const char*>(&value), 4);
}

}  // namespace

TEST_CASE("gcattn run: NaN in a replayed token is an input error naming its index",
          "[cli][run][errors]") {
  const test::TempDir dir("nan");
  const std::string trace = test::small_trace(dir, 2, 3, 64, 10);
  REQUIRE(test::run_process(
              test::gcattn_command("calibrate --trace " + q(trace) + " -o " + q(dir / "s.json")))
              .exit_code == 0);
  // k[token 6, layer 1, head 2, dim 5]: [tokens, layers, heads, d_head] row-major.
  poke_f32(trace, "k", ((6 * 2 + 1) * 3 + 2) * 64 + 5, std::numeric_limits<float>::quiet_NaN());
  const auto cal = test::run_process(test::gcattn_command("calibrate --trace " + q(trace) +
                                                          " --tokens 4 -o " + q(dir / "s2.json")));
  INFO(cal.output);
  CHECK(cal.exit_code == 4);  // calibrate checks the whole file at open
  CHECK_THAT(cal.output,
             Contains("tensor 'k' holds NaN at index [token 6, layer 1, head 2, dim 5]"));

  // With scalers given, run streams through the trace: the tokens before the bad one replay.
  const auto r = test::run_process(test::gcattn_command("run --trace " + q(trace) + " --scalers " +
                                                        q(dir / "s.json") + " --report-json " +
                                                        q(dir / "r.json")));
  INFO(r.output);
  CHECK(r.exit_code == 4);
  CHECK_THAT(r.output,
             Contains("tensor 'k' holds NaN at index [token 6, layer 1, head 2, dim 5]") &&
                 Contains("token 6") && Contains("--tokens 6"));
  CHECK_FALSE(fs::exists(dir / "r.json"));
  // Calibrating in the run reads the prefix first: refused before any replay.
  const auto c = test::run_process(test::gcattn_command("run --trace " + q(trace)));
  CHECK(c.exit_code == 4);
  CHECK_THAT(c.output, Contains("[token 6, layer 1, head 2, dim 5]"));
  CHECK_THAT(c.output, !Contains("was due"));
  // The tokens before it replay.
  const auto ok = test::run_process(test::gcattn_command("run --trace " + q(trace) + " --scalers " +
                                                         q(dir / "s.json") + " --tokens 6"));
  CHECK(ok.exit_code == 0);
}

TEST_CASE("gcattn run: SIGINT writes a report marked incomplete and exits 130",
          "[cli][run][sigint]") {
  const test::TempDir dir("sigint");
  // The signal arrives once the simulation runs: SystemC writes the VCD header in the first
  // delta cycle (a fixed sleep raced the run, which now ends within a second on a fast machine).
  // One thread and waveforms keep the rest of the run seconds long.
  const std::string trace = test::small_trace(dir, 8, 8, 64, 1024);
  const std::string vcd = (dir / "w.vcd").string();
  const std::string cmd = test::gcattn_command(
      "run --trace " + q(trace) + " --calibrate-tokens 8 --threads 1 --vcd " + q(dir / "w") +
      " --report-json " + q(dir / "r.json") + " --report-csv " + q(dir / "r.csv"));
  // No subshell: $! is the gcattn process itself.
  const auto r = test::run_process(cmd + " & pid=$!; for i in $(seq 600); do [ -s " + q(vcd) +
                                   " ] && break; sleep 0.05; done; kill -INT $pid; wait $pid; "
                                   "echo \"exit=$?\"");
  INFO(r.output);
  CHECK_THAT(r.output, Contains("exit=130"));
  CHECK_THAT(r.output, Contains("run INCOMPLETE"));
  const json::object o = read_json(dir / "r.json");
  CHECK_FALSE(o.at("complete").as_bool());
  CHECK_THAT(std::string(o.at("stop_reason").as_string()), Contains("SIGINT"));
  const double done = o.at("run").at("tokens_simulated").to_number<double>();
  CHECK(done < 1024);
  CHECK(at(o, {"timing", "layer_steps"}) >= done * 8);
  CHECK(fs::exists(dir / "r.csv"));
}

TEST_CASE("gcattn calibrate: writes a scalers file that run accepts and says what it did",
          "[cli][calibrate]") {
  const test::TempDir dir("calibrate_cli");
  const std::string trace = test::small_trace(dir, 2, 2, 64, 30);
  for (const char* method : {"range", "paper"}) {
    const auto c =
        test::run_process(test::gcattn_command("calibrate --trace " + q(trace) + " --method " +
                                               method + " --tokens 20 -o " + q(dir / "s.json")));
    INFO(c.output);
    REQUIRE(c.exit_code == 0);
    CHECK_THAT(c.output, Contains(std::string("method ") + method) && Contains("first 20 tokens"));
    const auto r = test::run_process(test::gcattn_command("run --trace " + q(trace) +
                                                          " --scalers " + q(dir / "s.json") +
                                                          " --report-json " + q(dir / "r.json")));
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.output, !Contains("calibrated the scalers here"));
    const json::object o = read_json(dir / "r.json");
    CHECK(o.at("scalers").at("source").as_string() == "file");
    CHECK(o.at("scalers").at("method").as_string() == method);
  }
}
