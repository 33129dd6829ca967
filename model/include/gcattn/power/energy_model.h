#pragma once
// Bottom-up energy: per-event energies computed from circuit parameters (configuration section
// "energy") and the actual data/activity, accumulated into a ledger of fine components, each
// belonging to one of the paper's four categories (dac, qk, av, digital).
// Calibration of the paper preset and the physics of every event: docs/validation.md.
#include <array>
#include <cmath>
#include <cstddef>

#include "gcattn/config/config.h"
#include "gcattn/config/hardware_params.h"
#include "gcattn/numerics/subtile.h"

namespace gcattn {

enum class EnergyCategory : int { Dac = 0, Qk, Av, Digital };
constexpr std::size_t kEnergyCategoryCount = 4;
const char* category_name(EnergyCategory c);  // "dac", "qk", "av", "digital"

enum class EnergyComponent : int {
  KvWriteDac = 0,   // dac: K/V write DAC settling
  KvCellWrite,      // dac: charging the storage nodes of the written cells
  QueryDac,         // dac: query pulse-width DAC (per pulse)
  QueryWordline,    // qk: word-line charging per query pulse
  QkArrayRead,      // qk: read voltage x integrated cell current in the K arrays
  QkBitline,        // qk: K-array bit-line charging
  ChargeToPulse,    // qk: first-stage converters (per active column)
  PhiWordline,      // av: word-line charging per phi pulse
  AvArrayRead,      // av: read voltage x integrated cell current in the V arrays
  AvBitline,        // av: V-array bit-line charging
  OutputConverter,  // av: signed output converters (per conversion)
  CounterSteps,     // av: counter toggles (per step counted)
  DigitalAdd,       // digital: adders of the sub-tile sum and output scaler
  Control,          // digital: sequencing/control per layer step
  Routing,          // digital: moving bits between host interface, arrays and adders
  Static,           // digital: static power x time
};
constexpr std::size_t kEnergyComponentCount = 16;
const char* component_name(EnergyComponent c);  // "kv_write_dac", ...
EnergyCategory category_of(EnergyComponent c);

/// Accumulators in pJ. add() rejects negative and non-finite amounts (throws std::logic_error)
/// and sums with compensation so long runs do not lose small contributions. An accumulator that
/// would overflow to infinity throws std::logic_error too, leaving the ledger unchanged.
class EnergyLedger {
 public:
  /// Inline: called for every event of every head; the checks cost a compare each.
  void add(EnergyComponent c, double pj) {
    const auto i = static_cast<std::size_t>(c);
    if (i >= kEnergyComponentCount || !(pj >= 0.0)) reject(c, pj);  // also catches NaN
    // Neumaier's variant of Kahan summation: comp_ collects the low-order bits lost by sum_.
    const double s = sum_[i];
    const double t = s + pj;
    if (!std::isfinite(t)) reject(c, pj);
    comp_[i] += std::fabs(s) >= pj ? (s - t) + pj : (pj - t) + s;
    sum_[i] = t;
  }
  void merge(const EnergyLedger& other);
  void clear() {  // inline: every step clears a ledger per head
    // Element stores (vectorised); an aggregate assignment became `rep stos`, whose start-up
    // cost dozens of cycles per array.
    for (std::size_t i = 0; i < kEnergyComponentCount; ++i) sum_[i] = comp_[i] = 0.0;
  }
  double component(EnergyComponent c) const;
  double category(EnergyCategory c) const;
  double total() const;

 private:
  std::array<double, kEnergyComponentCount> sum_{};
  std::array<double, kEnergyComponentCount> comp_{};  // Kahan compensation
  /// Throws std::logic_error naming the component and the bad amount (or the overflow).
  [[noreturn]] void reject(EnergyComponent c, double pj) const;
};

/// The circuit parameters of the "energy" and "tech" sections (units as in configs/schema.json).
struct EnergyParams {
  double vdd_v = 0.9;
  double read_wordline_ff_per_cell = 0.0;
  double read_bitline_ff_per_cell = 0.0;
  double bitline_v = 0.45;
  double storage_node_ff = 0.0;
  double write_bitline_ff_per_cell = 0.0;
  double write_wordline_ff_per_cell = 0.0;
  double kv_dac_power_uw = 0.0;
  double query_dac_fj_per_conversion = 0.0;
  double cpc_fj_per_conversion = 0.0;
  double output_converter_fj_per_conversion = 0.0;
  double counter_fj_per_step = 0.0;
  double add_fj_per_code = 0.0;
  double scaler_fj_per_output = 0.0;
  double control_pj_per_step = 0.0;
  double routing_fj_per_bit = 0.0;
  int routing_host_word_bits = 16;
  double static_power_mw = 0.0;
  double idle_power_mw = 0.0;

  static EnergyParams from(const Config& cfg);
};

/// Bits one head moves over its routing in one layer step (see EnergyModel::step_routing_bits).
struct RoutingBits {
  double host_in = 0.0;    // q, k, v words from the host interface
  double to_arrays = 0.0;  // q codes broadcast to the K arrays, k/v codes to the write DACs
  double to_adders = 0.0;  // output codes of every active sub-tile to the digital sum
  double host_out = 0.0;   // output words back to the host interface
  double total() const { return host_in + to_arrays + to_adders + host_out; }
};

/// Energies of the events of one head. Construct once (precomputes per-event constants); every
/// method is allocation-free and adds to the ledger only what the event costs. Who calls what
/// for one layer step of one head: kv_write once, query (or query_pulses) once (with the number of
/// active sub-tiles), subtile_attend per active sub-tile, digital once, routing with
/// step_routing_bits(), static_power with the step duration, static_idle for the time the head
/// waits while other layers (and the host) run.
class EnergyModel {
 public:
  static EnergyModel from(const Config& cfg);
  EnergyModel(const HardwareParams& hw, const EnergyParams& e, double write_kv_ns);

  /// A K/V column write of `rows` cells each (the stored voltages, for data-dependent charge).
  void kv_write(EnergyLedger& l, const double* k_volts, const double* v_volts, int rows) const;
  /// The same from sum |volts| over both columns (what the write drivers report).
  void kv_write(EnergyLedger& l, double abs_volts, int rows) const;
  /// Query pulses q_frac[rows] (each in [0, 1]) broadcast to `subtiles` K arrays.
  void query(EnergyLedger& l, const double* q_frac, int rows, int subtiles) const;
  /// The same from the number of non-zero pulses (what the query DACs report).
  void query_pulses(EnergyLedger& l, int pulses, int rows, int subtiles) const;
  /// The array reads and conversions of one sub-tile attend (from SubTileModel::attend).
  void subtile_attend(EnergyLedger& l, const SubTileActivity& act, int rows) const;
  /// Digital sum of `subtiles` x `rows` codes and the output scaler; control for one step.
  void digital(EnergyLedger& l, int subtiles, int rows) const;
  /// Bits moved over the on-chip routing.
  void routing(EnergyLedger& l, double bits) const;
  /// Static power of one head over a duration.
  void static_power(EnergyLedger& l, double duration_ns) const;
  /// Static power of an idle head (its layer not running) over a duration.
  void static_idle(EnergyLedger& l, double duration_ns) const;
  /// The same for every ledger of [first, last) (the heads of a layer: one check and product).
  template <class It>
  void static_idle(It first, It last, double duration_ns) const {
    if (first == last) return;
    const double pj = idle_pj(duration_ns);
    for (; first != last; ++first) (*first).add(EnergyComponent::Static, pj);
  }

  /// Checked static_idle energy of one head over a duration (pJ).
  double idle_pj(double duration_ns) const;

  /// The bits of one layer step of a head with `subtiles` active sub-tiles of `rows` rows:
  /// 3 x rows host words in (q, k, v), rows query codes + 2 x rows K/V codes to the arrays,
  /// subtiles x rows output codes to the adders, rows host words out. Code widths follow the
  /// converters' levels (query_dac.levels, kv_dac.levels, output.levels/mode).
  RoutingBits step_routing_bits(int subtiles, int rows) const;

  const EnergyParams& params() const { return e_; }
  int query_code_bits() const { return q_bits_; }
  int kv_code_bits() const { return kv_bits_; }
  int output_code_bits() const { return out_bits_; }

 private:
  EnergyParams e_;
  int q_bits_ = 4, kv_bits_ = 3, out_bits_ = 6;
  // Precomputed per-event energies (pJ); lines whose length is `rows` cells per cell.
  double kv_dac_pj_ = 0.0;                   // one write-DAC settle
  double cell_write_pj_per_v_ = 0.0;         // (C_sn + C_wbl) * VDD per volt written
  double write_wordline_pj_per_cell_ = 0.0;  // write word line, per cell it crosses
  double query_dac_pj_ = 0.0;
  double query_wordline_pj_ = 0.0;      // one query pulse on one K array
  double read_pj_per_ua_ = 0.0;         // V_drop * t_max: activity (uA-eq) -> pJ
  double k_bitline_pj_per_cell_ = 0.0;  // K-array column read, per cell on it
  double cpc_pj_ = 0.0;
  double phi_wordline_pj_per_cell_ = 0.0;  // phi pulse on a V-array column, per cell
  double v_bitline_pj_ = 0.0;              // one V-array row read
  double out_conv_pj_ = 0.0;
  double counter_pj_ = 0.0;
  double add_pj_ = 0.0;
  double scaler_pj_ = 0.0;
  double routing_pj_per_bit_ = 0.0;
};

}  // namespace gcattn
