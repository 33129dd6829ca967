// The .npy reader: malformed shapes and sizes are InputErrors naming the file, never an
// overflow, an allocation of the declared size or an unclassified exception.
#include <catch2/catch.hpp>

#include <cstdint>
#include <filesystem>
#include <fstream>

#include "base/errors.h"
#include "io/npy.h"
#include "testbench/player/player_support.h"

using namespace gcattn;
using Catch::Matchers::Contains;

namespace {

// A version 1.0 file with this shape text and data bytes.
std::string npy(const std::filesystem::path& dir, const std::string& shape, std::size_t data_bytes,
                const std::string& name = "a.npy") {
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }";
  header.append((64 - (10 + header.size() + 1) % 64) % 64, ' ');
  header.push_back('\n');
  const auto p = (dir / name).string();
  std::ofstream out(p, std::ios::binary);
  out.write("\x93NUMPY\x01\x00", 8);
  out.put(static_cast<char>(header.size() & 0xff)).put(static_cast<char>(header.size() >> 8));
  out << header << std::string(data_bytes, '\0');
  return p;
}

}  // namespace

TEST_CASE("npy: written and read back", "[io][npy]") {
  const test::TempDir dir("npy_rt");
  const auto p = (dir / "x.npy").string();
  io::write_npy_f32(p, {2, 3}, {1, 2, 3, 4, 5, 6.5f});
  const io::NpyArray a = io::read_npy(p);
  CHECK(a.shape == std::vector<std::size_t>{2, 3});
  CHECK(a.data == std::vector<double>{1, 2, 3, 4, 5, 6.5});
  CHECK(io::read_npy(npy(dir, "(2, 0)", 0)).size() == 0);
  CHECK(io::read_npy(npy(dir, "()", 4)).size() == 1);
}

TEST_CASE("npy: bad shapes, overflowing sizes and directories are input errors",
          "[io][npy][errors]") {
  const test::TempDir dir("npy_bad");
  const auto err = [](const std::string& path) {
    try {
      io::read_npy(path);
    } catch (const gcattn::InputError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  CHECK_THAT(err(npy(dir, "(-1, -1)", 16)), Contains("a.npy") && Contains("'-1'"));
  CHECK_THAT(err(npy(dir, "(4x, 2)", 32)), Contains("'4x'"));
  CHECK_THAT(err(npy(dir, "(+4, 2)", 32)), Contains("'+4'"));
  CHECK_THAT(err(npy(dir, "(99999999999999999999999, 2)", 32)), Contains("not a dimension"));
  // 2^63 x 4 elements: count x 4 bytes wraps to 0 in 64 bits.
  CHECK_THAT(err(npy(dir, "(9223372036854775808, 4)", 0)), Contains("too many elements"));
  CHECK_THAT(err(npy(dir, "(4611686018427387904, 4)", 0)), Contains("too many elements"));
  // A huge shape with no data: refused as truncated before any allocation.
  CHECK_THAT(err(npy(dir, "(1000000000, 1000)", 8)), Contains("truncated"));
  CHECK_THAT(err(dir.path().string()), Contains("is a directory"));
  CHECK_THAT(err((dir / "missing.npy").string()), Contains("missing.npy"));
}
