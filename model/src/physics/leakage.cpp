#include "gcattn/physics/leakage.h"

#include <Eigen/Core>

namespace gcattn {

// Eigen::bfloat16 of a double converts through float (static_cast<float>, then round to nearest
// even on the upper 16 bits), as c10::BFloat16 does: the same value as `.to(torch.bfloat16)`.
double round_to_bfloat16(double x) {
  return static_cast<double>(static_cast<float>(Eigen::bfloat16(static_cast<float>(x))));
}

}  // namespace gcattn
