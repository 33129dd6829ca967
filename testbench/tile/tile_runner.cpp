#include "tile/tile_runner.h"

#include "gcattn/numerics/converters.h"
#include "gcattn/numerics/subtile.h"

namespace gcattn {

TileResult run_tile(const HardwareParams& p, const std::vector<double>& q,
                    const std::vector<double>& k, const std::vector<double>& v, std::size_t tokens) {
  const std::size_t d = static_cast<std::size_t>(p.rows), cols = static_cast<std::size_t>(p.cols);
  TileResult r;
  r.tokens = tokens;
  r.dim = d;
  r.s.assign(tokens * tokens, 0.0f);
  r.phi.assign(tokens * tokens, 0.0f);
  r.out.assign(tokens * d, 0.0f);

  SubTileModel tile(p);
  const WriteDac kv_dac = WriteDac::from(p);
  const PulseWidthDac q_dac = PulseWidthDac::from(p);
  std::vector<double> kv(d), vv(d), qf(d), s(cols), phi(cols), a(d), out(d);
  for (std::size_t t = 0; t < tokens; ++t) {
    for (std::size_t i = 0; i < d; ++i) {
      kv[i] = kv_dac.volts(k[t * d + i]);
      vv[i] = kv_dac.volts(v[t * d + i]);
      qf[i] = q_dac.fraction(q[t * d + i]);
    }
    const auto tok = static_cast<std::int64_t>(t);
    tile.write(static_cast<int>(t), kv.data(), vv.data(), 0.0, tok);
    tile.attend(qf.data(), 0.0, tok, s.data(), phi.data(), a.data(), out.data());
    for (std::size_t j = 0; j <= t; ++j) {
      r.s[t * tokens + j] = static_cast<float>(s[j]);
      r.phi[t * tokens + j] = static_cast<float>(phi[j]);
    }
    for (std::size_t i = 0; i < d; ++i) r.out[t * d + i] = static_cast<float>(out[i]);
  }
  return r;
}

}  // namespace gcattn
