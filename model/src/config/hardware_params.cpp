#include "gcattn/config/hardware_params.h"

#include <algorithm>

namespace gcattn {

HardwareParams HardwareParams::from(const Config& cfg) {
  HardwareParams p;
  p.rows = static_cast<int>(cfg.integer("array.rows"));
  p.cols = static_cast<int>(cfg.integer("array.cols"));
  p.window_tokens = static_cast<int>(cfg.integer("array.window_tokens"));
  if (p.window_tokens % p.cols != 0) {
    throw ConfigError("array.window_tokens = " + std::to_string(p.window_tokens) +
                      " must be a multiple of array.cols = " + std::to_string(p.cols));
  }
  p.cell_kind = cfg.string("cell.model") == "linear" ? CellKind::Linear : CellKind::Polynomial;
  const auto& c = cfg.numbers("cell.poly_coeffs_ua");
  std::copy(c.begin(), c.end(), p.poly_coeffs_ua.begin());
  p.read_amplitude_v = cfg.number("cell.read_amplitude_v");
  p.linear_slope_ua_per_v = cfg.number("cell.linear_slope_ua_per_v");
  p.v_mid_v = cfg.number("cell.v_mid_v");

  const std::string& mode = cfg.string("leakage.mode");
  p.leakage_mode = mode == "time"        ? LeakageMode::Time
                   : mode == "token_age" ? LeakageMode::TokenAge
                                         : LeakageMode::Off;
  p.tau_s = cfg.number("leakage.tau_s");
  p.decay_per_token = cfg.number("leakage.decay_per_token");
  p.decay_rounding = cfg.string("leakage.decay_rounding") == "bfloat16_qk"
                         ? DecayRounding::BFloat16QK
                         : DecayRounding::None;

  p.q_levels = static_cast<int>(cfg.integer("query_dac.levels"));
  p.t_max_ns = cfg.number("query_dac.t_max_ns");
  p.kv_levels = static_cast<int>(cfg.integer("kv_dac.levels"));
  p.kv_v_min_v = cfg.number("kv_dac.v_min_v");
  p.kv_v_max_v = cfg.number("kv_dac.v_max_v");
  if (!(p.kv_v_min_v < p.kv_v_max_v)) {
    throw ConfigError("kv_dac.v_min_v must be below kv_dac.v_max_v");
  }
  if (p.v_mid_v < p.kv_v_min_v || p.v_mid_v > p.kv_v_max_v) {
    throw ConfigError("cell.v_mid_v must lie inside [kv_dac.v_min_v, kv_dac.v_max_v]");
  }
  p.s_sat_ua = cfg.number("cpc.s_sat_ua");
  p.a_sat_ua = cfg.number("output.a_sat_ua");
  p.out_levels = static_cast<int>(cfg.integer("output.levels"));
  p.out_mode = cfg.string("output.mode") == "counter" ? OutputMode::Counter : OutputMode::Reference;
  if (p.out_mode == OutputMode::Counter && (p.out_levels % 2 != 0 || p.out_levels < 4)) {
    throw ConfigError(
        "output.levels must be even and >= 4 with output.mode = counter (sign + levels/2 "
        "magnitudes)");
  }
  p.quantize = cfg.boolean("signal.quantize");
  p.default_scalers.q = {cfg.number("scalers.q_gain"), cfg.number("scalers.q_offset")};
  p.default_scalers.k = {cfg.number("scalers.k_gain"), cfg.number("scalers.k_offset")};
  p.default_scalers.v = {cfg.number("scalers.v_gain"), cfg.number("scalers.v_offset")};
  p.default_scalers.out = {cfg.number("scalers.out_gain"), cfg.number("scalers.out_offset")};
  Nonideality& n = p.nonideal;
  n.cell_gain_sigma = cfg.number("variation.cell_gain_sigma");
  n.cell_offset_sigma_v = cfg.number("variation.cell_offset_sigma_v");
  n.tau_sigma = cfg.number("variation.tau_sigma");
  n.converter_offset_sigma_lsb = cfg.number("variation.converter_offset_sigma_lsb");
  n.variation_seed = static_cast<std::uint64_t>(cfg.integer("variation.seed"));
  n.read_sigma = cfg.number("noise.read_sigma");
  n.write_sigma_v = cfg.number("noise.write_sigma_v");
  n.noise_seed = static_cast<std::uint64_t>(cfg.integer("noise.seed"));
  return p;
}

HardwareParams nominal_hardware(HardwareParams p) {
  Nonideality zero;  // every sigma 0; the seeds stay (they are part of the configuration)
  zero.variation_seed = p.nonideal.variation_seed;
  zero.noise_seed = p.nonideal.noise_seed;
  p.nonideal = zero;
  return p;
}

HardwareParams ideal_hardware(HardwareParams p) {
  p = nominal_hardware(p);
  p.cell_kind = CellKind::Linear;
  p.quantize = false;
  p.leakage_mode = LeakageMode::Off;
  p.decay_rounding = DecayRounding::None;
  return p;
}

}  // namespace gcattn
