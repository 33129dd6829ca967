// End-to-end tests of `gcattn tile`: the binary is run as a user would run it.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>

#include "io/npy.h"
#include "support/paper_reference.h"
#include "support/process.h"

using namespace gcattn;
using Catch::Matchers::Contains;

namespace {

namespace fs = std::filesystem;

fs::path temp_dir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("gcattn_tile_" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

// A .npy file with an arbitrary header and payload, for malformed-input tests.
void write_raw_npy(const fs::path& path, const std::string& dict, const std::string& payload) {
  std::string header = dict;
  header.append((64 - (10 + header.size() + 1) % 64) % 64, ' ');
  header.push_back('\n');
  std::ofstream out(path, std::ios::binary);
  out.write("\x93NUMPY\x01\x00", 8);
  const char len[2] = {static_cast<char>(header.size() & 0xff),
                       static_cast<char>(header.size() >> 8)};
  out.write(len, 2);
  out << header << payload;
}

struct Inputs {
  int T = 0;
  std::vector<float> q, k, v;
};

Inputs random_inputs(int T, unsigned seed) {
  Inputs in;
  in.T = T;
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> uq(0.0f, 1.0f), ukv(0.0f, 0.9f);
  for (int i = 0; i < T * 64; ++i) {
    in.q.push_back(uq(rng));
    in.k.push_back(ukv(rng));
    in.v.push_back(ukv(rng));
  }
  return in;
}

void save(const fs::path& dir, const Inputs& in) {
  const std::vector<std::size_t> shape{static_cast<std::size_t>(in.T), 64};
  io::write_npy_f32((dir / "Q.npy").string(), shape, in.q);
  io::write_npy_f32((dir / "K.npy").string(), shape, in.k);
  io::write_npy_f32((dir / "V.npy").string(), shape, in.v);
}

std::string tile_args(const fs::path& dir) {
  return "tile --q '" + (dir / "Q.npy").string() + "' --k '" + (dir / "K.npy").string() +
         "' --v '" + (dir / "V.npy").string() + "' --out-dir '" + (dir / "out").string() + "'";
}

}  // namespace

TEST_CASE("gcattn tile without quantisation or leakage matches PAPER.md section 5 to 1e-5",
          "[cli][tile]") {
  const fs::path dir = temp_dir("golden");
  const Inputs in = random_inputs(64, 11);
  save(dir, in);
  const auto r = test::run_process(
      test::gcattn_command(tile_args(dir) + " --quantize off --decay-per-token 0"));
  INFO(r.output);
  REQUIRE(r.exit_code == 0);

  const std::vector<double> q(in.q.begin(), in.q.end()), k(in.k.begin(), in.k.end()),
      v(in.v.begin(), in.v.end());
  std::vector<double> S, phi, out;
  test::paper_subtile(q, k, v, in.T, 64, 0.0, false, S, phi, out);
  const io::NpyArray s_npy = io::read_npy((dir / "out" / "S.npy").string());
  const io::NpyArray phi_npy = io::read_npy((dir / "out" / "phi.npy").string());
  const io::NpyArray out_npy = io::read_npy((dir / "out" / "out.npy").string());
  REQUIRE(s_npy.shape == std::vector<std::size_t>{64, 64});
  REQUIRE(phi_npy.shape == std::vector<std::size_t>{64, 64});
  REQUIRE(out_npy.shape == std::vector<std::size_t>{64, 64});
  CHECK(s_npy.dtype == "<f4");
  for (std::size_t i = 0; i < S.size(); ++i) {
    CHECK(s_npy.data[i] == Approx(S[i]).epsilon(1e-5).margin(1e-5));
    CHECK(phi_npy.data[i] == Approx(phi[i]).epsilon(1e-5).margin(1e-6));
    if (i % 64 > i / 64) CHECK(s_npy.data[i] == 0.0);  // causal mask
  }
  for (std::size_t i = 0; i < out.size(); ++i)
    CHECK(out_npy.data[i] == Approx(out[i]).epsilon(1e-5).margin(1e-6));
}

TEST_CASE("gcattn tile defaults quantise and leak per token", "[cli][tile]") {
  const fs::path dir = temp_dir("defaults");
  save(dir, random_inputs(20, 5));
  const auto r = test::run_process(test::gcattn_command(tile_args(dir)));
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.output, Contains("quantize on") && Contains("decay 0.00016"));
  const io::NpyArray out_npy = io::read_npy((dir / "out" / "out.npy").string());
  for (double x : out_npy.data) {
    const double steps = x / (2.0 / 31);  // reference output grid
    CHECK(std::fabs(steps - std::round(steps)) < 1e-4);
  }
}

TEST_CASE("gcattn tile rejects bad inputs with a message naming the file", "[cli][tile]") {
  const fs::path dir = temp_dir("bad");
  save(dir, random_inputs(8, 1));
  const std::string q = (dir / "Q.npy").string();
  auto run_with_q = [&](const std::string& qpath) {
    return test::run_process(test::gcattn_command(
        "tile --q '" + qpath + "' --k '" + (dir / "K.npy").string() + "' --v '" +
        (dir / "V.npy").string() + "' --out-dir '" + (dir / "out").string() + "'"));
  };
  const std::string f8x64(8 * 64 * 4, '\0');

  struct Case {
    const char* name;
    std::string dict;
    std::string payload;
    const char* expect;
  };
  const std::vector<Case> cases = {
      {"shape", "{'descr': '<f4', 'fortran_order': False, 'shape': (8, 32), }",
       std::string(8 * 32 * 4, '\0'), "shape (8, 32) not supported; expected (T, 64)"},
      {"rank", "{'descr': '<f4', 'fortran_order': False, 'shape': (512,), }", f8x64,
       "shape (512) not supported"},
      {"dtype", "{'descr': '<i4', 'fortran_order': False, 'shape': (8, 64), }", f8x64,
       "dtype <i4 not supported"},
      {"endian", "{'descr': '>f4', 'fortran_order': False, 'shape': (8, 64), }", f8x64,
       "big-endian"},
      {"fortran", "{'descr': '<f4', 'fortran_order': True, 'shape': (8, 64), }", f8x64,
       "Fortran-ordered"},
      {"truncated", "{'descr': '<f4', 'fortran_order': False, 'shape': (8, 64), }",
       std::string(100, '\0'), "truncated"},
      {"too_many", "{'descr': '<f4', 'fortran_order': False, 'shape': (65, 64), }",
       std::string(65 * 64 * 4, '\0'), "65 tokens; a sub-tile holds 1 to 64"},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    const std::string path = (dir / (std::string(c.name) + ".npy")).string();
    write_raw_npy(path, c.dict, c.payload);
    const auto r = run_with_q(path);
    CHECK(r.exit_code == 4);
    CHECK_THAT(r.output, Contains(path) && Contains(c.expect));
  }
  {
    std::vector<float> nan_q(8 * 64, 0.5f);
    nan_q[70] = std::nanf("");
    io::write_npy_f32((dir / "nan.npy").string(), {8, 64}, nan_q);
    const auto r = run_with_q((dir / "nan.npy").string());
    CHECK(r.exit_code == 4);
    CHECK_THAT(r.output, Contains("nan.npy") && Contains("NaN") && Contains("flat index 70"));
  }
  {
    std::vector<float> big_q(8 * 64, 0.5f);
    big_q[65] = 1.5f;
    io::write_npy_f32((dir / "range.npy").string(), {8, 64}, big_q);
    const auto r = run_with_q((dir / "range.npy").string());
    CHECK(r.exit_code == 4);
    CHECK_THAT(r.output,
               Contains("range.npy") && Contains("value 1.5 at [1, 1]") && Contains("[0, 1]"));
  }
  {
    io::write_npy_f32((dir / "short.npy").string(), {4, 64}, std::vector<float>(4 * 64, 0.5f));
    const auto r = run_with_q((dir / "short.npy").string());
    CHECK(r.exit_code == 4);
    CHECK_THAT(r.output, Contains("token counts differ"));
  }
  {
    const auto r = run_with_q((dir / "missing.npy").string());
    CHECK(r.exit_code == 4);
    CHECK_THAT(r.output, Contains("missing.npy") && Contains("cannot open"));
  }
  {
    std::ofstream((dir / "text.npy").string()) << "hello";
    const auto r = run_with_q((dir / "text.npy").string());
    CHECK(r.exit_code == 4);
    CHECK_THAT(r.output, Contains("not a NumPy .npy file"));
  }
}

TEST_CASE("gcattn exit codes distinguish usage, configuration and input errors", "[cli]") {
  CHECK(test::run_process(test::gcattn_command("")).exit_code == 2);
  CHECK(test::run_process(test::gcattn_command("frobnicate")).exit_code == 2);
  CHECK(test::run_process(test::gcattn_command("tile --q")).exit_code == 2);
  const auto help = test::run_process(test::gcattn_command("tile --help"));
  CHECK(help.exit_code == 0);
  CHECK_THAT(help.output, Contains("--decay-per-token"));
  const auto cfg = test::run_process(test::gcattn_command("config show --set cpc.s_sat=3"));
  CHECK(cfg.exit_code == 3);
  CHECK_THAT(cfg.output, Contains("did you mean 'cpc.s_sat_ua'"));
  const auto show = test::run_process(test::gcattn_command("config show --set cell.model=linear"));
  CHECK(show.exit_code == 0);
  CHECK_THAT(show.output, Contains("\"linear\"") && Contains("set by --set"));
  const auto val = test::run_process(test::gcattn_command("config validate /nonexistent/x.json"));
  CHECK(val.exit_code == 3);
}

TEST_CASE("gcattn tile keeps the preset's quantisation unless --quantize is given", "[cli][tile]") {
  const fs::path dir = temp_dir("ideal");
  save(dir, random_inputs(20, 5));
  const auto ideal = test::run_process(test::gcattn_command(tile_args(dir) + " --config ideal"));
  INFO(ideal.output);
  REQUIRE(ideal.exit_code == 0);
  CHECK_THAT(ideal.output, Contains("quantize off"));
  const io::NpyArray out_npy = io::read_npy((dir / "out" / "out.npy").string());
  int off_grid = 0;
  for (double x : out_npy.data)
    off_grid += std::fabs(x / (2.0 / 31) - std::round(x / (2.0 / 31))) > 1e-3;
  CHECK(off_grid > 0);
  const auto forced =
      test::run_process(test::gcattn_command(tile_args(dir) + " --config ideal --quantize on"));
  CHECK_THAT(forced.output, Contains("quantize on"));
}

TEST_CASE("gcattn config show takes the configuration by position or by --config", "[cli]") {
  const auto pos = test::run_process(test::gcattn_command("config show ideal"));
  REQUIRE(pos.exit_code == 0);
  CHECK_THAT(pos.output, Contains("# configuration: ideal") && Contains("\"linear\""));
  const auto both = test::run_process(test::gcattn_command("config show ideal --config paper"));
  CHECK(both.exit_code == 2);
  CHECK_THAT(both.output, Contains("give one"));
  const auto set =
      test::run_process(test::gcattn_command("config show ideal --set cpc.s_sat_ua=60"));
  CHECK(set.exit_code == 0);
  CHECK_THAT(set.output, Contains("60"));
}
