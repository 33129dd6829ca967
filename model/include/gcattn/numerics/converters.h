#pragma once
// The converters around the arrays: query pulse-width DAC, K/V write DAC, the first-stage
// charge-to-pulse converter (HardSigmoid) and the signed output converter. Plain numerics.
#include <limits>

#include "gcattn/config/hardware_params.h"
#include "gcattn/numerics/quantizer.h"

namespace gcattn {

/// Query input: x -> clamp [0, 1] -> 16-level grid; a fraction of t_max as a pulse width.
class PulseWidthDac {
 public:
  PulseWidthDac(int levels, double t_max_ns, bool quantize)
      : q_(0.0, 1.0, levels), t_max_ns_(t_max_ns), quantize_(quantize) {}
  static PulseWidthDac from(const HardwareParams& p) {
    return {p.q_levels, p.t_max_ns, p.quantize};
  }
  double fraction(double x) const {
    const double c = clamp(x, 0.0, 1.0);
    return quantize_ ? q_(c) : c;
  }
  /// The grid index of fraction(x) when quantising (fraction(x) == lsb() * index(x)).
  double index(double x) const { return q_.rounded(clamp(x, 0.0, 1.0)); }
  double width_ns(double fraction) const { return fraction * t_max_ns_; }
  double t_max_ns() const { return t_max_ns_; }
  double lsb() const { return q_.step(); }
  bool quantize() const { return quantize_; }

 private:
  UniformQuantizer q_;
  double t_max_ns_;
  bool quantize_;
};

/// K/V write: x -> clamp [v_min, v_max] -> levels-level grid (anchored at 0 V).
class WriteDac {
 public:
  WriteDac(int levels, double v_min, double v_max, bool quantize)
      : q_(v_min, v_max, levels), v_min_(v_min), v_max_(v_max), quantize_(quantize) {}
  static WriteDac from(const HardwareParams& p) {
    return {p.kv_levels, p.kv_v_min_v, p.kv_v_max_v, p.quantize};
  }
  double volts(double x) const {
    const double c = clamp(x, v_min_, v_max_);
    return quantize_ ? q_(c) : c;
  }
  /// volts(x), and in `index` its grid index (volts == step_v() * index exactly; NaN when not
  /// quantising), for arrays that store grid indices (GainCellArrayModel::set_write_grid).
  double volts(double x, double& index) const {
    const double c = clamp(x, v_min_, v_max_);
    if (!quantize_) {
      index = std::numeric_limits<double>::quiet_NaN();
      return c;
    }
    index = q_.rounded(c);
    return q_.step() * index;
  }
  double step_v() const { return q_.step(); }
  /// Grid indices of v_min and v_max: every quantised output's index lies between them (the
  /// clamp comes first and rounding is monotone). Arrays store index - grid_min_index().
  int grid_min_index() const { return static_cast<int>(q_.index(v_min_)); }
  int grid_max_index() const { return static_cast<int>(q_.index(v_max_)); }
  double v_min() const { return v_min_; }
  double v_max() const { return v_max_; }
  bool quantize() const { return quantize_; }

 private:
  UniformQuantizer q_;
  double v_min_, v_max_;
  bool quantize_;
};

/// First stage: column charge (uA-equivalent score S) to a pulse fraction phi = clamp(S/s_sat,0,1).
class ChargeToPulse {
 public:
  explicit ChargeToPulse(double s_sat) : inv_s_sat_(1.0 / s_sat) {}
  static ChargeToPulse from(const HardwareParams& p) { return ChargeToPulse(p.s_sat_ua); }
  /// One LSB of an offset, as a fraction of the full-scale pulse: the pulses' time resolution,
  /// taken as the query DAC's (assumed; the converter is not quantised itself).
  static double offset_lsb(const HardwareParams& p) { return 1.0 / (p.q_levels - 1); }
  double phi(double s) const { return clamp(s * inv_s_sat_, 0.0, 1.0); }
  /// phi of a converter with an input-referred offset (a fraction of the full-scale pulse).
  double phi(double s, double offset) const { return clamp(s * inv_s_sat_ + offset, 0.0, 1.0); }

 private:
  double inv_s_sat_;
};

/// Second stage: signed output charge A -> clamp(A/a_sat, -1, 1) -> reference grid or counter.
class OutputConverter {
 public:
  OutputConverter(double a_sat, int levels, OutputMode mode, bool quantize)
      : inv_a_sat_(1.0 / a_sat),
        ref_(-1.0, 1.0, levels),
        counter_(levels),
        mode_(mode),
        quantize_(quantize) {}
  static OutputConverter from(const HardwareParams& p) {
    return {p.a_sat_ua, p.out_levels, p.out_mode, p.quantize};
  }
  /// Normalised output in [-1, 1] (reference mode: up to +-(1 + step/2)).
  double convert(double a) const {
    const double x = clamp(a * inv_a_sat_, -1.0, 1.0);
    if (!quantize_) return x;
    return mode_ == OutputMode::Counter ? counter_(x) : ref_(x);
  }
  /// Both at once, quantising once: the value is derived from the code (reference grid:
  /// step * index; counter: count / n), which is exactly what convert() computes.
  double convert(double a, long& code) const {
    return from_normalised(clamp(a * inv_a_sat_, -1.0, 1.0), code);
  }
  /// The same for a converter with an input-referred offset (in units of a_sat).
  double convert(double a, double offset, long& code) const {
    return from_normalised(clamp(a * inv_a_sat_ + offset, -1.0, 1.0), code);
  }
  /// One step of the output grid in units of a_sat (the unit of converter offsets in LSB).
  double lsb() const {
    return mode_ == OutputMode::Counter ? 1.0 / counter_.max_count() : ref_.step();
  }
  /// Signed digital code (grid index) of a: what the counter holds.
  long code(double a) const {
    const double x = clamp(a * inv_a_sat_, -1.0, 1.0);
    return mode_ == OutputMode::Counter ? counter_.count(x) : ref_.index(x);
  }

 private:
  double from_normalised(double x, long& code) const {
    if (mode_ == OutputMode::Counter) {
      code = counter_.count(x);
      return quantize_ ? static_cast<double>(code) / counter_.max_count() : x;
    }
    code = ref_.index(x);
    return quantize_ ? ref_.step() * static_cast<double>(code) : x;
  }
  double inv_a_sat_;
  UniformQuantizer ref_;
  CounterQuantizer counter_;
  OutputMode mode_;
  bool quantize_;
};

}  // namespace gcattn
