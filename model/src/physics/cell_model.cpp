#include "gcattn/physics/cell_model.h"

#include <cmath>

namespace gcattn {

CellModel CellModel::polynomial(const std::array<double, 10>& c_ij, double vread) {
  // vread^j once per j (the same pow values as per term: every array of an accelerator builds
  // its model, so the 10 pow calls per model were a measurable part of its construction).
  const std::array<double, 4> vj = {std::pow(vread, 0), std::pow(vread, 1), std::pow(vread, 2),
                                    std::pow(vread, 3)};
  std::array<double, 4> c{};
  std::size_t n = 0;
  for (std::size_t i = 0; i <= 3; ++i) {
    for (std::size_t j = 0; j <= 3 - i; ++j) c[i] += c_ij[n++] * vj[j];
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
