#include "sweep/plan.h"

#include <cstdint>
#include <filesystem>
#include <map>
#include <set>

#include "base/errors.h"
#include "gcattn/config/config.h"
#include "gcattn/config/hardware_params.h"
#include "trace/trace_file.h"

namespace gcattn::sweep {

namespace json = boost::json;

namespace {

// A value as it is handed to --set, after the loader converted it (so 4 and 4.0 of an integer
// parameter give one id): strings bare, numbers exact.
std::string canonical(const Config& cfg, const std::string& key) {
  const ParamValue& v = cfg.value(key);
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  if (const auto* x = std::get_if<double>(&v)) return number_text(*x);
  if (const auto* xs = std::get_if<std::vector<double>>(&v)) {
    std::string s = "[";
    for (double x : *xs) s += (s.size() > 1 ? "," : "") + number_text(x);
    return s + "]";
  }
  return format_value(v);
}

// One dimension of the cross product: an axis, or a zip group whose lists advance together.
struct Dimension {
  std::vector<const Axis*> axes;
  std::vector<std::string> where;  // "axes.KEY" or "zip[g].KEY"
  std::size_t size() const { return axes.front()->values.size(); }
};

std::vector<std::string> run_args(const RunSettings& r) {
  std::vector<std::string> a = {"--tokens",
                                std::to_string(r.tokens),
                                "--mode",
                                r.mode,
                                "--accuracy",
                                r.accuracy ? "on" : "off",
                                "--dmi",
                                r.dmi ? "on" : "off",
                                "--quantum",
                                number_text(r.quantum_ns),
                                "--calibrate-method",
                                r.calibrate_method,
                                "--calibrate-tokens",
                                std::to_string(r.calibrate_tokens)};
  if (!r.scalers.empty()) a.insert(a.end(), {"--scalers", r.scalers});
  return a;
}

void check_traces(const Spec& s) {
  for (std::size_t i = 0; i < s.trace_paths.size(); ++i) {
    const std::string where =
        s.origin + ": traces[" + std::to_string(i) + "] '" + s.traces[i] + "'";
    if (!std::filesystem::exists(s.trace_paths[i]))
      throw InputError(where + ": no such file (" + s.trace_paths[i] +
                       "; relative paths resolve against the current directory)");
    try {
      const trace::TraceReader r(s.trace_paths[i], {false});
      if (s.run.tokens > r.tokens())
        throw InputError("run.tokens = " + std::to_string(s.run.tokens) + " but the trace has " +
                         std::to_string(r.tokens()) + " tokens");
    } catch (const InputError& e) {
      throw InputError(where + ": " + e.what());
    }
  }
  if (!s.run.scalers.empty() && !std::filesystem::exists(s.run.scalers))
    throw InputError(s.origin + ": run.scalers: no such file " + s.run.scalers);
}

}  // namespace

std::string unit_id(const std::string& canonical) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : canonical) {
    h ^= c;
    h *= 1099511628211ull;
  }
  // MurmurHash3's finaliser: ids of similar units do not share long prefixes.
  h = (h ^ (h >> 33)) * 0xff51afd7ed558ccdull;
  h = (h ^ (h >> 33)) * 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 33;
  static const char* hex = "0123456789abcdef";
  std::string id(16, '0');
  for (int i = 15; i >= 0; --i, h >>= 4) id[static_cast<std::size_t>(i)] = hex[h & 15];
  return id;
}

Plan make_plan(const Spec& s) {
  check_traces(s);
  Plan plan;
  Config base = [&] {
    try {
      return Config::load(s.config);
    } catch (const ConfigError& e) {
      throw ConfigError(s.origin + ": base.config: " + e.what());
    }
  }();
  for (const auto& [key, v] : s.set) base.set(key, set_text(v), s.origin + ": base.set." + key);

  std::vector<Dimension> dims;
  for (const auto& a : s.axes) dims.push_back({{&a}, {"axes." + a.key}});
  for (std::size_t g = 0; g < s.zips.size(); ++g) {
    Dimension d;
    for (const auto& a : s.zips[g]) {
      d.axes.push_back(&a);
      d.where.push_back("zip[" + std::to_string(g) + "]." + a.key);
    }
    dims.push_back(d);
  }
  // Each value on its own first: the error names the spec entry, the key and the value.
  for (const auto& d : dims) {
    for (std::size_t k = 0; k < d.axes.size(); ++k) {
      plan.columns.push_back(d.axes[k]->key);
      for (std::size_t i = 0; i < d.size(); ++i) {
        Config c = base;
        c.set(d.axes[k]->key, set_text(d.axes[k]->values[i]),
              s.origin + ": " + d.where[k] + "[" + std::to_string(i) + "]");
      }
    }
  }

  std::vector<std::string> base_args = {"--config", s.config};
  std::map<std::string, std::string> base_values;
  for (const auto& [key, v] : s.set) {
    base_values[key] = canonical(base, key);
    base_args.insert(base_args.end(), {"--set", key + "=" + base_values[key]});
  }
  const std::vector<std::string> run = run_args(s.run);
  std::string run_canonical;
  for (const auto& a : run) run_canonical += a + " ";

  std::size_t points = 1;
  for (const auto& d : dims) points *= d.size();
  std::set<std::string> ids;
  for (std::size_t t = 0; t < s.traces.size(); ++t) {
    for (std::size_t p = 0; p < points; ++p) {
      Config cfg = base;
      Unit u;
      u.trace = s.traces[t];
      std::map<std::string, std::string> all = base_values;
      std::string point;  // for messages
      std::size_t rest = p;
      std::vector<std::size_t> index(dims.size());
      for (std::size_t d = dims.size(); d-- > 0;) {
        index[d] = rest % dims[d].size();
        rest /= dims[d].size();
      }
      for (std::size_t d = 0; d < dims.size(); ++d) {
        for (const Axis* a : dims[d].axes) {
          cfg.set(a->key, set_text(a->values[index[d]]));
          u.values.emplace_back(a->key, canonical(cfg, a->key));
          all[a->key] = u.values.back().second;
          point += (point.empty() ? "" : ", ") + a->key + "=" + u.values.back().second;
        }
      }
      try {
        HardwareParams::from(cfg);
      } catch (const ConfigError& e) {
        throw ConfigError(s.origin + ": the point {" + point + "}: " + e.what());
      }
      std::string desc =
          "config=" + s.config_written + "\ntrace=" + u.trace + "\nrun=" + run_canonical;
      for (const auto& [key, text] : all) desc += "\n" + key + "=" + text;
      u.id = unit_id(desc);
      if (!ids.insert(u.id).second)
        throw ConfigError(s.origin + ": two units have the same parameters {" + point +
                          "}, trace " + u.trace + "; list each value and trace once");
      u.args = {"run", "--trace", s.trace_paths[t]};
      u.args.insert(u.args.end(), base_args.begin(), base_args.end());
      for (const auto& [key, text] : u.values)
        u.args.insert(u.args.end(), {"--set", key + "=" + text});
      u.args.insert(u.args.end(), run.begin(), run.end());
      plan.units.push_back(std::move(u));
    }
  }

  json::array traces;
  for (const auto& t : s.trace_paths) traces.emplace_back(t);
  plan.identity = {
      {"spec", s.source}, {"config", s.config}, {"traces", traces}, {"scalers", s.run.scalers}};
  return plan;
}

}  // namespace gcattn::sweep
