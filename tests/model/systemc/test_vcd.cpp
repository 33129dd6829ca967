// VCD waveforms through the Accelerator API: valid header, picosecond timescale, monotone times,
// one 65 ns layer step with the phases in order, pulse edges at the exact pulse ends.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "gcattn/timing/phase_schedule.h"
#include "model/systemc/bench_fixture.h"

using namespace gcattn;
using gcattn::test::Bench;
using gcattn::test::Tokens;
using sc_core::SC_NS;
using sc_core::sc_time;
namespace rm = gcattn::sc::regmap;

namespace {

struct Vcd {
  std::string timescale;
  bool enddefinitions = false;
  std::map<std::string, std::string> id_of;  // full dotted name -> identifier
  std::map<std::string, std::vector<std::pair<long long, std::string>>>
      changes;  // id -> (time, value)
  std::vector<long long> times;
};

Vcd parse(const std::string& path) {
  Vcd v;
  std::ifstream in(path);
  REQUIRE(in.good());
  std::string tok;
  std::vector<std::string> scope;
  long long now = 0;
  while (in >> tok) {
    if (tok == "$timescale") {
      std::string t;
      while (in >> t && t != "$end") v.timescale += t;
    } else if (tok == "$scope") {
      std::string kind, name, end;
      in >> kind >> name >> end;
      scope.push_back(name);
    } else if (tok == "$upscope") {
      std::string end;
      in >> end;
      scope.pop_back();
    } else if (tok == "$var") {
      std::string type, width, id, name, rest;
      in >> type >> width >> id >> name;
      while (in >> rest && rest != "$end") {
      }
      std::string full;
      for (const auto& s : scope) full += s + ".";
      v.id_of[full + name] = id;
    } else if (tok == "$enddefinitions") {
      std::string end;
      in >> end;
      v.enddefinitions = true;
    } else if (tok[0] == '$') {
      std::string t;
      if (tok != "$dumpvars" && tok != "$end") {
        while (in >> t && t != "$end") {
        }
      }
    } else if (tok[0] == '#') {
      now = std::stoll(tok.substr(1));
      v.times.push_back(now);
    } else if (tok[0] == 'b') {
      std::string id;
      in >> id;
      v.changes[id].emplace_back(now, tok.substr(1));
    } else if (tok[0] == '0' || tok[0] == '1') {
      v.changes[tok.substr(1)].emplace_back(now, tok.substr(0, 1));
    }
  }
  return v;
}

/// Times at which the signal takes `value`.
std::vector<long long> edges(const Vcd& v, const std::string& name, const std::string& value) {
  std::vector<long long> t;
  const auto it = v.id_of.find(name);
  if (it == v.id_of.end()) return t;
  const auto ch = v.changes.find(it->second);
  if (ch == v.changes.end()) return t;
  for (const auto& c : ch->second) {
    if (c.second == value) t.push_back(c.first);
  }
  return t;
}

}  // namespace

TEST_CASE("VCD: one 65 ns layer step, phases in order, pulse edges at the pulse ends",
          "[systemc][vcd]") {
  const Config cfg = test::small_config();
  const PhaseSchedule sched = PhaseSchedule::from(cfg);
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("gcattn_vcd_test_" + std::to_string(getpid()) + ".vcd"))
                               .string();
  Tokens tok(1, 2, 64, 17);
  std::vector<float> out(128);
  sc_time start;
  std::vector<double> q_width_ns(64);
  {
    Bench b("b", cfg, [&](Bench& b) {
      b.host.step(1, 0, rm::kCmdWriteKv | rm::kCmdAttend, tok.K(0), tok.V(0), tok.Q(0), out.data());
      start = b.accel.statistics().last_step().start;
      for (int r = 0; r < 64; ++r) q_width_ns[r] = b.accel.head(1, 1).query_fractions()[r] * 15.0;
      wait(20, SC_NS);
    });
    sc::VcdOptions opts;
    opts.file = path;
    opts.layer = 1;
    opts.head = 1;
    opts.subtile = 0;
    b.accel.enable_vcd(opts);
    REQUIRE(b.accel.vcd()->path() == path);
    sc_core::sc_start();
    b.check();
  }  // closes the trace file
  const Vcd v = parse(path);
  CHECK(v.timescale == "1ps");
  CHECK(v.enddefinitions);
  REQUIRE(!v.times.empty());
  for (std::size_t i = 1; i < v.times.size(); ++i) CHECK(v.times[i] > v.times[i - 1]);

  const long long t0 = static_cast<long long>(std::llround(start.to_seconds() * 1e12));
  // Phase strobes: each rises exactly once, in order, at the cumulative configured durations.
  double at_ns = 0.0;
  for (std::size_t p = 0; p < kPhaseCount; ++p) {
    const std::string name =
        "SystemC.gcattn.phases." + std::to_string(p) + "_" + phase_name(static_cast<Phase>(p));
    INFO(name);
    REQUIRE(v.id_of.count(name) == 1);
    const auto rise = edges(v, name, "1");
    REQUIRE(rise.size() == 1);
    CHECK(rise[0] == t0 + std::llround(at_ns * 1000));
    at_ns += sched.duration_ns[p];
  }
  CHECK(at_ns == Approx(65.0));
  const auto busy_rise = edges(v, "SystemC.gcattn.busy.layer1", "1");
  const auto busy_fall = edges(v, "SystemC.gcattn.busy.layer1", "0");
  REQUIRE(busy_rise.size() == 1);
  REQUIRE(!busy_fall.empty());
  CHECK(busy_rise[0] == t0);
  CHECK(busy_fall.back() - busy_rise[0] == 65000);
  CHECK(edges(v, "SystemC.gcattn.busy.layer0", "1").empty());
  const auto irq_rise = edges(v, "SystemC.gcattn.irq", "1");
  REQUIRE(irq_rise.size() == 1);
  CHECK(irq_rise[0] == t0 + 65000);

  // Query pulse lines of the traced head: rise at the query window start, fall after their width.
  const long long q0 = t0 + std::llround(sched.duration_ns[0] * 1000);
  int pulses = 0;
  for (int r = 0; r < 64; ++r) {
    const std::string name =
        "SystemC.gcattn.L1H1.q_pulse." + std::string(r < 10 ? "0" : "") + std::to_string(r);
    REQUIRE(v.id_of.count(name) == 1);
    const auto up = edges(v, name, "1");
    const auto down = edges(v, name, "0");
    if (q_width_ns[r] == 0.0) {
      CHECK(up.empty());
      continue;
    }
    ++pulses;
    REQUIRE(up.size() == 1);
    REQUIRE(!down.empty());
    CHECK(up[0] == q0);
    CHECK(down.back() == q0 + std::llround(q_width_ns[r] * 1000));
  }
  CHECK(pulses > 10);
  // Phi pulses of the traced sub-tile: token 0 fires or not; either way the line exists.
  CHECK(v.id_of.count("SystemC.gcattn.L1H1.S0.phi_pulse.00") == 1);
  CHECK(v.id_of.count("SystemC.gcattn.L1H1.S0.counter.63") == 1);
  if (!std::getenv("GCATTN_KEEP_VCD")) std::filesystem::remove(path);
}

TEST_CASE("VCD: scope and window are validated", "[systemc][vcd]") {
  const Config cfg = test::small_config();
  sc::Accelerator accel("accel", cfg);
  sc::VcdOptions o;
  o.file = (std::filesystem::temp_directory_path() / "gcattn_vcd_bad").string();
  o.layer = 2;
  CHECK_THROWS_WITH(accel.enable_vcd(o),
                    Catch::Contains("layer = 2") && Catch::Contains("model.layers"));
  o.layer = 0;
  o.head = -1;
  CHECK_THROWS_WITH(accel.enable_vcd(o), Catch::Contains("head"));
  o.head = 0;
  o.subtile = 16;
  CHECK_THROWS_WITH(accel.enable_vcd(o), Catch::Contains("sub-tile"));
  o.subtile = 0;
  o.start = sc_time(10, SC_NS);
  o.end = sc_time(5, SC_NS);
  CHECK_THROWS_WITH(accel.enable_vcd(o), Catch::Contains("window"));
  CHECK(accel.vcd() == nullptr);
}

TEST_CASE("VCD: only changes inside the simulated-time window are recorded", "[systemc][vcd]") {
  const Config cfg = test::small_config();
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("gcattn_vcd_window_" + std::to_string(getpid()) + ".vcd"))
                               .string();
  Tokens tok(2, 2, 64, 5);
  std::vector<float> out(128);
  std::vector<sc_time> starts;
  {
    Bench b("b", cfg, [&](Bench& b) {
      for (int t = 0; t < 2; ++t) {
        b.host.step(0, static_cast<std::uint32_t>(t), rm::kCmdWriteKv | rm::kCmdAttend, tok.K(t),
                    tok.V(t), tok.Q(t), out.data());
        starts.push_back(b.accel.statistics().last_step().start);
        wait(1, sc_core::SC_US);
      }
    });
    sc::VcdOptions opts;
    opts.file = path;
    opts.start = sc_time(500, SC_NS);  // after the first step, before the second
    opts.end = sc_time(10, sc_core::SC_US);
    b.accel.enable_vcd(opts);
    sc_core::sc_start();
    b.check();
  }
  REQUIRE(starts.size() == 2);
  REQUIRE(starts[0] < sc_time(500, SC_NS));
  REQUIRE(starts[1] > sc_time(500, SC_NS));
  const Vcd v = parse(path);
  const auto rise = edges(v, "SystemC.gcattn.phases.0_write_kv", "1");
  REQUIRE(rise.size() == 1);
  CHECK(rise[0] == std::llround(starts[1].to_seconds() * 1e12));
  // The shipped GTKWave view names only signals this VCD has (default scope L0H0S0).
  std::ifstream gtkw(std::string(GCATTN_SOURCE_DIR) + "/configs/gtkwave/gcattn.gtkw");
  REQUIRE(gtkw.good());
  std::string line;
  int names = 0;
  while (std::getline(gtkw, line)) {
    if (line.rfind("SystemC.", 0) != 0) continue;
    const auto bracket = line.find('[');
    const std::string name = bracket == std::string::npos ? line : line.substr(0, bracket);
    INFO(name);
    CHECK(v.id_of.count(name) == 1);
    ++names;
  }
  CHECK(names == 11 + 3 * 64);
  if (!std::getenv("GCATTN_KEEP_VCD")) std::filesystem::remove(path);
}

TEST_CASE("VCD: a file that cannot be created is refused at enable_vcd", "[systemc][vcd]") {
  // Before: SystemC opened the file only at sc_start and the process died with SIGFPE when
  // closing the half-made trace file; reaching the end of this test is part of the check.
  const Config cfg = test::small_config();
  sc::Accelerator accel("accel", cfg);
  sc::VcdOptions o;
  o.file = (std::filesystem::temp_directory_path() / "gcattn_no_such_folder" / "w").string();
  CHECK_THROWS_WITH(accel.enable_vcd(o),
                    Catch::Contains("gcattn_no_such_folder/w.vcd") && Catch::Contains("folder"));
  CHECK(accel.vcd() == nullptr);
  CHECK(sc::vcd_file_path("a/b") == "a/b.vcd");
  CHECK(sc::vcd_file_path("a/b.vcd") == "a/b.vcd");
}
