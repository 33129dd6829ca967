// Scalers reader (the JSON that `gcattn calibrate` writes and `run --scalers` reads). Accepted
// tables: shape as declared, values finite, and written back and read again bit for bit.
#include <cmath>
#include <cstring>

#include "base/errors.h"
#include "fuzz_support.h"
#include "scalers/scalers.h"

using namespace gcattn;

namespace {

bool same(double a, double b) {
  return std::memcmp(&a, &b, sizeof a) == 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const gcattn::ScalerTable t =
        gcattn::parse_scalers(std::string(reinterpret_cast<const char*>(data), size), "fuzz");
    FUZZ_CHECK(t.layers >= 1 && t.heads >= 1);
    FUZZ_CHECK(t.entries.size() == static_cast<std::size_t>(t.layers) * t.heads);
    const gcattn::ScalerTable b = gcattn::parse_scalers(gcattn::scalers_to_json(t), "round trip");
    FUZZ_CHECK(b.layers == t.layers && b.heads == t.heads && b.entries.size() == t.entries.size());
    for (std::size_t i = 0; i < t.entries.size(); ++i) {
      const HeadScalers &x = t.entries[i], &y = b.entries[i];
      for (const auto& [p, q] : {std::pair{x.q, y.q}, {x.k, y.k}, {x.v, y.v}, {x.out, y.out}}) {
        FUZZ_CHECK(std::isfinite(p.gain) && std::isfinite(p.offset));
        FUZZ_CHECK(same(p.gain, q.gain) && same(p.offset, q.offset));
      }
    }
  } catch (const gcattn::InputError&) {
  }
  return 0;
}
