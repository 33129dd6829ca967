#pragma once
// The array-level golden interface behind `gcattn tile`: tokens 0..T-1 are written in order into
// one sub-tile and each query t is evaluated right after token t is written (causal).
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "gcattn/config/config.h"
#include "gcattn/config/hardware_params.h"

namespace gcattn {

struct TileResult {
  std::size_t tokens = 0;
  std::size_t dim = 0;
  std::vector<float> s;    // [T][T], 0 where masked (s > t)
  std::vector<float> phi;  // [T][T]
  std::vector<float> out;  // [T][dim] output-converter values
};

/// The hardware parameters of a tile run: leakage by token age at decay_per_token when given,
/// else at the configuration's leakage.decay_per_token (none when leakage.mode = off). The
/// configuration records the override's origin (`origin`).
HardwareParams tile_params(Config cfg, std::optional<double> decay_per_token,
                           const std::string& origin);
/// The decay rate per token tile_params uses for cfg and the override.
double tile_decay_per_token(const Config& cfg, std::optional<double> decay_per_token);

enum class TileInput { Q, K, V };
/// Checks one input: shape (T, rows) with 1 <= T <= cols, every value inside the input's range
/// (Q: pulse fractions in [0, 1]; K, V: stored volts in [kv_dac.v_min_v, kv_dac.v_max_v]).
/// InputError naming `name` (a file or argument), the index and the range.
void check_tile_input(const HardwareParams& p, TileInput which, const std::string& name,
                      const std::vector<std::size_t>& shape, const std::vector<double>& data);
/// Checks that q, k and v hold the same number of tokens.
void check_tile_tokens(const std::string& qname, std::size_t qt, const std::string& kname,
                       std::size_t kt, const std::string& vname, std::size_t vt);

/// q: pulse fractions [T][dim] in [0,1]; k, v: stored volts [T][dim]. Leakage uses token age
/// (the hardware params' leakage mode must be token_age or off).
TileResult run_tile(const HardwareParams& p, const std::vector<double>& q,
                    const std::vector<double>& k, const std::vector<double>& v, std::size_t tokens);

}  // namespace gcattn
