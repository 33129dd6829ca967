// The softmax reference that the calibration in `gcattn run` computes is reused by the accuracy
// report: the metrics equal those of a run that computes the reference itself (the same scalers
// from `gcattn calibrate`), to float rounding, also when the calibration covers only a prefix.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include <boost/json.hpp>

#include "support/process.h"
#include "testbench/player/player_support.h"

using namespace gcattn;
namespace json = boost::json;

namespace {

json::object accuracy(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return json::parse(ss.str()).as_object().at("accuracy").at("overall").as_object();
}

double metric(const json::object& a, const char* ref, const char* m) {
  return a.at(ref).as_object().at(m).to_number<double>();
}

}  // namespace

TEST_CASE("gcattn run: the cached softmax reference gives the metrics of a computed one",
          "[cli][run][accuracy]") {
  const test::TempDir dir("softmax_cache");
  const std::string trace = test::small_trace(dir, 2, 3, 64, 90, false, 17);
  const std::string t = "'" + trace + "' --set array.window_tokens=64";  // the window slides
  for (const char* prefix : {"0", "40"}) {
    const std::string p(prefix);
    const auto run = [&](const std::string& args) {
      const auto r = test::run_process(test::gcattn_command(args));
      INFO(r.output);
      REQUIRE(r.exit_code == 0);
    };
    run("run --trace " + t + " --calibrate-tokens " + p + " --report-json '" +
        (dir / ("cached" + p + ".json")).string() + "'");
    run("calibrate --trace " + t + " --tokens " + p + " -o '" + (dir / ("s" + p)).string() + "'");
    run("run --trace " + t + " --scalers '" + (dir / ("s" + p)).string() + "' --report-json '" +
        (dir / ("computed" + p + ".json")).string() + "'");
    const json::object a = accuracy(dir / ("cached" + p + ".json"));
    const json::object b = accuracy(dir / ("computed" + p + ".json"));
    INFO("calibration prefix " << p);
    CHECK(a.at("softmax").as_object().at("outputs") == b.at("softmax").as_object().at("outputs"));
    CHECK(metric(a, "softmax", "cosine") == Approx(metric(b, "softmax", "cosine")).epsilon(1e-7));
    CHECK(metric(a, "softmax", "relative_rms") ==
          Approx(metric(b, "softmax", "relative_rms")).epsilon(1e-7));
    CHECK(metric(a, "ideal", "cosine") == metric(b, "ideal", "cosine"));
  }
}
