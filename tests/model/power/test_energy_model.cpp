// EnergyModel and EnergyLedger: per-event energies from circuit parameters against hand
// formulas, ledger guards, and the invariants of issue 3 (components sum to the total, no work
// means no dynamic energy, scaling with window fill and pulse widths).
#include <catch2/catch.hpp>

#include <cfloat>
#include <cmath>
#include <limits>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "gcattn/numerics/converters.h"
#include "gcattn/numerics/head.h"
#include "gcattn/numerics/subtile.h"
#include "gcattn/power/energy_model.h"

using namespace gcattn;
using Catch::Matchers::Contains;

namespace {

constexpr std::size_t kN = kEnergyComponentCount;

EnergyComponent comp(std::size_t i) {
  return static_cast<EnergyComponent>(i);
}

// A head with `tokens` random tokens written (k, v uniform over the DAC range, on the grid).
struct FilledHead {
  HardwareParams hw;
  HeadModel head;
  std::vector<double> q;
  FilledHead(const Config& cfg, int tokens, unsigned seed)
      : hw(HardwareParams::from(cfg)), head(hw) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> ukv(hw.kv_v_min_v, hw.kv_v_max_v), uq(0.0, 1.0);
    const WriteDac dac = WriteDac::from(hw);
    const PulseWidthDac qdac = PulseWidthDac::from(hw);
    std::vector<double> k(static_cast<std::size_t>(hw.rows)), v(k.size());
    for (int t = 0; t < tokens; ++t) {
      for (auto& x : k) x = dac.volts(ukv(rng));
      for (auto& x : v) x = dac.volts(ukv(rng));
      head.write_token_hw(t, k.data(), v.data(), 0.0);
    }
    for (int d = 0; d < hw.rows; ++d) q.push_back(qdac.fraction(uq(rng)));
  }
  // The attend energy of one step: every sub-tile's reads and conversions.
  EnergyLedger attend(const EnergyModel& em, const std::vector<double>& qf,
                      std::int64_t token) const {
    EnergyLedger l;
    std::vector<double> s(static_cast<std::size_t>(hw.cols)), phi(s.size()),
        a(static_cast<std::size_t>(hw.rows)), out(a.size());
    for (int m = 0; m < head.subtile_count(); ++m) {
      const SubTileActivity act =
          head.subtile(m).attend(qf.data(), 0.0, token, s.data(), phi.data(), a.data(), out.data());
      em.subtile_attend(l, act, hw.rows);
    }
    return l;
  }
};

}  // namespace

TEST_CASE("components map onto the paper's four categories", "[energy]") {
  std::set<std::string> names;
  std::set<int> cats;
  for (std::size_t i = 0; i < kN; ++i) {
    names.insert(component_name(comp(i)));
    cats.insert(static_cast<int>(category_of(comp(i))));
  }
  CHECK(names.size() == kN);
  CHECK(cats.size() == kEnergyCategoryCount);
  CHECK(std::string(category_name(EnergyCategory::Dac)) == "dac");
  CHECK(std::string(category_name(EnergyCategory::Qk)) == "qk");
  CHECK(std::string(category_name(EnergyCategory::Av)) == "av");
  CHECK(std::string(category_name(EnergyCategory::Digital)) == "digital");
  CHECK(category_of(EnergyComponent::KvWriteDac) == EnergyCategory::Dac);
  CHECK(category_of(EnergyComponent::QkArrayRead) == EnergyCategory::Qk);
  CHECK(category_of(EnergyComponent::CounterSteps) == EnergyCategory::Av);
  CHECK(category_of(EnergyComponent::Static) == EnergyCategory::Digital);
}

TEST_CASE("ledger rejects negative, non-finite and overflowing amounts", "[energy][ledger]") {
  EnergyLedger l;
  l.add(EnergyComponent::Routing, 1.5);
  CHECK_THROWS_AS(l.add(EnergyComponent::Routing, -1e-12), std::logic_error);
  CHECK_THROWS_WITH(l.add(EnergyComponent::Routing, -2.0), Contains("routing") && Contains("-2"));
  CHECK_THROWS_AS(l.add(EnergyComponent::Static, std::numeric_limits<double>::quiet_NaN()),
                  std::logic_error);
  CHECK_THROWS_AS(l.add(EnergyComponent::Static, std::numeric_limits<double>::infinity()),
                  std::logic_error);
  l.add(EnergyComponent::Control, DBL_MAX);
  CHECK_THROWS_WITH(l.add(EnergyComponent::Control, DBL_MAX), Contains("overflow"));
  CHECK(l.component(EnergyComponent::Control) == DBL_MAX);  // unchanged by the failed add
  CHECK(l.component(EnergyComponent::Routing) == 1.5);
  CHECK_THROWS_AS(l.add(static_cast<EnergyComponent>(kN), 1.0), std::logic_error);
}

TEST_CASE("ledger sums with compensation", "[energy][ledger]") {
  EnergyLedger l;
  l.add(EnergyComponent::Static, 1e16);
  for (int i = 0; i < 1000; ++i) l.add(EnergyComponent::Static, 1.0);
  CHECK(l.component(EnergyComponent::Static) == 1e16 + 1000.0);  // plain += would stay at 1e16
  EnergyLedger small;
  for (int i = 0; i < 10; ++i) small.add(EnergyComponent::Routing, 0.1);
  CHECK(small.component(EnergyComponent::Routing) ==
        1.0);  // naive summation gives 0.9999999999999999
  // merge adds component by component, keeping the compensation.
  EnergyLedger m;
  m.merge(l);
  m.merge(small);
  CHECK(m.component(EnergyComponent::Static) == 1e16 + 1000.0);
  CHECK(m.component(EnergyComponent::Routing) == 1.0);
  m.clear();
  CHECK(m.total() == 0.0);
}

TEST_CASE("ledger merge: each component its own Neumaier step, a failed merge changes nothing",
          "[energy][ledger]") {
  // One add to an empty ledger leaves (sum a, compensation 0); merging (b, 0) then gives
  // t = a + b with compensation c of add()'s step: component = t + c. Magnitudes 1e-3..1e16 so
  // that c is rarely zero; every component its own values (a lane mix-up shows).
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> exponent(-3.0, 16.0);
  for (int trial = 0; trial < 200; ++trial) {
    EnergyLedger x, y;
    std::vector<double> a(kN), b(kN);
    for (std::size_t i = 0; i < kN; ++i) {
      a[i] = std::pow(10.0, exponent(rng));
      b[i] = (i + trial) % 5 == 0 ? 0.0 : std::pow(10.0, exponent(rng));
      x.add(comp(i), a[i]);
      y.add(comp(i), b[i]);
    }
    x.merge(y);
    for (std::size_t i = 0; i < kN; ++i) {
      const double t = a[i] + b[i];
      const double c = std::fabs(a[i]) >= b[i] ? (a[i] - t) + b[i] : (b[i] - t) + a[i];
      INFO("trial " << trial << ", component " << i);
      CHECK(x.component(comp(i)) == t + c);
    }
  }
  EnergyLedger big, more;
  big.add(EnergyComponent::Static, DBL_MAX);
  big.add(EnergyComponent::Routing, 2.0);
  more.add(EnergyComponent::Routing, 1.0);
  more.add(EnergyComponent::Static, DBL_MAX);
  CHECK_THROWS_WITH(big.merge(more), Contains("static") && Contains("overflow"));
  CHECK(big.component(EnergyComponent::Routing) == 2.0);  // nothing merged
  CHECK(big.component(EnergyComponent::Static) == DBL_MAX);
}

TEST_CASE("components sum to the categories and the total", "[energy][invariants]") {
  const Config cfg = Config::paper();
  const EnergyModel em = EnergyModel::from(cfg);
  FilledHead h(cfg, 700, 3);
  EnergyLedger l = h.attend(em, h.q, 700);
  std::vector<double> kv(128, 0.6);
  em.kv_write(l, kv.data(), kv.data() + 64, 64);
  em.query(l, h.q.data(), 64, 11);
  em.digital(l, 11, 64);
  em.routing(l, em.step_routing_bits(11, 64).total());
  em.static_power(l, 65.0);
  double by_comp = 0.0, by_cat = 0.0;
  for (std::size_t i = 0; i < kN; ++i) {
    CHECK(l.component(comp(i)) > 0.0);  // this step exercises every component
    by_comp += l.component(comp(i));
  }
  for (std::size_t c = 0; c < kEnergyCategoryCount; ++c)
    by_cat += l.category(static_cast<EnergyCategory>(c));
  CHECK(by_comp == l.total());
  CHECK(by_cat == Approx(l.total()).epsilon(1e-14));
  CHECK(l.category(EnergyCategory::Qk) ==
        Approx(l.component(EnergyComponent::QueryWordline) +
               l.component(EnergyComponent::QkArrayRead) + l.component(EnergyComponent::QkBitline) +
               l.component(EnergyComponent::ChargeToPulse)));
}

TEST_CASE("no work means no dynamic energy", "[energy][invariants]") {
  const Config cfg = Config::paper();
  const EnergyModel em = EnergyModel::from(cfg);
  EnergyLedger l;
  CHECK(l.total() == 0.0);
  // An empty head: every sub-tile reports no active column; nothing is read or converted.
  FilledHead empty(cfg, 0, 1);
  CHECK(empty.attend(em, empty.q, 0).total() == 0.0);
  em.subtile_attend(l, SubTileActivity{}, 64);
  em.kv_write(l, nullptr, nullptr, 0);
  em.query(l, empty.q.data(), 64, 0);  // no active sub-tile to drive
  em.routing(l, 0.0);
  em.static_power(l, 0.0);
  em.static_idle(l, 1e6);  // idle power is 0 in the paper preset (power-gated)
  CHECK(l.total() == 0.0);
  // A zero query still converts (DAC) but charges no word line, reads nothing.
  FilledHead h(cfg, 1024, 2);
  const std::vector<double> zero(64, 0.0);
  EnergyLedger z = h.attend(em, zero, 1024);
  em.query(z, zero.data(), 64, 16);
  CHECK(z.component(EnergyComponent::QueryWordline) == 0.0);
  CHECK(z.component(EnergyComponent::QkArrayRead) == 0.0);
  CHECK(z.component(EnergyComponent::PhiWordline) == 0.0);  // S = 0 -> phi = 0
  CHECK(z.component(EnergyComponent::AvArrayRead) == 0.0);
  CHECK(z.component(EnergyComponent::CounterSteps) == 0.0);
  CHECK(z.component(EnergyComponent::QueryDac) > 0.0);
  // Static energy is power x time and nothing else.
  EnergyLedger s;
  em.static_power(s, 65.0);
  CHECK(s.total() == Approx(cfg.number("energy.static_power_mw") * 65.0));
}

TEST_CASE("event energies follow the circuit formulas", "[energy]") {
  const Config cfg = Config::paper();
  const EnergyModel em = EnergyModel::from(cfg);
  const double vdd = cfg.number("tech.vdd_v"), vread = cfg.number("cell.read_amplitude_v"),
               vbl = cfg.number("energy.bitline_v"), tmax = cfg.number("query_dac.t_max_ns");
  const int rows = 64, cols = 64;
  SECTION("K/V write: DAC bias x settle time, C x V x VDD per cell, word lines") {
    std::vector<double> k(rows), v(rows);
    double vsum = 0.0;
    for (int r = 0; r < rows; ++r) {
      k[r] = 0.9 * r / (rows - 1);
      v[r] = 0.9 - k[r] * 0.5;
      vsum += k[r] + v[r];
    }
    EnergyLedger l;
    em.kv_write(l, k.data(), v.data(), rows);
    const double dac_fj =
        2 * rows * cfg.number("energy.kv_dac_power_uw") * cfg.number("timing.write_kv_ns");
    CHECK(l.component(EnergyComponent::KvWriteDac) == Approx(dac_fj * 1e-3));
    const double c_node = cfg.number("energy.storage_node_ff") +
                          cfg.number("energy.write_bitline_ff_per_cell") * cols;
    const double wwl = 2 * cfg.number("energy.write_wordline_ff_per_cell") * rows * vdd * vdd;
    CHECK(l.component(EnergyComponent::KvCellWrite) == Approx((c_node * vsum * vdd + wwl) * 1e-3));
    // Data dependent: writing VDD/2 everywhere costs less cell energy than writing 0.9 V.
    EnergyLedger lo, hi;
    const std::vector<double> mid(rows, 0.45), top(rows, 0.9);
    em.kv_write(lo, mid.data(), mid.data(), rows);
    em.kv_write(hi, top.data(), top.data(), rows);
    CHECK(hi.component(EnergyComponent::KvCellWrite) > lo.component(EnergyComponent::KvCellWrite));
    CHECK(hi.component(EnergyComponent::KvWriteDac) == lo.component(EnergyComponent::KvWriteDac));
  }
  SECTION("query: one conversion per row, word-line charge per non-zero pulse and K array") {
    std::vector<double> q(rows, 0.0);
    for (int r = 0; r < 40; ++r) q[r] = (r % 15 + 1) / 15.0;
    EnergyLedger l;
    em.query(l, q.data(), rows, 16);
    CHECK(l.component(EnergyComponent::QueryDac) ==
          Approx(rows * cfg.number("energy.query_dac_fj_per_conversion") * 1e-3));
    CHECK(l.component(EnergyComponent::QueryWordline) ==
          Approx(40 * 16 * cfg.number("energy.read_wordline_ff_per_cell") * cols * vread * vread *
                 1e-3));
    q[3] = 1.5;
    CHECK_THROWS_AS(em.query(l, q.data(), rows, 16), std::invalid_argument);
  }
  SECTION("sub-tile attend: read = |V_read - V_bl| x activity x t_max, lines and converters") {
    SubTileActivity act;
    act.active_columns = 50;
    act.firing_columns = 20;
    act.k_read_activity = 1000.0;  // uA
    act.v_read_activity = 300.0;
    act.counter_steps = 123;
    EnergyLedger l;
    em.subtile_attend(l, act, rows);
    const double drop = std::fabs(vread - vbl);
    CHECK(l.component(EnergyComponent::QkArrayRead) == Approx(drop * 1000.0 * tmax * 1e-3));
    CHECK(l.component(EnergyComponent::AvArrayRead) == Approx(drop * 300.0 * tmax * 1e-3));
    const double cbl = cfg.number("energy.read_bitline_ff_per_cell");
    CHECK(l.component(EnergyComponent::QkBitline) == Approx(50 * cbl * rows * vbl * vbl * 1e-3));
    CHECK(l.component(EnergyComponent::AvBitline) == Approx(rows * cbl * cols * vbl * vbl * 1e-3));
    CHECK(l.component(EnergyComponent::ChargeToPulse) ==
          Approx(50 * cfg.number("energy.cpc_fj_per_conversion") * 1e-3));
    CHECK(
        l.component(EnergyComponent::PhiWordline) ==
        Approx(20 * cfg.number("energy.read_wordline_ff_per_cell") * rows * vread * vread * 1e-3));
    CHECK(l.component(EnergyComponent::OutputConverter) ==
          Approx(rows * cfg.number("energy.output_converter_fj_per_conversion") * 1e-3));
    CHECK(l.component(EnergyComponent::CounterSteps) ==
          Approx(123 * cfg.number("energy.counter_fj_per_step") * 1e-3));
  }
  SECTION("digital, routing, static") {
    EnergyLedger l;
    em.digital(l, 16, rows);
    CHECK(l.component(EnergyComponent::DigitalAdd) ==
          Approx((16 * rows * cfg.number("energy.add_fj_per_code") +
                  rows * cfg.number("energy.scaler_fj_per_output")) *
                 1e-3));
    CHECK(l.component(EnergyComponent::Control) == cfg.number("energy.control_pj_per_step"));
    em.routing(l, 1000.0);
    CHECK(l.component(EnergyComponent::Routing) ==
          Approx(1000.0 * cfg.number("energy.routing_fj_per_bit") * 1e-3));
    CHECK_THROWS_AS(em.routing(l, -1.0), std::invalid_argument);
    CHECK_THROWS_AS(em.static_power(l, -1.0), std::invalid_argument);
  }
}

TEST_CASE("routing bits follow the converters' code widths", "[energy]") {
  Config cfg = Config::paper();
  const EnergyModel em = EnergyModel::from(cfg);
  CHECK(em.query_code_bits() == 4);   // 16 levels
  CHECK(em.kv_code_bits() == 3);      // 8 levels
  CHECK(em.output_code_bits() == 6);  // reference grid: -16 .. +16, 33 values
  const RoutingBits b = em.step_routing_bits(16, 64);
  CHECK(b.host_in == 3 * 64 * 16);
  CHECK(b.to_arrays == 64 * 4 + 2 * 64 * 3);
  CHECK(b.to_adders == 16 * 64 * 6);
  CHECK(b.host_out == 64 * 16);
  CHECK(b.total() == 10880);
  cfg.set("output.mode=counter");  // sign + 15 magnitudes: 31 values
  CHECK(EnergyModel::from(cfg).output_code_bits() == 5);
}

TEST_CASE("energy scales with the window fill", "[energy][invariants]") {
  const Config cfg = Config::paper();
  const EnergyModel em = EnergyModel::from(cfg);
  // Same data generator: the half-full head holds the first 512 of the full head's tokens.
  FilledHead half(cfg, 512, 9), full(cfg, 1024, 9);
  const EnergyLedger lh = half.attend(em, full.q, 1024), lf = full.attend(em, full.q, 1024);
  // Per-column events scale exactly with the written columns, per-row events with the active
  // sub-tiles (8 of 16).
  CHECK(lh.component(EnergyComponent::QkBitline) ==
        Approx(0.5 * lf.component(EnergyComponent::QkBitline)));
  CHECK(lh.component(EnergyComponent::ChargeToPulse) ==
        Approx(0.5 * lf.component(EnergyComponent::ChargeToPulse)));
  CHECK(lh.component(EnergyComponent::AvBitline) ==
        Approx(0.5 * lf.component(EnergyComponent::AvBitline)));
  CHECK(lh.component(EnergyComponent::OutputConverter) ==
        Approx(0.5 * lf.component(EnergyComponent::OutputConverter)));
  // Reads scale with the data: about half (independent random halves).
  CHECK(lh.component(EnergyComponent::QkArrayRead) ==
        Approx(0.5 * lf.component(EnergyComponent::QkArrayRead)).epsilon(0.05));
  CHECK(lh.component(EnergyComponent::AvArrayRead) ==
        Approx(0.5 * lf.component(EnergyComponent::AvArrayRead)).epsilon(0.1));
  CHECK(lh.category(EnergyCategory::Qk) < 0.55 * lf.category(EnergyCategory::Qk));
  CHECK(lh.category(EnergyCategory::Qk) > 0.45 * lf.category(EnergyCategory::Qk));
}

TEST_CASE("read energy scales with the pulse widths", "[energy][invariants]") {
  Config cfg = Config::paper();
  cfg.set("signal.quantize=false");
  cfg.set("leakage.mode=off");
  const EnergyModel em = EnergyModel::from(cfg);
  FilledHead h(cfg, 1024, 5);
  // Halving every query pulse halves the K-array read charge; word lines are charged per pulse.
  std::vector<double> q_half(h.q);
  for (auto& x : q_half) x *= 0.5;
  const EnergyLedger full = h.attend(em, h.q, 1024), half = h.attend(em, q_half, 1024);
  CHECK(half.component(EnergyComponent::QkArrayRead) ==
        Approx(0.5 * full.component(EnergyComponent::QkArrayRead)));
  EnergyLedger wf, wh;
  em.query(wf, h.q.data(), 64, 16);
  em.query(wh, q_half.data(), 64, 16);
  CHECK(wh.component(EnergyComponent::QueryWordline) ==
        wf.component(EnergyComponent::QueryWordline));
  // A longer full-scale pulse (t_max) integrates proportionally more charge for the same data.
  Config slow = cfg;
  slow.set("query_dac.t_max_ns=30");
  const EnergyModel em_slow = EnergyModel::from(slow);
  const EnergyLedger longer = h.attend(em_slow, h.q, 1024);
  CHECK(longer.component(EnergyComponent::QkArrayRead) ==
        Approx(2.0 * full.component(EnergyComponent::QkArrayRead)));
  CHECK(longer.component(EnergyComponent::AvArrayRead) ==
        Approx(2.0 * full.component(EnergyComponent::AvArrayRead)));
  CHECK(longer.component(EnergyComponent::ChargeToPulse) ==
        full.component(EnergyComponent::ChargeToPulse));
}

TEST_CASE("energy configuration is validated", "[energy][errors]") {
  Config cfg = Config::paper();
  cfg.set("energy.bitline_v=1.2");
  CHECK_THROWS_WITH(EnergyModel::from(cfg), Contains("energy.bitline_v") && Contains("tech.vdd_v"));
  Config c2 = Config::paper();
  CHECK_THROWS_AS(c2.set("energy.routing_fj_per_bit=-3"), ConfigError);
  CHECK_THROWS_AS(c2.set("energy.static_power_mw=nan"), ConfigError);
}

TEST_CASE("read energy falls as stored cells decay with simulated time", "[energy][invariants]") {
  // Leakage uses elapsed simulated time: the longer the host keeps the accelerator waiting
  // (projections, MLP between layers), the weaker the stored signal and the read current.
  const Config cfg = Config::paper();  // leakage.mode = time, tau = 5 ms
  const HardwareParams hw = HardwareParams::from(cfg);
  const EnergyModel em = EnergyModel::from(cfg);
  SubTileModel tile(hw);
  std::vector<double> k(64), v(64), q(64, 1.0);
  for (int c = 0; c < 64; ++c) {
    for (int r = 0; r < 64; ++r) {
      k[r] = ((r + c) % 2) ? 0.9 : 0.0;
      v[r] = (r % 3) ? 0.9 : 0.0;
    }
    tile.write(c, k.data(), v.data(), 0.0, c);
  }
  std::vector<double> s(64), phi(64), a(64), out(64);
  auto read_energy = [&](double now_s) {
    EnergyLedger l;
    em.subtile_attend(
        l, tile.attend(q.data(), now_s, 64, s.data(), phi.data(), a.data(), out.data()), 64);
    return l.component(EnergyComponent::QkArrayRead);
  };
  const double fresh = read_energy(1e-9), waited = read_energy(1e-3), old = read_energy(5e-3);
  CHECK(waited < fresh);
  CHECK(old < waited);
  // |g(u)| of a full-scale cell is about 10.3 uA; after one tau the deviation is u/e.
  CHECK(old < 0.5 * fresh);
}

TEST_CASE("static_idle over a layer's ledgers equals it per ledger, and checks the duration",
          "[energy][ledger]") {
  Config cfg = Config::paper();
  cfg.set("energy.idle_power_mw=0.37");
  const EnergyModel em = EnergyModel::from(cfg);
  std::vector<EnergyLedger> each(3), batch(3);
  for (double ns : {65.0, 1e6, 0.1}) {
    for (auto& l : each) em.static_idle(l, ns);
    em.static_idle(batch.begin(), batch.end(), ns);
  }
  for (std::size_t h = 0; h < 3; ++h) {
    CHECK(batch[h].component(EnergyComponent::Static) > 0.0);
    CHECK(batch[h].component(EnergyComponent::Static) ==
          each[h].component(EnergyComponent::Static));
  }
  CHECK_THROWS_AS(em.static_idle(batch.begin(), batch.end(), -1.0), std::invalid_argument);
  CHECK(batch[0].component(EnergyComponent::Static) == each[0].component(EnergyComponent::Static));
}
