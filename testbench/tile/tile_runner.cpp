#include "tile/tile_runner.h"

#include <charconv>
#include <sstream>

#include "base/errors.h"
#include "gcattn/numerics/converters.h"
#include "gcattn/numerics/subtile.h"

namespace gcattn {

double tile_decay_per_token(const Config& cfg, std::optional<double> decay_per_token) {
  if (decay_per_token) return *decay_per_token;
  return cfg.string("leakage.mode") == "off" ? 0.0 : cfg.number("leakage.decay_per_token");
}

HardwareParams tile_params(Config cfg, std::optional<double> decay_per_token,
                           const std::string& origin) {
  const double rate = tile_decay_per_token(cfg, decay_per_token);
  if (decay_per_token) {
    // Shortest round-trip text: the configuration parses back exactly this double.
    char buf[32];
    const auto res = std::to_chars(buf, buf + sizeof buf, rate);
    cfg.set("leakage.decay_per_token", std::string(buf, res.ptr), origin);
  }
  cfg.set("leakage.mode", rate == 0.0 ? "off" : "token_age", origin);
  return HardwareParams::from(cfg);
}

void check_tile_input(const HardwareParams& p, TileInput which, const std::string& name,
                      const std::vector<std::size_t>& shape, const std::vector<double>& data) {
  if (shape.size() != 2 || shape[1] != static_cast<std::size_t>(p.rows)) {
    std::string s = "(";
    for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    throw InputError(name + ": shape " + s + ") not supported; expected (T, " +
                     std::to_string(p.rows) + ") with T <= " + std::to_string(p.cols));
  }
  if (shape[0] == 0 || shape[0] > static_cast<std::size_t>(p.cols)) {
    throw InputError(name + ": " + std::to_string(shape[0]) + " tokens; a sub-tile holds 1 to " +
                     std::to_string(p.cols));
  }
  const bool q = which == TileInput::Q;
  const double lo = q ? 0.0 : p.kv_v_min_v, hi = q ? 1.0 : p.kv_v_max_v;
  const char* what = q ? "query pulse fraction" : "stored voltage";
  for (std::size_t i = 0; i < data.size(); ++i) {
    if (!(data[i] >= lo && data[i] <= hi)) {
      std::ostringstream os;
      os << name << ": value " << data[i] << " at [" << i / shape[1] << ", " << i % shape[1]
         << "] outside the " << what << " range [" << lo << ", " << hi << "]";
      throw InputError(os.str());
    }
  }
}

void check_tile_tokens(const std::string& qname, std::size_t qt, const std::string& kname,
                       std::size_t kt, const std::string& vname, std::size_t vt) {
  if (kt != qt || vt != qt) {
    throw InputError("token counts differ: " + qname + " has " + std::to_string(qt) + ", " + kname +
                     " " + std::to_string(kt) + ", " + vname + " " + std::to_string(vt));
  }
}

TileResult run_tile(const HardwareParams& p, const std::vector<double>& q,
                    const std::vector<double>& k, const std::vector<double>& v,
                    std::size_t tokens) {
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
