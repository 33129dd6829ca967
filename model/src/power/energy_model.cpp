#include "gcattn/power/energy_model.h"

#include <cmath>
#include <sstream>
#include <stdexcept>

#include "gcattn/numerics/converters.h"

namespace gcattn {
namespace {

constexpr double kPjPerFj = 1e-3;

// Bits of a code that takes `values` distinct values.
int bits_for(long values) {
  int b = 0;
  while ((1L << b) < values) ++b;
  return b;
}

void check_count(int n, const char* what) {
  if (n < 0) {
    throw std::invalid_argument(std::string("EnergyModel: negative ") + what + " (" +
                                std::to_string(n) + ")");
  }
}

void check_duration(double ns, const char* what) {
  if (!std::isfinite(ns) || ns < 0.0) {
    std::ostringstream os;
    os << "EnergyModel::" << what << ": duration " << ns << " ns must be finite and >= 0";
    throw std::invalid_argument(os.str());
  }
}

}  // namespace

EnergyParams EnergyParams::from(const Config& cfg) {
  EnergyParams e;
  e.vdd_v = cfg.number("tech.vdd_v");
  e.read_wordline_ff_per_cell = cfg.number("energy.read_wordline_ff_per_cell");
  e.read_bitline_ff_per_cell = cfg.number("energy.read_bitline_ff_per_cell");
  e.bitline_v = cfg.number("energy.bitline_v");
  e.storage_node_ff = cfg.number("energy.storage_node_ff");
  e.write_bitline_ff_per_cell = cfg.number("energy.write_bitline_ff_per_cell");
  e.write_wordline_ff_per_cell = cfg.number("energy.write_wordline_ff_per_cell");
  e.kv_dac_power_uw = cfg.number("energy.kv_dac_power_uw");
  e.query_dac_fj_per_conversion = cfg.number("energy.query_dac_fj_per_conversion");
  e.cpc_fj_per_conversion = cfg.number("energy.cpc_fj_per_conversion");
  e.output_converter_fj_per_conversion = cfg.number("energy.output_converter_fj_per_conversion");
  e.counter_fj_per_step = cfg.number("energy.counter_fj_per_step");
  e.add_fj_per_code = cfg.number("energy.add_fj_per_code");
  e.scaler_fj_per_output = cfg.number("energy.scaler_fj_per_output");
  e.control_pj_per_step = cfg.number("energy.control_pj_per_step");
  e.routing_fj_per_bit = cfg.number("energy.routing_fj_per_bit");
  e.routing_host_word_bits = static_cast<int>(cfg.integer("energy.routing_host_word_bits"));
  e.static_power_mw = cfg.number("energy.static_power_mw");
  e.idle_power_mw = cfg.number("energy.idle_power_mw");
  if (e.bitline_v > e.vdd_v) {
    std::ostringstream os;
    os << "energy.bitline_v = " << e.bitline_v << " V exceeds tech.vdd_v = " << e.vdd_v
       << " V: the integrator cannot hold the bit line above the supply; lower energy.bitline_v";
    throw ConfigError(os.str());
  }
  return e;
}

EnergyModel EnergyModel::from(const Config& cfg) {
  return EnergyModel(HardwareParams::from(cfg), EnergyParams::from(cfg),
                     cfg.number("timing.write_kv_ns"));
}

EnergyModel::EnergyModel(const HardwareParams& hw, const EnergyParams& e, double write_kv_ns)
    : e_(e) {
  q_bits_ = bits_for(hw.q_levels);
  kv_bits_ = bits_for(hw.kv_levels);
  // Largest output code magnitude (reference grid: 16 for 32 levels, counter: 15).
  const long max_code = OutputConverter::from(hw).code(hw.a_sat_ua);
  out_bits_ = bits_for(2 * max_code + 1);

  const double vread2 = hw.read_amplitude_v * hw.read_amplitude_v;
  const double vbl2 = e.bitline_v * e.bitline_v;
  // A DAC biased for the whole write phase: uW x ns = fJ.
  kv_dac_pj_ = e.kv_dac_power_uw * write_kv_ns * kPjPerFj;
  // Storage node plus the write bit line (a row: array.cols cells), charged to V from reset:
  // charge C * V drawn from VDD.
  cell_write_pj_per_v_ =
      (e.storage_node_ff + e.write_bitline_ff_per_cell * hw.cols) * e.vdd_v * kPjPerFj;
  // Lines whose length is `rows` cells are priced per cell and multiplied at the event.
  write_wordline_pj_per_cell_ = e.write_wordline_ff_per_cell * e.vdd_v * e.vdd_v * kPjPerFj;
  query_dac_pj_ = e.query_dac_fj_per_conversion * kPjPerFj;
  // A query word line runs along a K-array row (cols cells); a phi word line along a V-array
  // column (rows cells).
  query_wordline_pj_ = e.read_wordline_ff_per_cell * hw.cols * vread2 * kPjPerFj;
  phi_wordline_pj_per_cell_ = e.read_wordline_ff_per_cell * vread2 * kPjPerFj;
  // Activity is sum |fraction * I| in uA; times t_max (ns) it is charge in fC, dissipated across
  // the read path's voltage drop (V): fJ.
  const double v_drop = std::fabs(hw.read_amplitude_v - e.bitline_v);
  read_pj_per_ua_ = v_drop * hw.t_max_ns * kPjPerFj;
  // A K-array bit line is a column (rows cells); a V-array bit line is a row (cols cells).
  k_bitline_pj_per_cell_ = e.read_bitline_ff_per_cell * vbl2 * kPjPerFj;
  v_bitline_pj_ = e.read_bitline_ff_per_cell * hw.cols * vbl2 * kPjPerFj;
  cpc_pj_ = e.cpc_fj_per_conversion * kPjPerFj;
  out_conv_pj_ = e.output_converter_fj_per_conversion * kPjPerFj;
  counter_pj_ = e.counter_fj_per_step * kPjPerFj;
  add_pj_ = e.add_fj_per_code * kPjPerFj;
  scaler_pj_ = e.scaler_fj_per_output * kPjPerFj;
  routing_pj_per_bit_ = e.routing_fj_per_bit * kPjPerFj;
}

void EnergyModel::kv_write(EnergyLedger& l, const double* k_volts, const double* v_volts,
                           int rows) const {
  double volts = 0.0;
  for (int r = 0; r < rows; ++r) volts += std::fabs(k_volts[r]) + std::fabs(v_volts[r]);
  kv_write(l, volts, rows);
}

void EnergyModel::kv_write(EnergyLedger& l, double abs_volts, int rows) const {
  check_count(rows, "rows");
  if (rows == 0) return;
  l.add(EnergyComponent::KvWriteDac, 2.0 * rows * kv_dac_pj_);
  // Every written cell's node and write bit line, plus one write word line per array (K and V).
  l.add(EnergyComponent::KvCellWrite,
        abs_volts * cell_write_pj_per_v_ + 2.0 * rows * write_wordline_pj_per_cell_);
}

void EnergyModel::query(EnergyLedger& l, const double* q_frac, int rows, int subtiles) const {
  int pulses = 0;
  for (int r = 0; r < rows; ++r) {
    const double q = q_frac[r];
    if (!(q >= 0.0 && q <= 1.0)) {
      std::ostringstream os;
      os << "EnergyModel::query: pulse fraction " << q << " of row " << r << " outside [0, 1]";
      throw std::invalid_argument(os.str());
    }
    pulses += q > 0.0;
  }
  query_pulses(l, pulses, rows, subtiles);
}

void EnergyModel::query_pulses(EnergyLedger& l, int pulses, int rows, int subtiles) const {
  check_count(rows, "rows");
  check_count(subtiles, "subtiles");
  if (pulses < 0 || pulses > rows) {
    throw std::invalid_argument("EnergyModel::query_pulses: " + std::to_string(pulses) +
                                " pulses on " + std::to_string(rows) + " rows");
  }
  if (rows == 0 || subtiles == 0) return;  // nothing to drive: the DACs stay idle
  l.add(EnergyComponent::QueryDac, rows * query_dac_pj_);
  // A zero-width pulse never charges its word line.
  l.add(EnergyComponent::QueryWordline,
        static_cast<double>(pulses) * subtiles * query_wordline_pj_);
}

void EnergyModel::subtile_attend(EnergyLedger& l, const SubTileActivity& act, int rows) const {
  check_count(rows, "rows");
  check_count(act.active_columns, "active columns");
  check_count(act.firing_columns, "firing columns");
  if (act.counter_steps < 0) throw std::invalid_argument("EnergyModel: negative counter steps");
  if (act.active_columns == 0) return;  // an empty sub-tile is not read
  const double active = act.active_columns;
  l.add(EnergyComponent::QkArrayRead, act.k_read_activity * read_pj_per_ua_);
  l.add(EnergyComponent::QkBitline, active * rows * k_bitline_pj_per_cell_);
  l.add(EnergyComponent::ChargeToPulse, active * cpc_pj_);
  l.add(EnergyComponent::PhiWordline,
        static_cast<double>(act.firing_columns) * rows * phi_wordline_pj_per_cell_);
  l.add(EnergyComponent::AvArrayRead, act.v_read_activity * read_pj_per_ua_);
  l.add(EnergyComponent::AvBitline, rows * v_bitline_pj_);
  l.add(EnergyComponent::OutputConverter, rows * out_conv_pj_);
  l.add(EnergyComponent::CounterSteps, static_cast<double>(act.counter_steps) * counter_pj_);
}

void EnergyModel::digital(EnergyLedger& l, int subtiles, int rows) const {
  check_count(rows, "rows");
  check_count(subtiles, "subtiles");
  l.add(EnergyComponent::DigitalAdd,
        static_cast<double>(subtiles) * rows * add_pj_ + rows * scaler_pj_);
  l.add(EnergyComponent::Control, e_.control_pj_per_step);
}

void EnergyModel::routing(EnergyLedger& l, double bits) const {
  if (!std::isfinite(bits) || bits < 0.0) {
    std::ostringstream os;
    os << "EnergyModel::routing: " << bits << " bits; must be finite and >= 0";
    throw std::invalid_argument(os.str());
  }
  l.add(EnergyComponent::Routing, bits * routing_pj_per_bit_);
}

void EnergyModel::static_power(EnergyLedger& l, double duration_ns) const {
  check_duration(duration_ns, "static_power");
  l.add(EnergyComponent::Static, e_.static_power_mw * duration_ns);  // mW x ns = pJ
}

double EnergyModel::idle_pj(double duration_ns) const {
  check_duration(duration_ns, "static_idle");
  return e_.idle_power_mw * duration_ns;  // mW x ns = pJ
}

void EnergyModel::static_idle(EnergyLedger& l, double duration_ns) const {
  l.add(EnergyComponent::Static, idle_pj(duration_ns));
}

RoutingBits EnergyModel::step_routing_bits(int subtiles, int rows) const {
  check_count(rows, "rows");
  check_count(subtiles, "subtiles");
  RoutingBits b;
  const double word = e_.routing_host_word_bits;
  b.host_in = 3.0 * rows * word;
  b.to_arrays = static_cast<double>(rows) * q_bits_ + 2.0 * rows * kv_bits_;
  b.to_adders = static_cast<double>(subtiles) * rows * out_bits_;
  b.host_out = rows * word;
  return b;
}

}  // namespace gcattn
