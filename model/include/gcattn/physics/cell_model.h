#pragma once
// Read current of a gain cell as a function of its stored deviation u = V_store - v_mid.
// Both published models (the cubic SPICE fit and the linear 19.3 uA/V model) are cubics in u,
// so one concrete class serves both without virtual dispatch in the array loops.
#include <array>

#include "gcattn/config/hardware_params.h"

namespace gcattn {

class CellModel {
 public:
  /// g(u) = sum_ij c_ij * vread^j * u^i, coefficients ordered i = 0..3, j = 0..3-i.
  static CellModel polynomial(const std::array<double, 10>& c_ij, double vread);
  static CellModel linear(double slope_ua_per_v);
  static CellModel from(const HardwareParams& p);

  /// Read current in uA at deviation u (V).
  double current_ua(double u) const { return c_[0] + u * (c_[1] + u * (c_[2] + u * c_[3])); }

  /// The model of a cell whose deviation has decayed by delta: h(u) = g(delta * u).
  CellModel decayed(double delta) const {
    return CellModel({c_[0], c_[1] * delta, c_[2] * delta * delta, c_[3] * delta * delta * delta});
  }

  /// Coefficients of u^0..u^3 in uA/V^i.
  const std::array<double, 4>& coefficients() const { return c_; }

 private:
  explicit CellModel(std::array<double, 4> c) : c_(c) {}
  std::array<double, 4> c_;
};

}  // namespace gcattn
