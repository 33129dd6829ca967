#pragma once
// The array-level golden interface behind `gcattn tile`: tokens 0..T-1 are written in order into
// one sub-tile and each query t is evaluated right after token t is written (causal).
#include <cstddef>
#include <vector>

#include "gcattn/config/hardware_params.h"

namespace gcattn {

struct TileResult {
  std::size_t tokens = 0;
  std::size_t dim = 0;
  std::vector<float> s;    // [T][T], 0 where masked (s > t)
  std::vector<float> phi;  // [T][T]
  std::vector<float> out;  // [T][dim] output-converter values
};

/// q: pulse fractions [T][dim] in [0,1]; k, v: stored volts [T][dim]. Leakage uses token age
/// (the hardware params' leakage mode must be token_age or off).
TileResult run_tile(const HardwareParams& p, const std::vector<double>& q,
                    const std::vector<double>& k, const std::vector<double>& v, std::size_t tokens);

}  // namespace gcattn
