#include "gcattn/physics/cell_model.h"

#include <cmath>

namespace gcattn {

CellModel CellModel::polynomial(const std::array<double, 10>& c_ij, double vread) {
  std::array<double, 4> c{};
  std::size_t n = 0;
  for (int i = 0; i <= 3; ++i) {
    for (int j = 0; j <= 3 - i; ++j) c[i] += c_ij[n++] * std::pow(vread, j);
  }
  return CellModel(c);
}

CellModel CellModel::linear(double slope_ua_per_v) {
  return CellModel({0.0, slope_ua_per_v, 0.0, 0.0});
}

CellModel CellModel::from(const HardwareParams& p) {
  return p.cell_kind == CellKind::Linear ? linear(p.linear_slope_ua_per_v)
                                         : polynomial(p.poly_coeffs_ua, p.read_amplitude_v);
}

}  // namespace gcattn
