#pragma once
// Bottom-up energy: per-event energies computed from circuit parameters (configuration section
// "energy") and the actual data/activity, accumulated into a ledger of fine components, each
// belonging to one of the paper's four categories (dac, qk, av, digital).
#include <array>
#include <cstddef>

#include "gcattn/config/config.h"
#include "gcattn/config/hardware_params.h"
#include "gcattn/numerics/subtile.h"

namespace gcattn {

enum class EnergyCategory : int { Dac = 0, Qk, Av, Digital };
constexpr std::size_t kEnergyCategoryCount = 4;
const char* category_name(EnergyCategory c);  // "dac", "qk", "av", "digital"

enum class EnergyComponent : int {
  KvWriteDac = 0,    // dac: K/V write DAC settling
  KvCellWrite,       // dac: charging the storage nodes of the written cells
  QueryDac,          // dac: query pulse-width DAC (per pulse)
  QueryWordline,     // qk: word-line charging per query pulse
  QkArrayRead,       // qk: read voltage x integrated cell current in the K arrays
  QkBitline,         // qk: K-array bit-line charging
  ChargeToPulse,     // qk: first-stage converters (per active column)
  PhiWordline,       // av: word-line charging per phi pulse
  AvArrayRead,       // av: read voltage x integrated cell current in the V arrays
  AvBitline,         // av: V-array bit-line charging
  OutputConverter,   // av: signed output converters (per conversion)
  CounterSteps,      // av: counter toggles (per step counted)
  DigitalAdd,        // digital: adders of the sub-tile sum and output scaler
  Control,           // digital: sequencing/control per layer step
  Routing,           // digital: moving bits between host interface, arrays and adders
  Static,            // digital: static power x time
};
constexpr std::size_t kEnergyComponentCount = 16;
const char* component_name(EnergyComponent c);  // "kv_write_dac", ...
EnergyCategory category_of(EnergyComponent c);

/// Accumulators in pJ. add() rejects negative and non-finite amounts (throws std::logic_error)
/// and sums with compensation so long runs do not lose small contributions.
class EnergyLedger {
 public:
  void add(EnergyComponent c, double pj);
  void merge(const EnergyLedger& other);
  void clear();
  double component(EnergyComponent c) const;
  double category(EnergyCategory c) const;
  double total() const;

 private:
  std::array<double, kEnergyComponentCount> sum_{};
  std::array<double, kEnergyComponentCount> comp_{};  // Kahan compensation
};

/// Energies of the events of one head. Construct once (precomputes per-event constants).
class EnergyModel {
 public:
  static EnergyModel from(const Config& cfg);

  /// A K/V column write of `rows` cells each (the stored voltages, for data-dependent charge).
  void kv_write(EnergyLedger& l, const double* k_volts, const double* v_volts, int rows) const;
  /// Query pulses q_frac[rows] broadcast to `subtiles` K arrays.
  void query(EnergyLedger& l, const double* q_frac, int rows, int subtiles) const;
  /// The array reads and conversions of one sub-tile attend (from SubTileModel::attend).
  void subtile_attend(EnergyLedger& l, const SubTileActivity& act, int rows) const;
  /// Digital sum of `subtiles` x `rows` codes and the output scaler; control for one step.
  void digital(EnergyLedger& l, int subtiles, int rows) const;
  /// Bits moved over the on-chip routing.
  void routing(EnergyLedger& l, double bits) const;
  /// Static power of one head over a duration.
  void static_power(EnergyLedger& l, double duration_ns) const;
};

}  // namespace gcattn
