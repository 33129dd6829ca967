// Output files: written through a temporary file and renamed into place; checked before use.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/errors.h"
#include "io/atomic_file.h"
#include "io/output_paths.h"
#include "testbench/player/player_support.h"

using namespace gcattn;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::size_t entries(const fs::path& dir) {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++n;
  return n;
}

}  // namespace

TEST_CASE("AtomicFile: the target changes only at commit, no temporary file is left",
          "[io][atomic]") {
  const test::TempDir dir("atomic");
  const fs::path target = dir / "out.txt";
  std::ofstream(target) << "old";
  {
    io::AtomicFile f(target.string());
    f.write("new content");
    CHECK(slurp(target) == "old");  // still the old file while writing
    CHECK(fs::exists(f.temp_path()));
    CHECK(fs::path(f.temp_path()).parent_path() == target.parent_path());
    f.commit();
  }
  CHECK(slurp(target) == "new content");
  CHECK(entries(dir) == 1);
  {
    io::AtomicFile f(target.string());
    f.write("abandoned");
  }  // destroyed without commit: as after an error
  CHECK(slurp(target) == "new content");
  CHECK(entries(dir) == 1);
  io::write_file_atomic((dir / "b.txt").string(), "b");
  CHECK(slurp(dir / "b.txt") == "b");
  CHECK(entries(dir) == 2);
  CHECK_THROWS_WITH(io::AtomicFile((dir / "missing" / "x").string()),
                    Contains("missing/x") && Contains("writable"));
}

TEST_CASE("PathCheck: outputs that would destroy an input or each other are refused",
          "[io][paths]") {
  const test::TempDir dir("paths");
  const std::string in = (dir / "trace.safetensors").string();
  std::ofstream(in) << "data";
  const auto refused = [](const io::PathCheck& c) {
    try {
      c.check();
    } catch (const gcattn::UsageError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  // The same file by name, by another spelling, through a symbolic and a hard link.
  CHECK_THAT(refused(io::PathCheck().input("--trace", in).output("--report-json", in)),
             Contains("--report-json") && Contains("--trace") && Contains("same file"));
  const std::string other = (dir / "." / "trace.safetensors").string();
  CHECK_THAT(refused(io::PathCheck().input("--trace", in).output("-o", other)),
             Contains("same file"));
  fs::create_symlink(in, dir / "link");
  CHECK_THAT(refused(io::PathCheck().input("--trace", in).output("-o", (dir / "link").string())),
             Contains("same file"));
  fs::create_hard_link(in, dir / "hard");
  CHECK_THAT(refused(io::PathCheck().input("--trace", in).output("-o", (dir / "hard").string())),
             Contains("same file"));
  // Two outputs, one file (neither exists yet).
  const std::string f = (dir / "r.json").string();
  CHECK_THAT(refused(io::PathCheck().output("--report-json", f).output("--report-csv", f)),
             Contains("--report-csv") && Contains("--report-json"));
  // A directory, a missing folder.
  CHECK_THAT(refused(io::PathCheck().output("--outputs", dir.path().string())),
             Contains("directory"));
  CHECK_THAT(refused(io::PathCheck().output("--vcd", (dir / "no" / "w.vcd").string())),
             Contains("does not exist"));
  CHECK_THAT(refused(io::PathCheck().output("--vcd", "")), Contains("empty"));
  // Distinct files pass; an input that does not exist cannot be destroyed.
  CHECK(refused(io::PathCheck()
                    .input("--trace", in)
                    .input("--config", "paper")
                    .output("--report-json", f)
                    .output("--report-csv", (dir / "r.csv").string())
                    .output("--x", "paper_out"))
            .empty());
}

TEST_CASE("AtomicFile: devices are written in place and symbolic links are kept", "[io][atomic]") {
  const test::TempDir dir("atomic_special");
  // /dev/null must stay the device (a rename over it would replace it with a file).
  io::write_file_atomic("/dev/null", "discarded");
  struct stat st {};
  REQUIRE(::stat("/dev/null", &st) == 0);
  CHECK(S_ISCHR(st.st_mode));
  CHECK_NOTHROW(io::PathCheck()
                    .output("--report-json", "/dev/null")
                    .output("--report-csv", "/dev/null")
                    .check());
  // A link to a file: the file gets the new content, the link still points to it.
  std::ofstream(dir / "real.txt") << "old";
  fs::create_symlink(dir / "real.txt", dir / "link.txt");
  io::write_file_atomic((dir / "link.txt").string(), "new");
  CHECK(fs::is_symlink(dir / "link.txt"));
  CHECK(slurp(dir / "real.txt") == "new");
  CHECK(entries(dir) == 2);
}
