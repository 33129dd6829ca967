#pragma once
// Typed view of the array/cell/converter parameters of a Config, checked for consistency.
// The numerics library takes this struct, so it never parses strings in a hot path.
#include <array>
#include <cstdint>

#include "gcattn/config/config.h"

namespace gcattn {

enum class CellKind { Polynomial, Linear };
enum class LeakageMode { Time, TokenAge, Off };
/// leakage.decay_rounding: how the decay factor is rounded before it multiplies a stored
/// deviation (None: not at all; BFloat16QK: to bfloat16 on the K side, as the authors' code).
enum class DecayRounding { None, BFloat16QK };
enum class OutputMode { Reference, Counter };

struct AffineScaler {
  double gain = 1.0;
  double offset = 0.0;
  double apply(double x) const { return gain * x + offset; }
};

/// Device variation (static, sampled once per cell or converter from `variation_seed`) and
/// noise (dynamic, drawn per event from `noise_seed`); docs/nonidealities.md. All zero: the
/// paper's identical, noiseless devices, simulated by the unchanged fast path.
struct Nonideality {
  double cell_gain_sigma = 0.0;             // relative, per cell read current
  double cell_offset_sigma_v = 0.0;         // V, per cell storage-node offset
  double tau_sigma = 0.0;                   // sigma of ln(tau), per cell
  double converter_offset_sigma_lsb = 0.0;  // LSB, per converter
  std::uint64_t variation_seed = 0;
  double read_sigma = 0.0;     // relative, per cell and read
  double write_sigma_v = 0.0;  // V, per cell and write
  std::uint64_t noise_seed = 0;

  /// Whether a gain-cell array deviates from the nominal one (cells or noise).
  bool arrays() const {
    return cell_gain_sigma > 0.0 || cell_offset_sigma_v > 0.0 || tau_sigma > 0.0 ||
           read_sigma > 0.0 || write_sigma_v > 0.0;
  }
  bool any() const { return arrays() || converter_offset_sigma_lsb > 0.0; }
};

/// The per-head scalers of PAPER.md section 3 (x_hw = gain * x + offset).
struct HeadScalers {
  AffineScaler q, k, v, out;
};

struct HardwareParams {
  // array
  int rows = 64;             // head dimension D
  int cols = 64;             // tokens per array
  int window_tokens = 1024;  // M
  // cell
  CellKind cell_kind = CellKind::Polynomial;
  std::array<double, 10> poly_coeffs_ua{};
  double read_amplitude_v = 0.9;
  double linear_slope_ua_per_v = 19.3;
  double v_mid_v = 0.45;
  // leakage
  LeakageMode leakage_mode = LeakageMode::Time;
  double tau_s = 5e-3;
  double decay_per_token = 1.6e-4;
  DecayRounding decay_rounding = DecayRounding::None;
  // converters
  int q_levels = 16;
  double t_max_ns = 15.0;
  int kv_levels = 8;
  double kv_v_min_v = 0.0;
  double kv_v_max_v = 0.9;
  double s_sat_ua = 80.0;
  double a_sat_ua = 40.0;
  int out_levels = 32;
  OutputMode out_mode = OutputMode::Reference;
  bool quantize = true;
  HeadScalers default_scalers;
  Nonideality nonideal;

  int subtiles() const { return window_tokens / cols; }

  /// Reads and cross-checks the parameters; throws ConfigError naming the offending keys.
  static HardwareParams from(const Config& cfg);
};

/// The ideal-hardware variant: linear cell, no quantisation, no leakage, no variation or noise
/// (same clamps).
HardwareParams ideal_hardware(HardwareParams p);
/// The same design without variation and noise (what calibration assumes).
HardwareParams nominal_hardware(HardwareParams p);

}  // namespace gcattn
