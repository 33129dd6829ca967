// `gcattn run` and `gcattn tile` with device variation and noise (docs/nonidealities.md): zero
// sigmas reproduce the binary before variation existed byte for byte, seeds are reproducible,
// LT and AT see the same chip, `tile` sees the numerics sub-tile, --seeds reports a spread.
#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include <boost/json.hpp>

#include "gcattn/config/config.h"
#include "gcattn/config/hardware_params.h"
#include "gcattn/numerics/converters.h"
#include "gcattn/numerics/subtile.h"
#include "io/npy.h"
#include "report/json_text.h"
#include "support/process.h"
#include "testbench/player/player_support.h"

using namespace gcattn;
namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string q(const fs::path& p) {
  return "'" + p.string() + "'";
}

const fs::path kSource = GCATTN_SOURCE_DIR;
const fs::path kGolden = kSource / "tests/testbench/player/golden";

// The report without what this issue added (area, monte_carlo, the new configuration sections)
// and without what differs between any two runs (wall time, the command line's output paths).
// (Copies rather than erase(): boost::json moves the last key into an erased slot.)
json::object without(const json::object& o, std::initializer_list<const char*> keys) {
  json::object r;
  for (const auto& kv : o) {
    bool keep = true;
    for (const char* k : keys) keep = keep && kv.key() != k;
    if (keep) r[kv.key()] = kv.value();
  }
  return r;
}
std::string comparable(const fs::path& report) {
  json::object o = without(json::parse(read_text(report)).as_object(),
                           {"wall_time_s", "command_line", "area", "monte_carlo"});
  o["config"] = without(o["config"].as_object(), {"variation", "noise", "area"});
  // A later parameter: leakage.decay_rounding (its default, none, is the model of the goldens).
  json::object& config = o["config"].as_object();
  config["leakage"] = without(config["leakage"].as_object(), {"decay_rounding"});
  // Later additions: the accuracy references' descriptions, the label of GPU measurements
  // scaled to another shape (the figures themselves are compared).
  o["accuracy"] = without(o["accuracy"].as_object(), {"references"});
  const std::string scaled = "scaled, not measured for this shape: ";
  for (auto& row : o["gpu"].as_object()["rows"].as_array()) {
    json::object& r = row.as_object();
    if (r["kind"] == "measured_scaled") r["kind"] = "measured";
    std::string note(r["note"].as_string());
    if (note.rfind(scaled, 0) == 0) r["note"] = note.substr(scaled.size());
  }
  // A later change: the leakage factors' exp is decay_exp, within one ulp of the C library's
  // exp the goldens used; the retention curve is compared to 15 significant digits.
  for (auto& point : o["leakage"].as_object()["curve"].as_array()) {
    json::object& pt = point.as_object();
    char digits[32];
    std::snprintf(digits, sizeof digits, "%.15g", pt["retention"].to_number<double>());
    pt["retention"] = digits;
  }
  return report::pretty_json(o);
}

// Runs `gcattn <args>` in the source directory (the goldens name paths relative to it).
test::ProcessResult run_in_source(const std::string& args) {
  return test::run_process("cd " + q(kSource) + " && " + test::gcattn_command(args));
}

}  // namespace

TEST_CASE("gcattn run with zero variation equals the binary before variation, byte for byte",
          "[cli][run][variation]") {
  // Goldens: written with this command line by the binary before the variation model (f3368db,
  // the parent commit of its merge), with scalers from a file and without the accuracy
  // references: what is compared is the simulated hardware alone.
  const test::TempDir dir("zero_variation");
  const auto r = run_in_source(
      "run --trace traces/shakespeare-gpt2-mini.safetensors --tokens 8"
      " --scalers tests/testbench/player/golden/scalers_8_tokens.json --accuracy off"
      " --report-json " +
      q(dir / "run.json") + " --outputs " + q(dir / "out.npy"));
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK(read_text(dir / "out.npy") == read_text(kGolden / "out_8_tokens.npy"));
  CHECK(comparable(dir / "run.json") == comparable(kGolden / "run_8_tokens.json"));
  // The new sections are there (and only they were left out above).
  const json::object o = json::parse(read_text(dir / "run.json")).as_object();
  CHECK(o.contains("area"));
  CHECK_FALSE(o.contains("monte_carlo"));
  CHECK(o.at("config").at("variation").at("cell_gain_sigma").to_number<double>() == 0.0);
}

TEST_CASE("gcattn tile with zero variation equals the binary before variation",
          "[cli][tile][variation]") {
  const test::TempDir dir("zero_variation_tile");
  const auto r = run_in_source(
      "tile --q traces/tile-demo/Q.npy --k traces/tile-demo/K.npy"
      " --v traces/tile-demo/V.npy --out-dir " +
      q(dir.path()));
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  for (const char* f : {"S.npy", "phi.npy", "out.npy"}) {
    INFO(f);
    CHECK(read_text(dir / f) == read_text(kGolden / "tile" / f));
  }
}

TEST_CASE("gcattn tile with variation and noise is the numerics sub-tile of the same seeds",
          "[cli][tile][variation]") {
  const test::TempDir dir("variation_tile");
  const std::string sets =
      " --set variation.cell_gain_sigma=0.05 --set variation.tau_sigma=0.5"
      " --set variation.converter_offset_sigma_lsb=0.5 --set noise.read_sigma=0.05"
      " --set noise.write_sigma_v=0.01 --set variation.cell_offset_sigma_v=0.01";
  const auto r = run_in_source(
      "tile --q traces/tile-demo/Q.npy --k traces/tile-demo/K.npy"
      " --v traces/tile-demo/V.npy --out-dir " +
      q(dir.path()) + sets);
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  // The same evaluation with the library: sub-tile (0, 0, 0) of that configuration, token-age
  // leakage at the preset's rate (what `tile` uses).
  Config cfg = Config::paper();
  for (const char* s :
       {"variation.cell_gain_sigma=0.05", "variation.tau_sigma=0.5",
        "variation.converter_offset_sigma_lsb=0.5", "noise.read_sigma=0.05",
        "noise.write_sigma_v=0.01", "variation.cell_offset_sigma_v=0.01", "leakage.mode=token_age"})
    cfg.set(s);
  const HardwareParams p = HardwareParams::from(cfg);
  const io::NpyArray Q = io::read_npy((kSource / "traces/tile-demo/Q.npy").string()),
                     K = io::read_npy((kSource / "traces/tile-demo/K.npy").string()),
                     V = io::read_npy((kSource / "traces/tile-demo/V.npy").string());
  const io::NpyArray out = io::read_npy((dir / "out.npy").string());
  const io::NpyArray golden = io::read_npy((kGolden / "tile/out.npy").string());
  SubTileModel tile(p, Site{0, 0, 0});
  const WriteDac dac = WriteDac::from(p);
  const PulseWidthDac qd = PulseWidthDac::from(p);
  const std::size_t T = Q.shape[0], D = Q.shape[1];
  std::vector<double> kv(D), vv(D), qf(D), s(64), phi(64), a(D), o(D);
  int mismatches = 0, differs_from_nominal = 0;
  for (std::size_t t = 0; t < T; ++t) {
    for (std::size_t i = 0; i < D; ++i) {
      kv[i] = dac.volts(K.data[t * D + i]);
      vv[i] = dac.volts(V.data[t * D + i]);
      qf[i] = qd.fraction(Q.data[t * D + i]);
    }
    const auto tok = static_cast<std::int64_t>(t);
    tile.write(static_cast<int>(t), kv.data(), vv.data(), 0.0, tok);
    tile.attend(qf.data(), 0.0, tok, s.data(), phi.data(), a.data(), o.data());
    for (std::size_t i = 0; i < D; ++i) {
      mismatches += static_cast<float>(o[i]) != static_cast<float>(out.data[t * D + i]);
      differs_from_nominal += out.data[t * D + i] != golden.data[t * D + i];
    }
  }
  CHECK(mismatches == 0);
  CHECK(differs_from_nominal > 0);
}

TEST_CASE("gcattn run with variation: reruns identical, LT equals AT, a new seed differs",
          "[cli][run][variation][lt][at]") {
  const test::TempDir dir("variation_run");
  const std::string trace = test::small_trace(dir, 2, 2, 64, 40);
  const std::string common = "run --trace " + q(trace) +
                             " --tokens 40 --set array.window_tokens=64"
                             " --set variation.cell_gain_sigma=0.1 --set noise.read_sigma=0.05"
                             " --set variation.tau_sigma=0.5 --set noise.write_sigma_v=0.01"
                             " --set variation.converter_offset_sigma_lsb=0.5";
  auto run = [&](const std::string& extra, const std::string& name) {
    const auto r =
        test::run_process(test::gcattn_command(common + extra + " --outputs " + q(dir / name)));
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    return read_text(dir / name);
  };
  const std::string lt = run(" --mode lt", "lt.npy");
  CHECK(run(" --mode lt", "lt2.npy") == lt);
  CHECK(run(" --mode at", "at.npy") == lt);
  CHECK(run(" --mode lt --set variation.seed=9", "v9.npy") != lt);
  CHECK(run(" --mode lt --set noise.seed=9", "n9.npy") != lt);
}

TEST_CASE("gcattn run --seeds reports the accuracy of each chip and its spread",
          "[cli][run][variation][monte_carlo]") {
  const test::TempDir dir("monte_carlo");
  const std::string trace = test::small_trace(dir, 1, 2, 64, 30);
  const std::string common = "run --trace " + q(trace) +
                             " --set array.window_tokens=64 --set variation.cell_gain_sigma=0.2"
                             " --set noise.read_sigma=0.1 --set variation.seed=4"
                             " --set noise.seed=7";
  const auto mc = test::run_process(
      test::gcattn_command(common + " --seeds 3 --report-json " + q(dir / "mc.json")));
  INFO(mc.output);
  REQUIRE(mc.exit_code == 0);
  CHECK(mc.output.find("Monte Carlo over 3 chips") != std::string::npos);
  const json::object o = json::parse(read_text(dir / "mc.json")).as_object();
  const json::object& m = o.at("monte_carlo").as_object();
  REQUIRE(m.at("chips").to_number<int>() == 3);
  const json::array& seeds = m.at("seeds").as_array();
  double cos[3];
  for (int i = 0; i < 3; ++i) {
    const json::object& c = seeds[static_cast<std::size_t>(i)].as_object();
    CHECK(c.at("variation_seed").to_number<int>() == 4 + i);
    CHECK(c.at("noise_seed").to_number<int>() == 7 + i);
    cos[i] = c.at("accuracy").at("softmax").at("cosine").to_number<double>();
  }
  CHECK(cos[0] != cos[1]);
  CHECK(cos[1] != cos[2]);
  // Chip 0 is the run itself; chip 2 is what a plain run with the seeds + 2 gives.
  CHECK(cos[0] == o.at("accuracy").at("overall").at("softmax").at("cosine").to_number<double>());
  const auto third = test::run_process(test::gcattn_command(
      common + " --set variation.seed=6 --set noise.seed=9 --report-json " + q(dir / "c2.json")));
  REQUIRE(third.exit_code == 0);
  const json::object o2 = json::parse(read_text(dir / "c2.json")).as_object();
  CHECK(cos[2] == o2.at("accuracy").at("overall").at("softmax").at("cosine").to_number<double>());
  const json::object& cs = m.at("summary").at("softmax").at("cosine").as_object();
  const double mean = (cos[0] + cos[1] + cos[2]) / 3.0;
  CHECK(cs.at("mean").to_number<double>() == Approx(mean).epsilon(1e-12));
  CHECK(cs.at("std").to_number<double>() > 0.0);
  CHECK(cs.at("min").to_number<double>() <= cs.at("max").to_number<double>());
  // Usage: --seeds compares accuracy.
  const auto bad = test::run_process(test::gcattn_command(common + " --seeds 2 --accuracy off"));
  CHECK(bad.exit_code == 2);
}
