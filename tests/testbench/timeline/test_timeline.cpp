// `gcattn run --timeline`: the Chrome trace-event file (valid JSON, the fields Perfetto and
// chrome://tracing need, monotonic tracks, phases consistent with the report), scoping, usage
// errors, and a report unchanged by the recorder. Also the writer and the option parsers.
#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include <boost/json.hpp>

#include "base/errors.h"
#include "support/process.h"
#include "testbench/player/player_support.h"
#include "timeline/timeline_recorder.h"
#include "timeline/trace_event_writer.h"

using namespace gcattn;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

json::value read_json(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return json::parse(ss.str());
}

std::string q(const fs::path& p) {
  return "'" + p.string() + "'";
}

std::uint64_t ps_of(const json::value& v) {
  return v.to_number<std::uint64_t>();
}

// Checks the format of every event and that each track's events come in time order without
// overlapping; returns the complete ("X") events.
std::vector<json::object> check_events(const json::value& doc) {
  const json::object& top = doc.as_object();
  REQUIRE(top.at("displayTimeUnit").as_string() == "ns");
  REQUIRE(top.at("otherData").is_object());
  std::vector<json::object> complete;
  std::map<std::pair<std::int64_t, std::int64_t>, double> track_end;  // (pid, tid) -> end, us
  std::map<std::string, double> counter_at;
  for (const json::value& v : top.at("traceEvents").as_array()) {
    const json::object& e = v.as_object();
    const std::string ph(e.at("ph").as_string());
    REQUIRE(e.at("name").is_string());
    REQUIRE(e.at("pid").is_int64());
    if (ph == "M") {
      REQUIRE(e.at("args").is_object());
      continue;
    }
    const double ts = e.at("ts").to_number<double>();
    REQUIRE(ts >= 0.0);
    if (ph == "C") {
      const std::string key(e.at("name").as_string());
      CHECK(ts >= counter_at[key]);
      counter_at[key] = ts;
      continue;
    }
    REQUIRE(ph == "X");
    REQUIRE(e.at("cat").is_string());
    const double dur = e.at("dur").to_number<double>();
    REQUIRE(dur >= 0.0);
    const json::object& args = e.at("args").as_object();
    // ts/dur in microseconds, exact to the picosecond of args.start_ps/dur_ps.
    CHECK(ts == Approx(ps_of(args.at("start_ps")) * 1e-6).margin(1e-12));
    CHECK(dur == Approx(ps_of(args.at("dur_ps")) * 1e-6).margin(1e-12));
    const auto key = std::make_pair(e.at("pid").as_int64(), e.at("tid").as_int64());
    auto it = track_end.find(key);
    if (it != track_end.end()) CHECK(ts >= it->second - 1e-9);
    track_end[key] = ts + dur;
    complete.push_back(e);
  }
  return complete;
}

// The report without the fields that differ between two identical runs.
json::object without_run_fields(json::value report) {
  json::object& o = report.as_object();
  o.erase("command_line");
  o.erase("wall_time_s");
  return o;
}

}  // namespace

TEST_CASE("Timeline writer: microseconds exact to the picosecond, valid JSON also when unwound",
          "[timeline]") {
  CHECK(timeline::micros(0) == "0.000000");
  CHECK(timeline::micros(1) == "0.000001");
  CHECK(timeline::micros(65000) == "0.065000");
  CHECK(timeline::micros(123456789012345ull) == "123456789.012345");
  const test::TempDir dir("timeline_writer");
  {
    timeline::TraceEventWriter w((dir / "a.json").string(), "{\"k\":\"v\"}");
    w.process_name(1, "p \"quoted\"", 0);
    w.complete(1, 2, "x", "c", 1000, 2000, "{\"a\":1}");
    w.counter(1, "irq", 3000, "{\"level\":1}");
    // no close(): the destructor ends the file
  }
  const json::value doc = read_json(dir / "a.json");
  CHECK(doc.at("otherData").at("k").as_string() == "v");
  const json::array& ev = doc.at("traceEvents").as_array();
  REQUIRE(ev.size() == 4);
  CHECK(ev[0].at("args").at("name").as_string() == "p \"quoted\"");
  CHECK(ev[2].at("ts").to_number<double>() == 0.001);
  CHECK(ev[2].at("dur").to_number<double>() == 0.002);
  CHECK_THROWS_AS(timeline::TraceEventWriter((dir / "no" / "such" / "dir.json").string(), ""),
                  gcattn::InputError);
}

TEST_CASE("Timeline options: layer lists, track lists and their errors", "[timeline]") {
  using timeline::parse_layer_list;
  using timeline::parse_track_list;
  CHECK(parse_layer_list("all").empty());
  CHECK(parse_layer_list("3") == std::vector<int>{3});
  CHECK(parse_layer_list("0,2-4,7") == std::vector<int>{0, 2, 3, 4, 7});
  for (const char* bad : {"", "x", "1,", "-1", "4-2", "1-", "1.5", "2-x"}) {
    INFO(bad);
    CHECK_THROWS_AS(parse_layer_list(bad), std::invalid_argument);
  }
  CHECK(parse_track_list("all") == timeline::kAllTracks);
  CHECK(parse_track_list("phases,gaps") == (timeline::kPhases | timeline::kGaps));
  CHECK(parse_track_list("phases, irq") == (timeline::kPhases | timeline::kIrq));
  CHECK_THROWS_WITH(parse_track_list("phases,waves"), Contains("unknown track 'waves'"));
  CHECK_THROWS_AS(parse_track_list(""), std::invalid_argument);
}

TEST_CASE("gcattn run --timeline: tracks, format, phases as in the report, report unchanged",
          "[cli][run][timeline]") {
  const test::TempDir dir("timeline_run");
  const std::string trace = test::small_trace(dir, 3, 2, 64, 12);
  const std::string common = "run --trace " + q(trace) + " --set timing.data_dependent=true";
  const auto plain =
      test::run_process(test::gcattn_command(common + " --report-json " + q(dir / "plain.json")));
  INFO(plain.output);
  REQUIRE(plain.exit_code == 0);
  for (const char* mode : {"lt", "at"}) {
    INFO("mode " << mode);
    const fs::path tl = dir / (std::string(mode) + "_timeline.json");
    const fs::path rep = dir / (std::string(mode) + ".json");
    const auto r = test::run_process(test::gcattn_command(
        common + " --mode " + mode + " --timeline " + q(tl) + " --report-json " + q(rep)));
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.output, Contains("timeline: "));
    const json::value report = read_json(rep);
    if (std::string(mode) == "lt") {
      // The recorder only observes: the report is the same, wall-clock fields aside.
      CHECK(json::serialize(without_run_fields(report)) ==
            json::serialize(without_run_fields(read_json(dir / "plain.json"))));
    }
    const json::value doc = read_json(tl);
    const std::vector<json::object> events = check_events(doc);
    // Phase tracks: one per layer (tid = layer + 1), six phases per step, summing per phase to
    // the report's phases_total_ns; every step once, with its layer and position.
    std::map<std::string, double> phase_ns;
    std::map<std::int64_t, int> per_step;
    std::map<std::string, int> host_names;
    int gaps = 0;
    for (const json::object& e : events) {
      const std::string cat(e.at("cat").as_string());
      const json::object& a = e.at("args").as_object();
      if (cat == "phase") {
        phase_ns[std::string(e.at("name").as_string())] += ps_of(a.at("dur_ps")) * 1e-3;
        CHECK(e.at("pid").as_int64() == 1);
        CHECK(e.at("tid").as_int64() == a.at("layer").as_int64() + 1);
        CHECK(a.at("position").as_int64() == a.at("step").as_int64() / 3);
        CHECK(a.at("layer").as_int64() == a.at("step").as_int64() % 3);
        ++per_step[a.at("step").as_int64()];
      } else if (cat == "host") {
        CHECK(e.at("pid").as_int64() == 2);
        ++host_names[std::string(e.at("name").as_string())];
      } else if (cat == "gap") {
        CHECK(ps_of(a.at("dur_ps")) == 140000u);  // player.host_gap_ns of the paper preset
        ++gaps;
      }
    }
    const json::object& totals = report.at("timing").at("phases_total_ns").as_object();
    REQUIRE(phase_ns.size() == totals.size());
    for (const auto& [name, ns] : phase_ns) {
      INFO(name);
      // The report adds the schedule's durations, the events the simulated ones (rounded to the
      // 1 ps time resolution): within half a picosecond per step.
      CHECK(ns == Approx(totals.at(name).to_number<double>()).margin(0.5e-3 * 36));
    }
    CHECK(per_step.size() == 36u);
    for (const auto& [step, n] : per_step) CHECK(n == 6);
    CHECK(gaps == 36);
    CHECK(host_names["write COMMAND"] == 36);
    CHECK(host_names["read OUT"] == 36);
    CHECK(host_names["write K"] == 36);
    CHECK(host_names["read IRQ_STATUS"] == 36);
    int irq = 0;
    for (const json::value& v : doc.at("traceEvents").as_array())
      irq += v.at("ph").as_string() == "C";
    CHECK(irq == 72);  // rises at each step's end, falls at IRQ_CLEAR
  }
}

TEST_CASE("gcattn run --timeline: layers, window and tracks keep the file small",
          "[cli][run][timeline]") {
  const test::TempDir dir("timeline_scope");
  const std::string trace = test::small_trace(dir, 3, 2, 64, 10);
  const std::string common = "run --trace " + q(trace) + " --accuracy off";
  const fs::path all = dir / "all.json", scoped = dir / "scoped.json";
  auto r = test::run_process(test::gcattn_command(common + " --timeline " + q(all)));
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  // Simulated time of the 4th to the 6th token: 3 layers x (65 + 140 ns + transfers) per token.
  const std::uint64_t start_ps = 2000000, end_ps = 3000000;
  r = test::run_process(test::gcattn_command(
      common + " --timeline " + q(scoped) + " --timeline-layers 1-2 --timeline-tracks phases,gaps" +
      " --timeline-window 2000:3000"));
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  const std::vector<json::object> every = check_events(read_json(all));
  const json::value scoped_doc = read_json(scoped);
  const std::vector<json::object> kept = check_events(scoped_doc);
  REQUIRE(!kept.empty());
  CHECK(kept.size() * 10 < every.size());
  std::size_t expected = 0;
  for (const json::object& e : every) {
    const std::string cat(e.at("cat").as_string());
    const std::uint64_t s = ps_of(e.at("args").at("start_ps"));
    const std::uint64_t t = s + ps_of(e.at("args").at("dur_ps"));
    const bool layer_ok = cat != "phase" || e.at("args").at("layer").as_int64() >= 1;
    expected += (cat == "phase" || cat == "gap") && layer_ok && t >= start_ps && s <= end_ps;
  }
  CHECK(kept.size() == expected);
  for (const json::object& e : kept) {
    const std::string cat(e.at("cat").as_string());
    CHECK((cat == "phase" || cat == "gap"));
    if (cat == "phase") CHECK(e.at("args").at("layer").as_int64() >= 1);
  }
  // Track names: only the scoped layers' phase tracks.
  int thread_names = 0;
  for (const json::value& v : scoped_doc.at("traceEvents").as_array()) {
    if (v.at("name").as_string() == "thread_name") ++thread_names;
  }
  CHECK(thread_names == 3);  // layer 1, layer 2, host gap
}

TEST_CASE("gcattn run --timeline: bad scoping values are usage errors naming the option",
          "[cli][run][timeline]") {
  const test::TempDir dir("timeline_usage");
  const std::string trace = test::small_trace(dir, 2, 2, 64, 4);
  const std::string common = "run --trace " + q(trace);
  const fs::path out = dir / "t.json";
  const std::pair<std::string, std::string> cases[] = {
      {" --timeline " + q(out) + " --timeline-layers 2", "--timeline: layer 2 does not exist"},
      {" --timeline " + q(out) + " --timeline-layers one", "--timeline-layers 'one'"},
      {" --timeline " + q(out) + " --timeline-tracks phases,pixels", "unknown track 'pixels'"},
      {" --timeline " + q(out) + " --timeline-window 50:10", "--timeline-window START:END"},
      {" --timeline " + q(out) + " --timeline-window 10", "--timeline-window '10'"},
      {" --timeline-layers 0", "--timeline-layers needs --timeline"},
  };
  for (const auto& [args, message] : cases) {
    INFO(args);
    const auto r = test::run_process(test::gcattn_command(common + args));
    INFO(r.output);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Contains(message));
  }
  CHECK_FALSE(fs::exists(out));  // refused before the file was created
  const auto r = test::run_process(
      test::gcattn_command(common + " --timeline " + q(dir / "missing" / "t.json")));
  // Checked with every other output before the simulation (docs/reliability.md): usage error.
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.output, Contains("--timeline"));
  CHECK_THAT(r.output, Contains("does not exist"));
}
