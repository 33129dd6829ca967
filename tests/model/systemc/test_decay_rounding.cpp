// leakage.decay_rounding = bfloat16_qk in the accelerator: its K arrays round the decay factor
// as HeadModel's do (they share the numerics), so the two stay equal bit for bit, and the
// rounding changes the outputs.
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "gcattn/numerics/head.h"
#include "model/systemc/bench_fixture.h"

using namespace gcattn;
using gcattn::test::Bench;
using gcattn::test::Tokens;
namespace rm = gcattn::sc::regmap;

TEST_CASE("Accelerator with bfloat16_qk decay rounding equals HeadModel, and differs from none",
          "[systemc][accelerator][leakage][bf16]") {
  // token_age leakage: the comparison is exact (see test_accelerator.cpp). The default scalers
  // are float32 words already.
  const Config cfg =
      test::small_config({"leakage.mode=token_age", "leakage.decay_rounding=bfloat16_qk",
                          "leakage.decay_per_token=2e-3"});  // a visible decay within 90 tokens
  const int T = 90;  // crosses a sub-tile boundary (64 tokens per sub-tile)
  Tokens tok(T, 2, 64, 11);
  std::vector<float> out(static_cast<std::size_t>(T) * 2 * 64);
  Bench b("b", cfg, [&](Bench& b) {
    for (int t = 0; t < T; ++t) {
      b.host.step(0, static_cast<std::uint32_t>(t), rm::kCmdWriteKv | rm::kCmdAttend, tok.K(t),
                  tok.V(t), tok.Q(t), &out[static_cast<std::size_t>(t) * 128]);
    }
  });
  sc_core::sc_start();
  b.check();
  REQUIRE(b.finished);

  const HardwareParams hw = HardwareParams::from(cfg);
  REQUIRE(hw.decay_rounding == DecayRounding::BFloat16QK);
  HardwareParams unrounded = hw;
  unrounded.decay_rounding = DecayRounding::None;
  for (int h = 0; h < 2; ++h) {
    HeadModel ref(hw), plain(unrounded);
    std::vector<double> expect(64), other(64);
    int mismatches = 0, changed = 0;
    for (int t = 0; t < T; ++t) {
      ref.write_token(t, tok.K(t) + h * 64, tok.V(t) + h * 64, 0.0);
      plain.write_token(t, tok.K(t) + h * 64, tok.V(t) + h * 64, 0.0);
      ref.attend(t, tok.Q(t) + h * 64, 0.0, expect.data());
      plain.attend(t, tok.Q(t) + h * 64, 0.0, other.data());
      for (int d = 0; d < 64; ++d) {
        const float got = out[static_cast<std::size_t>(t) * 128 + h * 64 + d];
        mismatches += got != static_cast<float>(expect[d]);
        changed += got != static_cast<float>(other[d]);
      }
    }
    INFO("head " << h);
    CHECK(mismatches == 0);
    CHECK(changed > 0);
  }
}
