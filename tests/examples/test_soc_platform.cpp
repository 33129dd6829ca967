// The example SoC platform (examples/soc) run as a user runs it, against `gcattn run` on the
// same trace and configuration: the accelerator's own timing and energy agree (the platform's
// DMA, MMIO and token period naturally differ), outputs agree exactly when leakage does not
// depend on the token period, and the GTKWave save file names signals the VCD holds.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "io/npy.h"
#include "support/process.h"

using namespace gcattn;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

fs::path temp_dir(const std::string& name) {
  const auto dir = fs::temp_directory_path() /
                   ("gcattn_soc_" + name + "_" + std::to_string(static_cast<long>(getpid())));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::string q(const fs::path& p) {
  return "'" + p.string() + "'";
}

std::string soc_command(const std::string& args) {
  return std::string("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1 '") + GCATTN_SOC_BINARY + "' " + args;
}

json::object read_json(const fs::path& p) {
  std::ifstream in(p);
  REQUIRE(in.good());
  std::stringstream ss;
  ss << in.rdbuf();
  return json::parse(ss.str()).as_object();
}

double num(const json::value& v) {
  return v.to_number<double>();
}

/// The default trace when the lead has made it, else a short synthetic one (gcattn trace synth).
struct TraceUnderTest {
  std::string path;
  int tokens;
};
TraceUnderTest trace_for(const fs::path& dir) {
  const fs::path dflt =
      fs::path(GCATTN_SOURCE_DIR) / "traces" / "shakespeare-gpt2-mini.safetensors";
  if (fs::exists(dflt)) return {dflt.string(), 12};
  const fs::path p = dir / "synth.safetensors";
  const auto r = test::run_process(test::gcattn_command(
      "trace synth --layers 3 --heads 4 --dhead 64 --tokens 24 --seed 11 -o " + q(p)));
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  return {p.string(), 24};
}

}  // namespace

TEST_CASE("SoC example: accelerator timing and energy agree with gcattn run", "[examples][soc]") {
  const fs::path dir = temp_dir("agree");
  const TraceUnderTest t = trace_for(dir);
  const std::string common = "--trace " + q(t.path) + " --tokens " + std::to_string(t.tokens);
  const auto run = test::run_process(test::gcattn_command(
      "run " + common + " --accuracy off --report-json " + q(dir / "run.json")));
  INFO(run.output);
  REQUIRE(run.exit_code == 0);
  const auto soc = test::run_process(soc_command(common + " --report-json " + q(dir / "soc.json")));
  INFO(soc.output);
  REQUIRE(soc.exit_code == 0);
  CHECK_THAT(soc.output, Contains("per token and head"));
  const json::object a = read_json(dir / "run.json");
  const json::object b = read_json(dir / "soc.json");

  // Timing: the accelerator's latency per layer step and its phases are identical.
  const auto& ta = a.at("timing").as_object();
  const auto& tb = b.at("timing").as_object();
  CHECK(num(ta.at("layer_steps")) == num(tb.at("layer_steps")));
  CHECK(num(ta.at("latency_per_token_layer_ns")) == num(tb.at("latency_per_token_layer_ns")));
  CHECK(num(ta.at("latency_per_token_ns")) == num(tb.at("latency_per_token_ns")));
  CHECK(num(ta.at("accelerator_busy_ns")) ==
        Approx(num(tb.at("accelerator_busy_ns"))).epsilon(1e-12));
  for (const auto& [phase, v] : ta.at("phases_ns").as_object()) {
    INFO("phase " << phase);
    CHECK(num(v) == num(tb.at("phases_ns").at(phase)));
  }
  // Energy per token and head: equal up to the leakage the longer DMA token period adds (the
  // cells decay exp(-dt / 5 ms) further before they are read; about 1e-5 of the total for 12
  // tokens of GPT-2 small's shape, growing with the tokens run).
  const double tol = 1e-4;
  const auto& ea = a.at("energy").as_object();
  const auto& eb = b.at("energy").as_object();
  const double total = num(ea.at("per_token_head_pj").at("total"));
  REQUIRE(total > 0.0);
  for (const char* c : {"dac", "qk", "av", "digital", "total"}) {
    INFO("category " << c);
    CHECK(std::fabs(num(ea.at("per_token_head_pj").at(c)) -
                    num(eb.at("per_token_head_pj").at(c))) <= tol * total);
  }
  for (const auto& [name, row] : ea.at("components").as_object()) {
    INFO("component " << name);
    CHECK(std::fabs(num(row.at("per_token_head_pj")) -
                    num(eb.at("components").at(name).at("per_token_head_pj"))) <= tol * total);
  }
  CHECK(num(eb.at("per_token_pj")) == Approx(num(ea.at("per_token_pj"))).epsilon(tol));
  // The platform's side: every layer step moved its rows by DMA, the token period includes it.
  const auto& run_info = b.at("run").as_object();
  const double steps = num(tb.at("layer_steps"));
  const double row_bytes = 4.0 * num(run_info.at("d_head")) * num(run_info.at("heads"));
  CHECK(num(b.at("dma").at("bytes_read")) == 3 * row_bytes * steps);
  CHECK(num(b.at("dma").at("bytes_written")) == row_bytes * steps);
  CHECK(num(b.at("dma").at("errors")) == 0);
  CHECK(num(b.at("platform").at("cpu_interrupts")) == steps);
  CHECK(num(tb.at("token_period_ns")) >
        num(tb.at("latency_per_token_ns")) + num(tb.at("dma_per_step_ns")));
  // One report builder: the sections and fields of `gcattn run`'s report, the CPU's own times.
  CHECK(b.at("format") == "gcattn-soc-report");
  for (const char* section : {"run", "timing", "energy", "gpu", "leakage", "area", "config"}) {
    INFO(section);
    CHECK(b.contains(section));
    for (const auto& [key, v] : a.at(section).as_object()) {
      INFO(key);
      CHECK(b.at(section).as_object().contains(key));
    }
  }
  CHECK(num(a.at("gpu").at("accelerator").at("latency_per_token_ns")) ==
        num(b.at("gpu").at("accelerator").at("latency_per_token_ns")));
  CHECK(num(tb.at("host_wait_ns")) == num(b.at("platform").at("cpu_wait_ns")));
  CHECK(num(tb.at("host_wait_ns")) > 0.0);
  CHECK(num(tb.at("host_transfer_ns")) == num(b.at("platform").at("cpu_mmio_ns")));
  CHECK(num(tb.at("host_transfer_ns")) > 0.0);
  CHECK(num(tb.at("host_gap_ns")) == Approx(num(tb.at("host_gap_per_step_ns")) * steps));
  fs::remove_all(dir);
}

TEST_CASE(
    "SoC example: outputs and energy equal gcattn run with token-age leakage, with and "
    "without DMI",
    "[examples][soc][dmi]") {
  const fs::path dir = temp_dir("exact");
  const TraceUnderTest t = trace_for(dir);
  const std::string common = "--trace " + q(t.path) + " --tokens " + std::to_string(t.tokens) +
                             " --set leakage.mode=token_age";
  const auto run = test::run_process(
      test::gcattn_command("run " + common + " --accuracy off --outputs " + q(dir / "run.npy") +
                           " --report-json " + q(dir / "run.json")));
  INFO(run.output);
  REQUIRE(run.exit_code == 0);
  for (const char* dmi : {"on", "off"}) {
    INFO("--dmi " << dmi);
    const fs::path json_path = dir / (std::string("soc_") + dmi + ".json");
    const fs::path npy_path = dir / (std::string("soc_") + dmi + ".npy");
    const auto soc = test::run_process(soc_command(common + " --dmi " + dmi + " --outputs " +
                                                   q(npy_path) + " --report-json " + q(json_path)));
    INFO(soc.output);
    REQUIRE(soc.exit_code == 0);
    const io::NpyArray a = io::read_npy((dir / "run.npy").string());
    const io::NpyArray b = io::read_npy(npy_path.string());
    REQUIRE(a.shape == b.shape);
    CHECK(a.data == b.data);  // the OUT rows the DMA wrote to memory, bit for bit
    double sum = 0.0;
    for (double x : b.data) sum += std::fabs(x);
    CHECK(sum > 0.0);
    const json::object ra = read_json(dir / "run.json");
    const json::object rb = read_json(json_path);
    CHECK(num(rb.at("energy").at("total_pj")) ==
          Approx(num(ra.at("energy").at("total_pj"))).epsilon(1e-12));
    const double dmi_bursts = num(rb.at("dma").at("dmi_bursts"));
    if (std::string(dmi) == "on") {
      CHECK(dmi_bursts > 0);
    } else {
      CHECK(dmi_bursts == 0);
    }
  }
  fs::remove_all(dir);
}

TEST_CASE("SoC example: the GTKWave save file names signals of the VCD", "[examples][soc][vcd]") {
  const fs::path dir = temp_dir("vcd");
  const TraceUnderTest t = trace_for(dir);
  const auto soc = test::run_process(
      soc_command("--trace " + q(t.path) + " --tokens 2 --vcd " + q(dir / "soc")));
  INFO(soc.output);
  REQUIRE(soc.exit_code == 0);
  // Full names of the VCD's variables (scopes joined with '.'), and which change.
  std::ifstream vcd(dir / "soc.vcd");
  REQUIRE(vcd.good());
  std::vector<std::string> scope;
  std::set<std::string> vars;
  std::map<std::string, std::string> id_of;
  std::map<std::string, std::set<std::string>> values;  // id -> values seen
  std::string line;
  bool defs = true;
  while (std::getline(vcd, line)) {
    std::istringstream ls(line);
    std::string w;
    ls >> w;
    if (defs && w == "$scope") {
      std::string kind, name;
      ls >> kind >> name;
      scope.push_back(name);
    } else if (defs && w == "$upscope") {
      scope.pop_back();
    } else if (defs && w == "$var") {
      std::string type, width, id, name;
      ls >> type >> width >> id >> name;
      std::string full;
      for (const auto& s : scope) full += s + ".";
      vars.insert(full + name);
      id_of[full + name] = id;
    } else if (w == "$enddefinitions") {
      defs = false;
    } else if (!defs && !w.empty() && w[0] == 'b') {
      std::string id;
      ls >> id;
      values[id].insert(w.substr(1));
    } else if (!defs && !w.empty() && (w[0] == '0' || w[0] == '1')) {
      values[w.substr(1)].insert(w.substr(0, 1));
    }
  }
  std::ifstream gtkw(fs::path(GCATTN_SOURCE_DIR) / "examples" / "soc" / "soc.gtkw");
  REQUIRE(gtkw.good());
  int signals = 0;
  while (std::getline(gtkw, line)) {
    if (line.rfind("SystemC.", 0) != 0) continue;
    const std::string name = line.substr(0, line.find('['));
    INFO("gtkw signal " << name);
    CHECK(vars.count(name) == 1);
    ++signals;
  }
  CHECK(signals >= 10);
  // The interrupt toggles, the DMA engine fetches (1) and writes back (2), the CPU waits.
  auto seen = [&](const std::string& name) { return values[id_of.at(name)]; };
  CHECK(seen("SystemC.gcattn.irq").count("1") == 1);
  CHECK(seen("SystemC.gcattn.dma").count("1") == 1);
  CHECK(seen("SystemC.gcattn.dma").count("10") == 1);
  CHECK(seen("SystemC.soc.cpu_waiting_irq").count("1") == 1);
  fs::remove_all(dir);
}

TEST_CASE("SoC example: bad input gets a clear error and a distinct exit status",
          "[examples][soc][cli]") {
  const fs::path dir = temp_dir("errors");
  const auto missing = test::run_process(soc_command("--trace " + q(dir / "none.safetensors")));
  CHECK(missing.exit_code == 4);
  CHECK_THAT(missing.output, Contains("none.safetensors") && Contains("gcattn trace"));
  const TraceUnderTest t = trace_for(dir);
  const auto help = test::run_process(std::string("env -u SYSTEMC_DISABLE_COPYRIGHT_MESSAGE '") +
                                      GCATTN_SOC_BINARY + "' --help");
  CHECK(help.exit_code == 0);
  CHECK(help.output.find("Copyright") == std::string::npos);  // no SystemC banner
  const auto bad_dmi = test::run_process(soc_command("--trace " + q(t.path) + " --dmi maybe"));
  CHECK(bad_dmi.exit_code == 2);
  CHECK_THAT(bad_dmi.output, Contains("--dmi"));
  const auto too_many = test::run_process(soc_command("--trace " + q(t.path) + " --tokens 100000"));
  CHECK(too_many.exit_code == 4);
  const auto bad_layers =
      test::run_process(soc_command("--trace " + q(t.path) + " --tokens 1 --set model.layers=7"));
  CHECK(bad_layers.exit_code == 3);
  CHECK_THAT(bad_layers.output, Contains("model.layers"));
  fs::remove_all(dir);
}

TEST_CASE("SoC example: an output that is the trace or in a missing folder is refused",
          "[examples][soc][cli][bad-input]") {
  const fs::path dir = temp_dir("outputs");
  // A copy: the case would overwrite the trace if the check failed.
  const TraceUnderTest t{(dir / "t.safetensors").string(), 0};
  fs::copy_file(trace_for(dir).path, t.path);
  std::ifstream before_in(t.path, std::ios::binary);
  const std::string before((std::istreambuf_iterator<char>(before_in)),
                           std::istreambuf_iterator<char>());
  // Before: the report overwrote the trace (exit 0), and a VCD in a missing folder died of SIGFPE.
  const auto same = test::run_process(
      soc_command("--trace " + q(t.path) + " --tokens 1 --report-json " + q(t.path)));
  CHECK(same.exit_code == 2);
  CHECK_THAT(same.output, Contains("--report-json") && Contains("same file"));
  const auto vcd = test::run_process(
      soc_command("--trace " + q(t.path) + " --tokens 1 --vcd " + q(dir / "no" / "w")));
  CHECK(vcd.exit_code == 2);
  CHECK_THAT(vcd.output, Contains("--vcd") && Contains("does not exist"));
  std::ifstream after_in(t.path, std::ios::binary);
  const std::string after((std::istreambuf_iterator<char>(after_in)),
                          std::istreambuf_iterator<char>());
  CHECK(after == before);
  fs::remove_all(dir);
}
