// .npy reader. Accepted arrays: element count = product of the shape, values finite, and a
// float32 array written back by write_npy_f32 reads back identical.
#include <cmath>
#include <vector>

#include "base/errors.h"
#include "fuzz_support.h"
#include "io/npy.h"

using namespace gcattn;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = fuzz::scratch_file("a.npy", {reinterpret_cast<const char*>(data), size});
  try {
    const io::NpyArray a = io::read_npy(path);
    std::size_t n = 1;
    for (std::size_t d : a.shape) n *= d;
    FUZZ_CHECK(n == a.data.size());
    for (double x : a.data) FUZZ_CHECK(std::isfinite(x));
    if (a.dtype == "<f4") {
      const std::vector<float> f(a.data.begin(), a.data.end());
      const std::string out = fuzz::scratch_file("b.npy", "");
      io::write_npy_f32(out, a.shape, f);
      const io::NpyArray b = io::read_npy(out);
      FUZZ_CHECK(b.shape == a.shape);
      FUZZ_CHECK(b.data == a.data);
    }
  } catch (const gcattn::InputError&) {
  }
  return 0;
}
