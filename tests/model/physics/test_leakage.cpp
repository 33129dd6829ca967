// leakage.decay_rounding: the K side's decay factor rounded to bfloat16 as the authors' PyTorch
// code computes it, the V side in full precision; "none" is the unrounded factor, bit for bit.
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "gcattn/config/config.h"
#include "gcattn/config/hardware_params.h"
#include "gcattn/numerics/head.h"
#include "gcattn/numerics/subtile.h"
#include "gcattn/physics/leakage.h"
#include "support/paper_reference.h"

using namespace gcattn;

TEST_CASE("round_to_bfloat16: 8 significant bits, nearest even, through float32",
          "[physics][leakage][bf16]") {
  CHECK(round_to_bfloat16(1.0) == 1.0);
  CHECK(round_to_bfloat16(0.0) == 0.0);
  // Below 1 a bfloat16 step is 2^-8: exp(-0.08) = 0.92312 -> 236 / 256.
  CHECK(round_to_bfloat16(std::exp(-0.08)) == 236.0 / 256);
  CHECK(round_to_bfloat16(std::exp(-1.6e-4 * 100)) == 252.0 / 256);
  CHECK(round_to_bfloat16(std::exp(-1.6e-4 * 1023)) == 217.0 / 256);
  // Ties go to the even neighbour.
  CHECK(round_to_bfloat16(1.0 + std::ldexp(1.0, -8)) == 1.0);
  CHECK(round_to_bfloat16(1.0 + 3 * std::ldexp(1.0, -8)) == 1.0 + std::ldexp(1.0, -6));
  // A double just above a tie becomes the tie in float32 first (as torch's .to(torch.bfloat16)
  // of a float64 tensor), then rounds to even.
  CHECK(round_to_bfloat16(1.0 + std::ldexp(1.0, -8) + std::ldexp(1.0, -40)) == 1.0);
}

TEST_CASE("Leakage: decay_rounding bfloat16_qk rounds the K array's factor only",
          "[physics][leakage][bf16]") {
  Config cfg = Config::load("reference-code");
  HardwareParams p = HardwareParams::from(cfg);
  CHECK(p.decay_rounding == DecayRounding::None);  // the preset models none by default
  for (const std::int64_t age : {0, 1, 17, 500, 1023, 40000}) {
    const double exact = std::exp(-1.6e-4 * static_cast<double>(age));
    // none: the unrounded factor, bit for bit, on both sides.
    CHECK(Leakage::from(p, Unit::KArray).factor(0.0, age) == exact);
    CHECK(Leakage::from(p, Unit::VArray).factor(0.0, age) == exact);
  }
  cfg.set("leakage.decay_rounding=bfloat16_qk");
  p = HardwareParams::from(cfg);
  REQUIRE(p.decay_rounding == DecayRounding::BFloat16QK);
  for (const std::int64_t age : {0, 1, 17, 500, 1023, 40000}) {
    const double exact = std::exp(-1.6e-4 * static_cast<double>(age));
    CHECK(Leakage::from(p, Unit::KArray).factor(0.0, age) == round_to_bfloat16(exact));
    CHECK(Leakage::from(p, Unit::VArray).factor(0.0, age) == exact);
    CHECK(Leakage::from(p).factor(0.0, age) == exact);
  }
  // In time mode too (the option names the factor, whatever it decays with).
  cfg.set("leakage.mode=time");
  p = HardwareParams::from(cfg);
  const double exact = std::exp(-0.8e-3 / 5e-3);
  CHECK(Leakage::from(p, Unit::KArray).factor(0.8e-3, 0) == round_to_bfloat16(exact));
  CHECK(Leakage::from(p, Unit::VArray).factor(0.8e-3, 0) == exact);
  // ideal_hardware has no leakage and no rounding.
  CHECK(ideal_hardware(p).decay_rounding == DecayRounding::None);
}

// One stored token read 500 tokens later with one full-scale query pulse on row 5: the score is
// g(delta_K * u_5) with delta_K the bfloat16 of exp(-1.6e-4 * 500) = 236 / 256, the V read
// sum_d phi g(delta * u_v) with the exact delta (PAPER.md section 5, computed by hand).
TEST_CASE("bfloat16_qk changes the scores by exactly the rounding of delta, the V side not",
          "[physics][leakage][bf16]") {
  Config cfg = Config::load("reference-code");
  const HardwareParams none = HardwareParams::from(cfg);
  cfg.set("leakage.decay_rounding=bfloat16_qk");
  const HardwareParams bf16 = HardwareParams::from(cfg);
  const double step = 0.9 / 7;
  std::vector<double> kv(64), vv(64), q(64, 0.0);
  for (int d = 0; d < 64; ++d) {
    kv[d] = step * ((d * 3) % 8);  // on the write DACs' grid
    vv[d] = step * ((d * 5 + 1) % 8);
  }
  q[5] = 1.0;  // one full-scale pulse: S = g(delta * u_5)
  const double delta = std::exp(-1.6e-4 * 500);
  const double delta_k = 236.0 / 256;
  REQUIRE(round_to_bfloat16(delta) == delta_k);
  const double u5 = kv[5] - 0.45;
  REQUIRE(u5 != 0.0);

  std::vector<double> s(64), phi(64), a(64), out(64);
  for (const HardwareParams* p : {&none, &bf16}) {
    SubTileModel tile(*p);
    tile.write(0, kv.data(), vv.data(), 0.0, 0);
    tile.attend(q.data(), 0.0, 500, s.data(), phi.data(), a.data(), out.data());
    const double dk = p == &bf16 ? delta_k : delta;
    INFO((p == &bf16 ? "bfloat16_qk" : "none"));
    CHECK(tile.k_array().decay(0, 0.0, 500) == dk);
    CHECK(tile.v_array().decay(0, 0.0, 500) == delta);  // the V side: full precision
    CHECK(s[0] == Approx(test::paper_current_ua(dk * u5)).epsilon(1e-12));
    const double expect_phi = std::min(std::max(s[0] / 80.0, 0.0), 1.0);
    REQUIRE(expect_phi > 0.0);
    CHECK(phi[0] == Approx(expect_phi).epsilon(1e-14));
    for (int d = 0; d < 64; ++d) {
      CHECK(a[d] == Approx(phi[0] * test::paper_current_ua(delta * (vv[d] - 0.45))).epsilon(1e-12));
    }
  }
  // The two scores differ by what the rounding moved: g(236/256 u) vs g(0.92312 u).
  SubTileModel t_none(none), t_bf16(bf16);
  t_none.write(0, kv.data(), vv.data(), 0.0, 0);
  t_bf16.write(0, kv.data(), vv.data(), 0.0, 0);
  std::vector<double> s2(64);
  t_none.attend(q.data(), 0.0, 500, s.data(), phi.data(), a.data(), out.data());
  t_bf16.attend(q.data(), 0.0, 500, s2.data(), phi.data(), a.data(), out.data());
  CHECK(s2[0] != s[0]);
  CHECK(s2[0] - s[0] ==
        Approx(test::paper_current_ua(delta_k * u5) - test::paper_current_ua(delta * u5))
            .epsilon(1e-9));
}

TEST_CASE("decay_rounding none: HeadModel equals the unrounded head, bit for bit",
          "[physics][leakage][bf16]") {
  // The reference-code preset with and without the key set to its default: one model.
  Config a = Config::load("reference-code");
  Config b = Config::load("reference-code");
  b.set("leakage.decay_rounding=none");
  Config c = Config::load("reference-code");
  c.set("leakage.decay_rounding=bfloat16_qk");
  const HardwareParams pa = HardwareParams::from(a), pb = HardwareParams::from(b),
                       pc = HardwareParams::from(c);
  HeadModel ha(pa), hb(pb), hc(pc);
  std::vector<float> k(64), v(64), q(64);
  std::vector<double> oa(64), ob(64), oc(64);
  int same = 0, differ = 0;
  for (int t = 0; t < 300; ++t) {
    for (int d = 0; d < 64; ++d) {
      k[d] = 0.3f * std::sin(0.37f * static_cast<float>(t * 64 + d));
      v[d] = 0.3f * std::cos(0.23f * static_cast<float>(t * 64 + d));
      q[d] = 0.5f + 0.5f * std::sin(0.11f * static_cast<float>(t + 3 * d));
    }
    ha.write_token(t, k.data(), v.data(), 0.0);
    hb.write_token(t, k.data(), v.data(), 0.0);
    hc.write_token(t, k.data(), v.data(), 0.0);
    ha.attend(t, q.data(), 0.0, oa.data());
    hb.attend(t, q.data(), 0.0, ob.data());
    hc.attend(t, q.data(), 0.0, oc.data());
    for (int d = 0; d < 64; ++d) {
      same += oa[d] == ob[d];
      differ += oa[d] != oc[d];
    }
  }
  CHECK(same == 300 * 64);
  CHECK(differ > 0);  // the rounding reaches the outputs
}
