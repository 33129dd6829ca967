// The accelerator with device variation and noise: the same non-ideal hardware as the numerics
// library's HeadModel (layer, head) of the same configuration, bit for bit.
#include <catch2/catch.hpp>

#include <vector>

#include "gcattn/numerics/head.h"
#include "model/systemc/bench_fixture.h"

using namespace gcattn;
using gcattn::test::Bench;
using gcattn::test::Tokens;
namespace rm = gcattn::sc::regmap;

namespace {

/// Scalers as the accelerator holds them: float32 words.
HeadScalers as_float(const HeadScalers& s) {
  auto f = [](double x) { return static_cast<double>(static_cast<float>(x)); };
  HeadScalers r;
  r.q = {f(s.q.gain), f(s.q.offset)};
  r.k = {f(s.k.gain), f(s.k.offset)};
  r.v = {f(s.v.gain), f(s.v.offset)};
  r.out = {f(s.out.gain), f(s.out.offset)};
  return r;
}

}  // namespace

TEST_CASE("Accelerator with variation and noise equals HeadModel of the same layer and head",
          "[systemc][accelerator][variation]") {
  // token_age leakage makes the comparison exact (as in the nominal test of test_accelerator).
  const Config cfg = test::small_config(
      {"leakage.mode=token_age", "leakage.decay_per_token=0.002", "variation.cell_gain_sigma=0.05",
       "variation.cell_offset_sigma_v=0.01", "variation.tau_sigma=0.5",
       "variation.converter_offset_sigma_lsb=0.5", "noise.read_sigma=0.03",
       "noise.write_sigma_v=0.01", "variation.seed=5", "noise.seed=6"});
  const int T = 70;  // crosses a sub-tile boundary
  Tokens tok(T, 2, 64, 7);
  std::vector<float> out(static_cast<std::size_t>(2 * T) * 128);
  Bench b("b", cfg, [&](Bench& b) {
    for (int t = 0; t < T; ++t) {
      for (std::uint32_t l = 0; l < 2; ++l) {
        b.host.step(l, static_cast<std::uint32_t>(t), rm::kCmdWriteKv | rm::kCmdAttend, tok.K(t),
                    tok.V(t), tok.Q(t), &out[(static_cast<std::size_t>(t) * 2 + l) * 128]);
      }
    }
  });
  sc_core::sc_start();
  b.check();
  REQUIRE(b.finished);

  const HardwareParams hw = HardwareParams::from(cfg);
  const HardwareParams nominal = nominal_hardware(hw);
  int nominal_differs = 0;
  for (int l = 0; l < 2; ++l) {
    for (int h = 0; h < 2; ++h) {
      const HeadScalers s = as_float(hw.default_scalers);
      HeadModel ref(hw, s, l, h), nom(nominal, s, l, h);
      std::vector<double> expect(64), plain(64);
      int mismatches = 0;
      for (int t = 0; t < T; ++t) {
        ref.write_token(t, tok.K(t) + h * 64, tok.V(t) + h * 64, 0.0);
        ref.attend(t, tok.Q(t) + h * 64, 0.0, expect.data());
        nom.write_token(t, tok.K(t) + h * 64, tok.V(t) + h * 64, 0.0);
        nom.attend(t, tok.Q(t) + h * 64, 0.0, plain.data());
        for (int d = 0; d < 64; ++d) {
          const float got = out[(static_cast<std::size_t>(t) * 2 + l) * 128 + h * 64 + d];
          mismatches += got != static_cast<float>(expect[d]);
          nominal_differs += got != static_cast<float>(plain[d]);
        }
      }
      INFO("layer " << l << " head " << h);
      CHECK(mismatches == 0);
    }
  }
  CHECK(nominal_differs > 100);  // the variation is visible in the outputs
}
