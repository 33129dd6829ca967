#include "sweep/spec.h"

#include <charconv>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "base/errors.h"
#include "gcattn/config/config.h"

namespace gcattn::sweep {

namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

class Checker {
 public:
  explicit Checker(std::string origin) : origin_(std::move(origin)) {}

  [[noreturn]] void fail(const std::string& where, const std::string& why) const {
    throw ConfigError(origin_ + ": " + where + ": " + why + " (docs/sweeps.md)");
  }

  const json::object& object(const json::value& v, const std::string& where) const {
    if (!v.is_object()) fail(where, "must be a JSON object, got " + json::serialize(v));
    return v.get_object();
  }

  const json::array& values(const json::value& v, const std::string& where) const {
    if (!v.is_array() || v.get_array().empty())
      fail(where, "must be a non-empty array of values, e.g. [4, 8], got " + json::serialize(v));
    return v.get_array();
  }

  std::string string(const json::value& v, const std::string& where) const {
    if (!v.is_string() || v.get_string().empty())
      fail(where, "must be a non-empty string, got " + json::serialize(v));
    return std::string(v.get_string());
  }

  std::size_t count(const json::value& v, const std::string& where) const {
    if (v.is_int64() && v.get_int64() >= 0) return static_cast<std::size_t>(v.get_int64());
    if (v.is_uint64()) return static_cast<std::size_t>(v.get_uint64());
    fail(where, "must be an integer >= 0, got " + json::serialize(v));
  }

  bool boolean(const json::value& v, const std::string& where) const {
    if (!v.is_bool()) fail(where, "must be true or false, got " + json::serialize(v));
    return v.get_bool();
  }

  std::string choice(const json::value& v, const std::string& where,
                     const std::vector<std::string>& allowed) const {
    const std::string s = v.is_string() ? std::string(v.get_string()) : json::serialize(v);
    for (const auto& a : allowed)
      if (s == a) return s;
    std::string list;
    for (const auto& a : allowed) list += (list.empty() ? "" : " | ") + a;
    fail(where, "must be one of " + list + ", got " + json::serialize(v));
  }

  // A configuration key appears once among base.set, axes and zip groups.
  void claim(const std::string& key, const std::string& where) {
    const auto [it, fresh] = keys_.emplace(key, where);
    if (!fresh) fail(where, "'" + key + "' is already given in " + it->second + "; give it once");
  }

 private:
  std::string origin_;
  std::map<std::string, std::string> keys_;
};

bool is_comment(json::string_view key) {
  return !key.empty() && key[0] == '_';
}

std::string resolve(const std::string& path, const std::string& base_dir) {
  const fs::path p(path);
  return (p.is_absolute() ? p : fs::path(base_dir) / p).lexically_normal().string();
}

bool is_preset(const std::string& name) {
  for (const auto& p : Config::preset_names())
    if (p == name) return true;
  return false;
}

Axis parse_axis(Checker& c, const std::string& key, const json::value& v,
                const std::string& where) {
  c.claim(key, where);
  Axis a{key, {}};
  for (const auto& x : c.values(v, where)) {
    for (const auto& seen : a.values)
      if (seen == x) c.fail(where, "lists " + json::serialize(x) + " twice");
    a.values.push_back(x);
  }
  return a;
}

void parse_run(Checker& c, const json::object& o, RunSettings& r, const std::string& base_dir) {
  for (const auto& kv : o) {
    const std::string key(kv.key());
    const std::string where = "run." + key;
    const json::value& v = kv.value();
    if (is_comment(kv.key())) continue;
    if (key == "tokens")
      r.tokens = c.count(v, where);
    else if (key == "mode")
      r.mode = c.choice(v, where, {"lt", "at"});
    else if (key == "accuracy")
      r.accuracy = c.boolean(v, where);
    else if (key == "dmi")
      r.dmi = c.boolean(v, where);
    else if (key == "quantum_ns") {
      if (!v.is_number() || !(v.to_number<double>() > 0.0))
        c.fail(where, "must be a number of ns > 0, got " + json::serialize(v));
      r.quantum_ns = v.to_number<double>();
    } else if (key == "calibrate_method")
      r.calibrate_method = c.choice(v, where, {"range", "paper"});
    else if (key == "calibrate_tokens")
      r.calibrate_tokens = c.count(v, where);
    else if (key == "scalers")
      r.scalers = resolve(c.string(v, where), base_dir);
    else
      c.fail(where,
             "unknown run setting; known: tokens, mode, accuracy, dmi, quantum_ns, "
             "calibrate_method, calibrate_tokens, scalers");
  }
}

}  // namespace

std::string number_text(double x) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, x);
  return std::string(buf, r.ptr);
}

std::string set_text(const json::value& v) {
  if (v.is_string()) return std::string(v.get_string());
  if (v.is_double()) return number_text(v.get_double());
  if (v.is_array()) {
    std::string s = "[";
    for (const auto& e : v.get_array()) s += (s.size() > 1 ? "," : "") + set_text(e);
    return s + "]";
  }
  return json::serialize(v);
}

Spec parse_spec(std::string_view text, const std::string& origin, const std::string& base_dir) {
  json::error_code ec;
  const json::value root = json::parse(text, ec);
  if (ec) throw ConfigError(origin + ": not valid JSON: " + ec.message());
  Checker c(origin);
  Spec s;
  s.origin = origin;
  s.source = c.object(root, "the spec");
  bool have_traces = false;
  for (const auto& kv : s.source) {
    const std::string key(kv.key());
    const json::value& v = kv.value();
    if (is_comment(kv.key())) continue;
    if (key == "base") {
      for (const auto& b : c.object(v, "base")) {
        const std::string bk(b.key());
        if (bk == "config") {
          s.config = s.config_written = c.string(b.value(), "base.config");
          if (!is_preset(s.config)) s.config = resolve(s.config, base_dir);
        } else if (bk == "set") {
          for (const auto& e : c.object(b.value(), "base.set")) {
            const std::string k(e.key());
            c.claim(k, "base.set." + k);
            s.set.emplace_back(k, e.value());
          }
        } else if (!is_comment(b.key())) {
          c.fail("base." + bk, "unknown key; known: config, set");
        }
      }
    } else if (key == "axes") {
      for (const auto& a : c.object(v, "axes"))
        s.axes.push_back(
            parse_axis(c, std::string(a.key()), a.value(), "axes." + std::string(a.key())));
    } else if (key == "zip") {
      if (!v.is_array()) c.fail("zip", "must be an array of groups {\"key\": [values], ...}");
      for (std::size_t g = 0; g < v.get_array().size(); ++g) {
        const std::string gw = "zip[" + std::to_string(g) + "]";
        std::vector<Axis> group;
        for (const auto& a : c.object(v.get_array()[g], gw)) {
          group.push_back(
              parse_axis(c, std::string(a.key()), a.value(), gw + "." + std::string(a.key())));
          if (group.back().values.size() != group.front().values.size())
            c.fail(gw, "its lists pair values element by element and must have one length: '" +
                           group.front().key + "' has " +
                           std::to_string(group.front().values.size()) + ", '" + group.back().key +
                           "' has " + std::to_string(group.back().values.size()));
        }
        if (group.empty()) c.fail(gw, "is empty");
        s.zips.push_back(std::move(group));
      }
    } else if (key == "traces") {
      for (const auto& t : c.values(v, "traces")) {
        s.traces.push_back(c.string(t, "traces[]"));
        s.trace_paths.push_back(resolve(s.traces.back(), base_dir));
      }
      have_traces = true;
    } else if (key == "run") {
      parse_run(c, c.object(v, "run"), s.run, base_dir);
    } else {
      c.fail(
          key,
          "unknown key; known: base, axes, zip, traces, run (keys starting with _ are comments)");
    }
  }
  if (!have_traces)
    c.fail("traces",
           "missing: list the KV-cache traces to replay, e.g. "
           "[\"traces/shakespeare-gpt2-mini.safetensors\"]");
  return s;
}

Spec load_spec(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path + ": cannot read the sweep spec");
  std::ostringstream os;
  os << in.rdbuf();
  return parse_spec(os.str(), path, fs::current_path().string());
}

}  // namespace gcattn::sweep
