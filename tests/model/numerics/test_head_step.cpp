// The step kernel of a head (HeadStep), the slot map and the converter banks: HeadModel, which
// runs its steps through them, equals the path it had before them (scalar DACs, voltages written
// column by column, the sub-tile loops written out) bit for bit on random data.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "gcattn/numerics/converter_banks.h"
#include "gcattn/numerics/head.h"
#include "gcattn/numerics/head_step.h"
#include "gcattn/numerics/slot_map.h"
#include "gcattn/numerics/subtile.h"

using namespace gcattn;

namespace {

// The head of PAPER.md section 5 as HeadModel computed it before the step kernel: scalar DACs
// per element, voltages written with write_column, token t in sub-tile (t mod M) / cols, column
// t mod cols, the converters' loops written out, unread sub-tiles skipped in the digital sum.
class PreviousHead {
 public:
  PreviousHead(const HardwareParams& p, const HeadScalers& s) : p_(p), s_(s) {
    for (int m = 0; m < p.subtiles(); ++m) {
      Tile t{GainCellArrayModel(p.rows, p.cols, CellModel::from(p), Leakage::from(p), p.v_mid_v),
             GainCellArrayModel(p.rows, p.cols, CellModel::from(p), Leakage::from(p), p.v_mid_v),
             converter_offsets(p.nonideal, Site{0, 0, m}, Unit::ChargeToPulse, p.cols,
                               ChargeToPulse::offset_lsb(p)),
             converter_offsets(p.nonideal, Site{0, 0, m}, Unit::OutputConverter, p.rows,
                               OutputConverter::from(p).lsb())};
      t.k.set_nonideality(p.nonideal, Site{0, 0, m}, Unit::KArray);
      t.v.set_nonideality(p.nonideal, Site{0, 0, m}, Unit::VArray);
      if (p.quantize) {
        const WriteDac dac = WriteDac::from(p);
        const int lo = static_cast<int>(std::lround(round_half_even(p.kv_v_min_v / dac.step_v())));
        const int hi = static_cast<int>(std::lround(round_half_even(p.kv_v_max_v / dac.step_v())));
        t.k.set_write_grid(dac.step_v(), lo, hi);
        t.v.set_write_grid(dac.step_v(), lo, hi);
      }
      tiles_.push_back(std::move(t));
    }
  }

  void write(std::int64_t token, const float* k_raw, const float* v_raw, double t_s) {
    const WriteDac dac = WriteDac::from(p_);
    std::vector<double> kv(static_cast<std::size_t>(p_.rows)), vv(kv);
    for (int d = 0; d < p_.rows; ++d) {
      kv[d] = dac.volts(s_.k.apply(k_raw[d]));
      vv[d] = dac.volts(s_.v.apply(v_raw[d]));
    }
    const int slot = static_cast<int>(token % p_.window_tokens);
    Tile& t = tiles_[static_cast<std::size_t>(slot / p_.cols)];
    t.k.write_column(slot % p_.cols, kv.data(), t_s, token);
    t.v.write_column(slot % p_.cols, vv.data(), t_s, token);
  }

  // out[rows]; s and phi by window slot, sub[subtile][rows].
  void attend(std::int64_t token, const float* q_raw, double t_s, double* out,
              std::vector<double>& s, std::vector<double>& phi, std::vector<double>& sub) {
    const PulseWidthDac qdac = PulseWidthDac::from(p_);
    const ChargeToPulse cpc = ChargeToPulse::from(p_);
    const OutputConverter conv = OutputConverter::from(p_);
    const int R = p_.rows, C = p_.cols;
    std::vector<double> q(static_cast<std::size_t>(R)), a(static_cast<std::size_t>(R));
    for (int d = 0; d < R; ++d) q[d] = qdac.fraction(s_.q.apply(q_raw[d]));
    s.assign(static_cast<std::size_t>(p_.window_tokens), 0.0);
    phi = s;
    sub.assign(tiles_.size() * static_cast<std::size_t>(R), 0.0);
    for (int d = 0; d < R; ++d) out[d] = 0.0;
    for (std::size_t m = 0; m < tiles_.size(); ++m) {
      const Tile& t = tiles_[m];
      if (t.k.valid_columns() == 0) continue;
      double* sm = &s[m * C];
      double* pm = &phi[m * C];
      double* om = &sub[m * R];
      t.k.read_rows(q.data(), t_s, token, sm);
      for (int c = 0; c < C; ++c) {
        pm[c] = !t.k.valid(c)       ? 0.0
                : t.cpc_off.empty() ? cpc.phi(sm[c])
                                    : cpc.phi(sm[c], t.cpc_off[static_cast<std::size_t>(c)]);
      }
      t.v.read_cols(pm, t_s, token, a.data());
      for (int r = 0; r < R; ++r) {
        long code = 0;
        om[r] = t.out_off.empty()
                    ? conv.convert(a[r], code)
                    : conv.convert(a[r], t.out_off[static_cast<std::size_t>(r)], code);
        out[r] += om[r];
      }
    }
    for (int d = 0; d < R; ++d) out[d] = s_.out.apply(out[d]);
  }

 private:
  struct Tile {
    GainCellArrayModel k, v;
    std::vector<double> cpc_off, out_off;
  };
  HardwareParams p_;
  HeadScalers s_;
  std::vector<Tile> tiles_;
};

HardwareParams params(const std::vector<std::string>& sets) {
  Config cfg = Config::paper();
  cfg.set("array.window_tokens=192");  // 3 sub-tiles: the window wraps in a few hundred tokens
  for (const auto& s : sets) cfg.set(s);
  return HardwareParams::from(cfg);
}

}  // namespace

TEST_CASE("slot map: token t in slot t mod M, sub-tile slot / cols, column slot mod cols",
          "[numerics][head][slots]") {
  const SlotMap map(1024, 64);
  CHECK(map.subtiles() == 16);
  for (std::int64_t t : {0LL, 1LL, 63LL, 64LL, 65LL, 1023LL, 1024LL, 1090LL, 5000000123LL}) {
    const WindowSlot w = map(t);
    INFO("token " << t);
    CHECK(w.slot == static_cast<int>(t % 1024));
    CHECK(w.subtile == static_cast<int>((t % 1024) / 64));
    CHECK(w.column == static_cast<int>(t % 64));
    const WindowSlot f = slot_of(t, 1024, 64);
    CHECK((f.slot == w.slot && f.subtile == w.subtile && f.column == w.column));
  }
  // A window of 3 sub-tiles of 5 columns.
  const SlotMap small(15, 5);
  CHECK(small(16).slot == 1);
  CHECK(small(16).subtile == 0);
  CHECK(small(29).subtile == 2);
  CHECK(small(29).column == 4);
  // Power-of-two geometries take masks and a shift, the others divisions: the same slots.
  std::mt19937_64 rng(11);
  for (const auto& [window, cols] :
       {std::pair{1024, 64}, {256, 16}, {64, 64}, {192, 64}, {15, 5}}) {
    const SlotMap m(window, cols);
    for (int i = 0; i < 2000; ++i) {
      const std::int64_t t = i < 1000 ? i : static_cast<std::int64_t>(rng() >> 2);
      const WindowSlot a = m(t), b = slot_of(t, window, cols);
      INFO("window " << window << ", cols " << cols << ", token " << t);
      REQUIRE((a.slot == b.slot && a.subtile == b.subtile && a.column == b.column));
    }
  }
  const HardwareParams p = HardwareParams::from(Config::paper());
  CHECK(SlotMap(p).window_tokens() == p.window_tokens);
  CHECK(SlotMap(p).cols() == p.cols);
}

TEST_CASE("HeadModel through the step kernel equals its previous path bit for bit",
          "[numerics][head][step]") {
  const std::vector<std::vector<std::string>> configs = {
      {},                          // paper: time leakage, grid codes
      {"leakage.mode=token_age"},  // the authors' code
      {"signal.quantize=false"},   // voltages, scalar DACs
      {"output.mode=counter", "cell.model=linear"},
      {"variation.converter_offset_sigma_lsb=0.5", "variation.cell_gain_sigma=0.05",
       "noise.read_sigma=0.02"},  // the converters' offsets and the arrays' varied path
  };
  for (std::size_t ci = 0; ci < configs.size(); ++ci) {
    const HardwareParams p = params(configs[ci]);
    std::mt19937 rng(static_cast<unsigned>(17 + ci));
    std::normal_distribution<float> n(0.0f, 0.35f);
    std::uniform_real_distribution<double> ug(0.3, 1.6), uo(-0.1, 0.1);
    HeadScalers s;
    s.q = {ug(rng), 0.2 + uo(rng)};
    s.k = {ci % 2 ? -ug(rng) : ug(rng), 0.45 + uo(rng)};  // a negative gain too
    s.v = {ug(rng), 0.45 + uo(rng)};
    s.out = {ug(rng), uo(rng)};
    HeadModel head(p, s);
    PreviousHead ref(p, s);
    const int D = p.rows, T = 420;  // wraps the 192-token window twice
    std::vector<float> k(static_cast<std::size_t>(D)), v(k), q(k);
    std::vector<double> out(static_cast<std::size_t>(D)), expect(out), rs, rphi, rsub;
    int mismatches = 0;
    double signal = 0.0;
    for (int t = 0; t < T; ++t) {
      for (int d = 0; d < D; ++d) {
        k[d] = n(rng);
        v[d] = n(rng);
        q[d] = n(rng);
      }
      if (t % 37 == 5) k[3] = -0.0f;  // signed zeros and exact grid ties
      if (t % 41 == 7) v[9] = static_cast<float>(0.9 / 7 * 2.5 - s.v.offset);
      const double now = 1e-6 * t;
      head.write_token(t, k.data(), v.data(), now);
      ref.write(t, k.data(), v.data(), now);
      if (t % 3 == 2) continue;  // writes without an attend as well
      head.attend(t, q.data(), now + 3e-8, out.data());
      ref.attend(t, q.data(), now + 3e-8, expect.data(), rs, rphi, rsub);
      for (int d = 0; d < D; ++d) {
        mismatches += out[d] != expect[d];
        signal += std::fabs(out[d]);
      }
      for (std::size_t j = 0; j < rs.size(); ++j) {
        mismatches += head.scores()[j] != rs[j];
        mismatches += head.phis()[j] != rphi[j];
      }
      for (std::size_t j = 0; j < rsub.size(); ++j)
        mismatches += head.subtile_outputs()[j] != rsub[j];
    }
    INFO("configuration " << ci);
    CHECK(mismatches == 0);
    CHECK(signal > 1.0);
  }
}

namespace {

// A sub-tile stand-in that records how HeadStep::write_kv stored a token.
struct RecordingSubTile {
  int col = -1, kind = 0;  // kind 1: codes, 2: voltages
  std::int64_t token = -1;
  std::vector<std::uint8_t> k_code;
  std::vector<double> k_volts;
  void write(int c, const double* k, const double*, double, std::int64_t t) {
    col = c;
    kind = 2;
    token = t;
    k_volts.assign(k, k + 64);
  }
  void write_codes(int c, const std::uint8_t* k, const std::uint8_t*, double, std::int64_t t) {
    col = c;
    kind = 1;
    token = t;
    k_code.assign(k, k + 64);
  }
};

}  // namespace

TEST_CASE("HeadStep writes a token into its slot: grid codes, or voltages without a finite scaler",
          "[numerics][head][step]") {
  const HardwareParams p = params({});
  HeadStep step(p);
  REQUIRE(step.writes_codes());
  std::vector<RecordingSubTile> tiles(3);
  std::vector<float> k(64), v(64);
  for (int d = 0; d < 64; ++d) {
    k[d] = 0.01f * static_cast<float>(d - 32);
    v[d] = -k[d];
  }
  const WriteDac dac = WriteDac::from(p);
  const double abs_volts = step.write_kv(tiles, 200, k.data(), v.data(), p.default_scalers, 0.0);
  // 200 mod 192 = 8: sub-tile 0, column 8.
  CHECK(tiles[0].kind == 1);
  CHECK(tiles[0].col == 8);
  CHECK(tiles[0].token == 200);
  double expect_abs = 0.0;
  for (int d = 0; d < 64; ++d) {
    double index = 0.0;
    const double kv = dac.volts(p.default_scalers.k.apply(k[d]), index);
    CHECK(static_cast<int>(tiles[0].k_code[d]) == static_cast<int>(index) - dac.grid_min_index());
    expect_abs += std::fabs(kv) + std::fabs(dac.volts(p.default_scalers.v.apply(v[d])));
  }
  CHECK(abs_volts == Approx(expect_abs).epsilon(1e-14));

  // A non-finite scaler has no monotone transfer: the voltages are written as they come.
  HeadScalers bad = p.default_scalers;
  bad.k.gain = NAN;
  step.write_kv(tiles, 130, k.data(), v.data(), bad, 0.0);  // sub-tile 2, column 2
  CHECK(tiles[2].kind == 2);
  CHECK(tiles[2].col == 2);
  CHECK(std::isnan(tiles[2].k_volts[0]));

  // Without quantisation, always voltages.
  HeadStep continuous(params({"signal.quantize=false"}));
  CHECK_FALSE(continuous.writes_codes());
  continuous.write_kv(tiles, 64, k.data(), v.data(), p.default_scalers, 0.0);
  CHECK(tiles[1].kind == 2);
  CHECK(tiles[1].col == 0);
  CHECK(tiles[1].k_volts[5] == p.default_scalers.k.apply(k[5]));
}

TEST_CASE("HeadStep digital sum: read sub-tiles in order, then the output scaler",
          "[numerics][head][step]") {
  const HardwareParams p = params({});
  HeadStep step(p);
  std::vector<double> a(64, 0.25), b(64, -0.5), c(64, 4.0);
  std::vector<float> out(64);
  const double* outs[3] = {a.data(), nullptr, b.data()};  // sub-tile 1 holds no token
  step.digital_sum(
      3, [&](int m) { return outs[m]; }, AffineScaler{2.0, 1.0}, out.data());
  CHECK(out[7] == 0.5f);  // 2 * (0.25 - 0.5) + 1
  std::vector<double> dout(64);
  outs[1] = c.data();
  step.digital_sum(
      3, [&](int m) { return outs[m]; }, AffineScaler{1.0, 0.0}, dout.data());
  CHECK(dout[0] == 3.75);
}

TEST_CASE("Query DAC bank: the scalar transfer without quantisation or with a non-finite scaler",
          "[numerics][converters]") {
  const HardwareParams p = params({});
  QueryDacBank bank(p);
  const PulseWidthDac dac = PulseWidthDac::from(p);
  std::vector<float> q(64);
  for (int d = 0; d < 64; ++d) q[d] = 0.03f * static_cast<float>(d) - 0.4f;
  std::vector<double> f(64);
  for (const AffineScaler s : {AffineScaler{1.0, 0.0}, AffineScaler{-0.8, 0.9}}) {
    const QueryPulses pulses = bank.convert(q.data(), s, f.data());
    double mx = 0.0;
    int count = 0;
    for (int d = 0; d < 64; ++d) {
      CHECK(f[d] == dac.fraction(s.apply(q[d])));
      mx = std::max(mx, f[d]);
      count += f[d] > 0.0;
    }
    CHECK(pulses.max_fraction == mx);
    CHECK(pulses.count == count);
  }
  const QueryPulses nan_pulses = bank.convert(q.data(), AffineScaler{NAN, 0.0}, f.data());
  CHECK(std::isnan(f[0]));
  CHECK(nan_pulses.count == 0);
  QueryDacBank continuous(params({"signal.quantize=false"}));
  continuous.convert(q.data(), AffineScaler{1.0, 0.1}, f.data());
  CHECK(f[20] == std::min(std::max(1.0 * q[20] + 0.1, 0.0), 1.0));
}

TEST_CASE("Output converter bank: codes optional, the same values either way",
          "[numerics][converters]") {
  const HardwareParams p = params({"variation.converter_offset_sigma_lsb=0.3"});
  const OutputConverterBank bank(p, Site{1, 2, 0});
  std::vector<double> a(64), out1(64), out2(64);
  std::vector<long> code(64);
  for (int r = 0; r < 64; ++r) a[r] = 1.7 * (r - 30);
  const long s1 = bank.convert(a.data(), out1.data(), code.data());
  const long s2 = bank.convert(a.data(), out2.data(), nullptr);
  CHECK(s1 == s2);
  long sum = 0;
  for (int r = 0; r < 64; ++r) {
    CHECK(out1[r] == out2[r]);
    sum += std::labs(code[r]);
  }
  CHECK(sum == s1);
  CHECK(s1 > 0);
}

TEST_CASE("DAC statistics of timing-only steps equal those of the levels (sum |volts|, pulses)",
          "[numerics][converters][timing_only]") {
  // WriteDacBank::abs_volts counts values beyond each threshold and QueryDacBank::convert without
  // fractions takes the largest key's level: both must give exactly the numbers the per-value
  // levels give, for any number of levels (up to 15 thresholds counted, more found by the search),
  // either sign of gain, rows not a multiple of 16, values clamped at both ends.
  const std::vector<std::vector<std::string>> configs = {
      {},
      {"kv_dac.levels=2", "query_dac.levels=2"},
      {"kv_dac.levels=16", "query_dac.levels=4"},
      {"kv_dac.levels=32", "query_dac.levels=64"},  // beyond 15 thresholds: the search
      {"array.rows=86"},                            // 64 + 16 + a tail of 6 rows
      {"kv_dac.v_min_v=0.1"},                       // the grid's lowest level above 0
  };
  for (std::size_t ci = 0; ci < configs.size(); ++ci) {
    const HardwareParams p = params(configs[ci]);
    WriteDacBank kv(p);
    QueryDacBank qd(p);
    std::mt19937 rng(static_cast<unsigned>(101 + ci));
    std::normal_distribution<float> n(0.0f, 1.0f);
    std::uniform_real_distribution<double> ug(0.05, 3.0), uo(-1.0, 1.0), spread(0.01, 4.0);
    std::vector<float> raw(static_cast<std::size_t>(p.rows));
    std::vector<std::uint8_t> code(raw.size());
    std::vector<double> frac(raw.size());
    for (int trial = 0; trial < 300; ++trial) {
      const float scale = static_cast<float>(spread(rng));
      for (float& x : raw) x = scale * n(rng);
      if (trial % 7 == 0) raw[0] = -0.0f;
      const double sign = trial % 2 ? -1.0 : 1.0;
      const AffineScaler s{sign * ug(rng), uo(rng)};
      INFO("config " << ci << ", trial " << trial << ", scaler " << s.gain << " " << s.offset);
      // Values exactly at the thresholds (the first float of a level), where a compare off by
      // one would count wrongly: the thresholds of the same transfers the banks use.
      const WriteDac wdac = WriteDac::from(p);
      const PulseWidthDac qdac = PulseWidthDac::from(p);
      const LevelThresholds tk(
          [&](float x) {
            double index = 0.0;
            wdac.volts(s.apply(x), index);
            return static_cast<int>(index);
          },
          s.gain >= 0.0);
      const LevelThresholds tq([&](float x) { return static_cast<int>(qdac.index(s.apply(x))); },
                               s.gain >= 0.0);
      auto at_thresholds = [&](const LevelThresholds& t) {
        for (int j = 0; j < t.steps(); ++j) {
          const std::int32_t k = t.keys()[j] ^ t.flip();
          const std::int32_t bits = k ^ ((k >> 31) & 0x7FFFFFFF);  // float_key is its own inverse
          float x;
          std::memcpy(&x, &bits, sizeof x);
          raw[static_cast<std::size_t>(rng() % raw.size())] = x;
        }
      };
      if (trial % 3 != 0) at_thresholds(trial % 3 == 1 ? tk : tq);
      CHECK(kv.abs_volts(raw.data(), s) == kv.convert_codes(raw.data(), s, code.data()));
      const QueryPulses with = qd.convert(raw.data(), s, frac.data());
      const QueryPulses stats = qd.convert(raw.data(), s, nullptr);
      CHECK(stats.count == with.count);
      CHECK(stats.max_fraction == with.max_fraction);
    }
  }
}
