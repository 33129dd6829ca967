// The command-line bad-input suite (docs/reliability.md): every class of bad input, run as a
// user runs it. Each case asserts the exit code, a message naming the culprit, and that no file
// in the working folder changed or appeared (no destroyed input, no overwritten output, no
// stale temporary file). Stop signals: SIGTERM and SIGHUP behave as SIGINT.
#include <catch2/catch.hpp>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "support/process.h"
#include "testbench/player/player_support.h"

using namespace gcattn;
namespace fs = std::filesystem;

namespace {

std::string q(const fs::path& p) {
  return "'" + p.string() + "'";
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Every regular file below dir with its content's hash; directories by name.
std::map<std::string, std::size_t> snapshot(const fs::path& dir) {
  std::map<std::string, std::size_t> s;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    const std::string rel = fs::relative(e.path(), dir).string();
    s[rel] = e.is_regular_file() ? std::hash<std::string>{}(slurp(e.path())) : 0;
  }
  return s;
}

struct Case {
  std::string args;                   // gcattn arguments, run in the fixture folder
  int exit_code;                      // expected
  std::vector<std::string> contains;  // in the message
};

// Runs each case in dir and checks exit code, message and an unchanged folder.
void run_cases(const fs::path& dir, const std::vector<Case>& cases,
               const std::string& binary = GCATTN_BINARY) {
  for (const Case& c : cases) {
    const auto before = snapshot(dir);
    const auto r =
        test::run_process("cd " + q(dir) + " && SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1 timeout 60 '" +
                          binary + "' " + c.args);
    INFO("gcattn " << c.args << "\n" << r.output);
    CHECK(r.exit_code == c.exit_code);
    for (const auto& s : c.contains) CHECK_THAT(r.output, Catch::Contains(s));
    CHECK_THAT(r.output, !Catch::Contains("internal error"));
    const auto after = snapshot(dir);
    for (const auto& [name, hash] : after) {
      INFO("file " << name);
      CHECK(before.count(name) == 1);
      if (before.count(name)) CHECK(before.at(name) == hash);
    }
    CHECK(after.size() == before.size());
  }
}

// A folder with a trace (2 layers x 2 heads x d_head 64, 8 tokens), its scalers and a copy of
// the shipped GPT-2 checkpoint.
struct Fixture {
  test::TempDir dir;
  explicit Fixture(const std::string& name) : dir(name) {
    test::small_trace(dir, 2, 2, 64, 8, false, 3, "t.safetensors");
    const auto r = test::run_process(test::gcattn_command(
        "calibrate --trace " + q(dir / "t.safetensors") + " -o " + q(dir / "s.json")));
    REQUIRE(r.exit_code == 0);
    std::ofstream(dir / "existing.json") << "{\"keep\": true}\n";
    fs::create_directory(dir / "folder");
    std::ofstream(dir / "folder" / "S.npy") << "an input that must survive";
  }
  void copy_model() {
    fs::copy(fs::path(GCATTN_SOURCE_DIR) / "traces/models/shakespeare-gpt2-mini", dir / "m",
             fs::copy_options::recursive);
    std::ofstream(dir / "prompt.txt") << "ROMEO:";
  }
};

}  // namespace

TEST_CASE(
    "Bad input: an output that is an input, a folder, missing or used twice is refused before any "
    "work",
    "[cli][bad-input][outputs]") {
  Fixture f("bad_outputs");
  run_cases(
      f.dir,
      {
          {"run --trace t.safetensors --report-json t.safetensors",
           2,
           {"--report-json 't.safetensors'", "--trace", "same file"}},
          {"run --trace t.safetensors --outputs ./t.safetensors", 2, {"--outputs", "same file"}},
          {"run --trace t.safetensors --scalers s.json --report-csv s.json",
           2,
           {"--report-csv", "--scalers", "same file"}},
          {"run --trace t.safetensors --report-json r.json --report-csv r.json",
           2,
           {"--report-csv 'r.json'", "--report-json 'r.json'"}},
          {"run --trace t.safetensors --report-json folder", 2, {"'folder' is a directory"}},
          {"run --trace t.safetensors --report-json nofolder/r.json",
           2,
           {"nofolder", "does not exist"}},
          {"run --trace t.safetensors --vcd nofolder/w",
           2,
           {"--vcd", "nofolder/w.vcd", "does not exist"}},
          {"run --trace t.safetensors --vcd t.safetensors --report-json t.safetensors.vcd",
           2,
           {"--vcd", "--report-json"}},
          {"calibrate --trace t.safetensors -o t.safetensors",
           2,
           {"--output 't.safetensors'", "same file"}},
          {"calibrate --trace t.safetensors -o folder", 2, {"is a directory"}},
          {"trace synth --layers 1 --heads 1 --dhead 64 --tokens 2 -o nofolder/x.safetensors",
           2,
           {"nofolder"}},
          {"trace synth --layers 1 --heads 1 --dhead 64 --tokens 2 -o folder",
           2,
           {"is a directory"}},
          {"tile --q folder/S.npy --k k.npy --v v.npy --out-dir folder",
           2,
           {"--q 'folder/S.npy'", "same file"}},
      });
}

TEST_CASE("Bad input: trace gpt2 never overwrites its checkpoint or prompt and bounds --threads",
          "[cli][bad-input][gpt2]") {
  Fixture f("bad_gpt2");
  f.copy_model();
  run_cases(f.dir,
            {
                {"trace gpt2 --model m --prompt x --tokens 8 -o m/model.safetensors",
                 2,
                 {"m/model.safetensors", "--model", "same file"}},
                {"trace gpt2 --model m --prompt x --tokens 8 -o m/vocab.json", 2, {"same file"}},
                {"trace gpt2 --model m --prompt-file prompt.txt --tokens 8 -o prompt.txt",
                 2,
                 {"--prompt-file", "same file"}},
                {"trace gpt2 --model m --prompt x --tokens 8 --threads 10000 -o o.safetensors",
                 2,
                 {"--threads", "10000"}},
                {"trace gpt2 --model m --prompt x --tokens 8 --threads -1 -o o.safetensors",
                 2,
                 {"--threads"}},
                {"trace gpt2 --model m --prompt-file folder --tokens 8 -o o.safetensors",
                 4,
                 {"folder", "is a directory"}},
                {"trace verify t.safetensors --model m --threads 100000", 2, {"--threads"}},
            });
  // Readers of the checkpoint directory given a directory where a file belongs.
  fs::rename(f.dir / "m/vocab.json", f.dir / "vocab.json.orig");
  fs::create_directory(f.dir / "m/vocab.json");
  run_cases(f.dir, {{"trace gpt2 --model m --prompt x --tokens 8 -o o.safetensors",
                     4,
                     {"m/vocab.json", "is a directory"}}});
  fs::remove(f.dir / "m/vocab.json");
  fs::rename(f.dir / "vocab.json.orig", f.dir / "m/vocab.json");
  fs::rename(f.dir / "m/config.json", f.dir / "config.json.orig");
  fs::create_directory(f.dir / "m/config.json");
  run_cases(f.dir, {{"trace gpt2 --model m --prompt x --tokens 8 -o o.safetensors",
                     4,
                     {"m/config.json", "is a directory"}}});
}

TEST_CASE("Bad input: malformed numbers, shapes and files are input errors naming the file",
          "[cli][bad-input][readers]") {
  Fixture f("bad_readers");
  const auto npy = [&](const std::string& name, const std::string& shape, std::size_t bytes) {
    std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }";
    header.append((64 - (10 + header.size() + 1) % 64) % 64, ' ');
    header.push_back('\n');
    std::ofstream out(f.dir / name, std::ios::binary);
    out.write("\x93NUMPY\x01\x00", 8);
    out.put(static_cast<char>(header.size() & 0xff)).put(static_cast<char>(header.size() >> 8));
    out << header << std::string(bytes, '\0');
  };
  npy("neg.npy", "(-1, -1)", 16);
  npy("huge.npy", "(9223372036854775808, 4)", 0);
  npy("nodata.npy", "(1000000000, 64)", 0);
  npy("suffix.npy", "(4x, 64)", 0);
  std::string scalers = slurp(f.dir / "s.json");
  const auto edit = [&](const std::string& name, const std::string& from, const std::string& to) {
    std::string s = scalers;
    REQUIRE(s.find(from) != std::string::npos);
    s.replace(s.find(from), from.size(), to);
    std::ofstream(f.dir / name) << s;
  };
  edit("s_big.json", "\"layers\": 2", "\"layers\": 18446744073709551615");
  edit("s_neg.json", "\"calibration_tokens\": 8", "\"calibration_tokens\": -1");
  edit("s_huge.json", "\"heads\": 2", "\"heads\": 1048576");
  std::ofstream(f.dir / "self.json") << "{\"extends\": \"self.json\"}";
  run_cases(
      f.dir,
      {
          {"tile --q neg.npy --k neg.npy --v neg.npy --out-dir folder", 4, {"neg.npy", "'-1'"}},
          {"tile --q huge.npy --k huge.npy --v huge.npy --out-dir folder",
           4,
           {"huge.npy", "too many elements"}},
          {"tile --q nodata.npy --k nodata.npy --v nodata.npy --out-dir folder",
           4,
           {"nodata.npy", "truncated"}},
          {"tile --q suffix.npy --k suffix.npy --v suffix.npy --out-dir folder",
           4,
           {"suffix.npy", "'4x'"}},
          {"tile --q folder --k folder --v folder --out-dir folder",
           4,
           {"folder", "is a directory"}},
          {"run --trace t.safetensors --scalers s_big.json", 4, {"s_big.json", "'layers'"}},
          {"run --trace t.safetensors --scalers s_neg.json",
           4,
           {"s_neg.json", "'calibration_tokens'"}},
          {"run --trace t.safetensors --scalers s_huge.json", 4, {"s_huge.json", "scalers[0]"}},
          {"run --trace t.safetensors --scalers folder", 4, {"folder", "is a directory"}},
          {"run --trace folder", 4, {"folder"}},
          {"trace info folder", 4, {"folder"}},
          {"config validate folder", 3, {"folder", "is a directory"}},
          {"config validate /dev/zero", 3, {"/dev/zero", "larger than"}},
          {"config validate self.json", 3, {"self.json", "cycle"}},
      });
}

TEST_CASE("Bad input: options that would give a silently wrong or empty result are refused",
          "[cli][bad-input][options]") {
  Fixture f("bad_options");
  // 20,480 layer steps at the schema's largest host gap pass 2^64 ps of simulated time.
  test::small_trace(f.dir, 1, 1, 64, 20480, false, 3, "long.safetensors");
  run_cases(
      f.dir,
      {
          {"run --trace long.safetensors --set player.host_gap_ns=1e12",
           3,
           {"player.host_gap_ns", "SystemC"}},
          {"run --trace long.safetensors --host-gap 1e12", 3, {"player.host_gap_ns", "--tokens"}},
          {"run --trace t.safetensors --functional off --outputs o.npy",
           2,
           {"--outputs", "functional"}},
          {"calibrate --trace t.safetensors --tokens 9 -o c.json", 2, {"--tokens 9", "8 tokens"}},
          {"run --trace t.safetensors --calibrate-method fast", 2, {"--calibrate-method"}},
          {"run --trace t.safetensors --vcd w --vcd-scope nan:0:0", 2, {"--vcd-scope", "nan"}},
          {"run --trace t.safetensors --vcd w --vcd-scope 1e30:0:0", 2, {"--vcd-scope"}},
          {"run --trace t.safetensors --vcd w --vcd-scope 0:0:", 2, {"--vcd-scope"}},
          {"trace synth --layers 1 --heads 1 --dhead 64 --tokens 4 --scale 1e6 --dtype f16 -o "
           "x.safetensors",
           2,
           {"float16", "--scale"}},
      });
}

TEST_CASE("Stop signals: SIGTERM and SIGHUP stop a run as SIGINT does, with an incomplete report",
          "[cli][bad-input][signals]") {
  const test::TempDir dir("signals_run");
  // Long enough that the signal arrives during the calibration or the replay.
  const std::string trace = test::small_trace(dir, 4, 4, 64, 3000);
  for (const int sig : {SIGTERM, SIGHUP, SIGINT}) {
    const fs::path report = dir / ("r" + std::to_string(sig) + ".json");
    const pid_t pid = test::spawn_gcattn("run --trace " + q(trace) + " --report-json " + q(report),
                                         (dir / "log").string());
    REQUIRE(pid > 0);
    REQUIRE(test::wait_for_handler(pid, sig, std::chrono::seconds(30)));
    kill(pid, sig);
    const int code = test::wait_process(pid);
    INFO("signal " << sig << ": " << slurp(dir / "log"));
    CHECK(code == 130);
    REQUIRE(fs::exists(report));
    const auto j = boost::json::parse(slurp(report)).as_object();
    CHECK(j.at("complete").as_bool() == false);
    const std::string name = sig == SIGTERM ? "SIGTERM" : sig == SIGHUP ? "SIGHUP" : "SIGINT";
    CHECK_THAT(std::string(j.at("stop_reason").as_string()), Catch::Contains(name));
  }
  for (const auto& e : fs::directory_iterator(dir)) {
    CHECK_THAT(e.path().filename().string(), !Catch::Contains("partial"));
  }
}

TEST_CASE("Stop signals: trace synth, trace gpt2 and calibrate leave no partial file",
          "[cli][bad-input][signals]") {
  const test::TempDir dir("signals_trace");
  const std::string trace = test::small_trace(dir, 4, 4, 64, 3000);
  const std::string model =
      (fs::path(GCATTN_SOURCE_DIR) / "traces/models/shakespeare-gpt2-mini").string();
  const std::vector<std::pair<std::string, int>> commands = {
      {"trace synth --shape gpt2 --tokens 4000 --attn-out -o " + q(dir / "out" / "s.safetensors"),
       SIGTERM},
      {"trace gpt2 --model " + q(model) + " --prompt ROMEO: --tokens 256 --threads 1 -o " +
           q(dir / "out" / "g.safetensors"),
       SIGHUP},
      {"calibrate --trace " + q(trace) + " --method paper -o " + q(dir / "out" / "c.json"),
       SIGTERM},
  };
  fs::create_directory(dir / "out");
  for (const auto& [args, sig] : commands) {
    const pid_t pid = test::spawn_gcattn(args, (dir / "log").string());
    REQUIRE(pid > 0);
    REQUIRE(test::wait_for_handler(pid, sig, std::chrono::seconds(30)));
    kill(pid, sig);
    const int code = test::wait_process(pid);
    INFO(args << ": " << slurp(dir / "log"));
    CHECK(code == 130);
    CHECK_THAT(slurp(dir / "log"), Catch::Contains("interrupted"));
    CHECK(fs::is_empty(dir / "out"));
  }
}
