#include "gcattn/config/config.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>

#include <boost/json.hpp>

#include "gcattn/config/embedded.h"
#include "gcattn/config/json_parse.h"

namespace gcattn {
namespace json = boost::json;
namespace fs = std::filesystem;

const char* to_string(ParamType type) {
  switch (type) {
    case ParamType::Number:
      return "number";
    case ParamType::Integer:
      return "integer";
    case ParamType::Boolean:
      return "boolean";
    case ParamType::String:
      return "string";
    case ParamType::NumberArray:
      return "number_array";
  }
  return "?";
}

namespace {

std::string number_text(double x) {
  std::ostringstream os;
  os.precision(10);
  os << x;
  return os.str();
}

// Line and column of a byte offset, for parse errors.
std::string line_col(std::string_view text, std::size_t offset) {
  std::size_t line = 1, col = 1;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(col);
}

json::value parse_json(std::string_view text, const std::string& origin) {
  json::error_code ec;
  std::size_t used = 0;
  json::value v = parse_json_exact(text, ec, &used);
  if (ec) {
    throw ConfigError(origin + ": invalid JSON at " + line_col(text, used) + ": " + ec.message());
  }
  return v;
}

// Levenshtein distance, or `limit` once it is certain to be at least that: suggestions only want
// the closest key within a small distance, and fuzzed or mistyped keys are compared with every
// parameter, so rows whose minimum reaches the limit end the work early. Fuzzing builds leave it
// out of coverage instrumentation: its comparisons are arithmetic, not parsing, and their
// callbacks were most of fuzz_config's time.
#if defined(__clang__)
__attribute__((no_sanitize("coverage")))
#endif
std::size_t
edit_distance(std::string_view a, std::string_view b, std::size_t limit) {
  if ((a.size() > b.size() ? a.size() - b.size() : b.size() - a.size()) >= limit) return limit;
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    std::size_t row_min = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      // Plain comparisons: std::min's initializer-list form calls an instrumented helper.
      std::size_t d = prev[j - 1] + (a[i - 1] != b[j - 1] ? 1 : 0);
      if (prev[j] + 1 < d) d = prev[j] + 1;
      if (cur[j - 1] + 1 < d) d = cur[j - 1] + 1;
      cur[j] = d;
      if (d < row_min) row_min = d;
    }
    if (row_min >= limit) return limit;
    std::swap(prev, cur);
  }
  return std::min(prev[b.size()], limit);
}

// Characters of a key counted in 64 bins (c mod 64). Each edit removes at most one character and
// adds at most one, so the larger of the two one-sided differences of two keys' bins is a lower
// bound of their edit distance: most parameters are ruled out without the quadratic distance.
using CharBag = std::array<std::uint16_t, 64>;
#if defined(__clang__)
__attribute__((no_sanitize("coverage")))
#endif
CharBag
char_bag(std::string_view s) {
  CharBag bag{};
  for (const char c : s) ++bag[static_cast<unsigned char>(c) & 63u];
  return bag;
}
// Nor address checks: two fixed-size arrays, indexed within their bounds by the loop.
#if defined(__clang__)
__attribute__((no_sanitize("coverage", "address")))
#endif
std::size_t
bag_distance(const CharBag& a, const CharBag& b) {
  // Raw pointers: a checked std::array::operator[] (fuzzing builds) is a call with comparisons.
  const std::uint16_t* pa = a.data();
  const std::uint16_t* pb = b.data();
  std::size_t more = 0, fewer = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (pa[i] > pb[i]) more += pa[i] - pb[i];
    if (pb[i] > pa[i]) fewer += pb[i] - pa[i];
  }
  return more > fewer ? more : fewer;
}

double as_double(const json::value& v) {
  if (v.is_double()) return v.get_double();
  if (v.is_int64()) return static_cast<double>(v.get_int64());
  return static_cast<double>(v.get_uint64());
}

}  // namespace

std::string ParamSpec::allowed() const {
  switch (type) {
    case ParamType::Boolean:
      return "true or false";
    case ParamType::String: {
      std::string s = "one of";
      for (const auto& c : choices) s += " '" + c + "'";
      return s;
    }
    case ParamType::NumberArray:
      return std::to_string(length) + " numbers, each in [" + number_text(min) + ", " +
             number_text(max) + "] " + unit;
    case ParamType::Integer:
      return "an integer in [" + number_text(min) + ", " + number_text(max) + "] " + unit;
    case ParamType::Number:
      return "a finite number in [" + number_text(min) + ", " + number_text(max) + "] " + unit;
  }
  return "";
}

std::string format_value(const ParamValue& value) {
  struct Visitor {
    std::string operator()(double x) const { return number_text(x); }
    std::string operator()(std::int64_t x) const { return std::to_string(x); }
    std::string operator()(bool x) const { return x ? "true" : "false"; }
    std::string operator()(const std::string& x) const { return "\"" + x + "\""; }
    std::string operator()(const std::vector<double>& xs) const {
      std::string s = "[";
      for (std::size_t i = 0; i < xs.size(); ++i) s += (i ? ", " : "") + number_text(xs[i]);
      return s + "]";
    }
  };
  return std::visit(Visitor{}, value);
}

// ---------------------------------------------------------------------------------------------
ParameterSchema ParameterSchema::parse(std::string_view text, const std::string& origin) {
  ParameterSchema schema;
  const json::value root = parse_json(text, origin);
  if (!root.is_object()) throw ConfigError(origin + ": the schema must be a JSON object");
  for (const auto& kv : root.as_object()) {
    const std::string key(kv.key());
    if (key == "_renamed") {
      if (!kv.value().is_object()) throw ConfigError(origin + ": '_renamed' must be an object");
      for (const auto& r : kv.value().as_object()) {
        if (!r.value().is_string())
          throw ConfigError(origin + ": _renamed." + std::string(r.key()) + " must be a string");
        schema.renamed_[std::string(r.key())] = std::string(r.value().as_string());
      }
      continue;
    }
    if (key.empty() || key[0] == '_') continue;
    const auto where = origin + ": parameter '" + key + "'";
    if (!kv.value().is_object()) throw ConfigError(where + " must be an object");
    const auto& o = kv.value().as_object();
    ParamSpec spec;
    spec.key = key;
    const auto str = [&](const char* field) -> std::string {
      const auto* v = o.if_contains(field);
      if (!v || !v->is_string())
        throw ConfigError(where + ": missing string field '" + field + "'");
      return std::string(v->as_string());
    };
    const std::string type = str("type");
    if (type == "number")
      spec.type = ParamType::Number;
    else if (type == "integer")
      spec.type = ParamType::Integer;
    else if (type == "boolean")
      spec.type = ParamType::Boolean;
    else if (type == "string")
      spec.type = ParamType::String;
    else if (type == "number_array")
      spec.type = ParamType::NumberArray;
    else
      throw ConfigError(where + ": unknown type '" + type + "'");
    spec.unit = str("unit");
    spec.source = str("source");
    if (spec.source != "paper" && spec.source != "derived" && spec.source != "assumed") {
      throw ConfigError(where + ": source must be paper, derived or assumed");
    }
    spec.doc = str("doc");
    if (const auto* v = o.if_contains("min")) spec.min = as_double(*v);
    if (const auto* v = o.if_contains("max")) spec.max = as_double(*v);
    if (const auto* v = o.if_contains("enum")) {
      for (const auto& c : v->as_array()) spec.choices.emplace_back(c.as_string());
    }
    if (const auto* v = o.if_contains("length"))
      spec.length = static_cast<std::size_t>(v->to_number<std::int64_t>());
    if (spec.type == ParamType::String && spec.choices.empty()) {
      throw ConfigError(where + ": string parameters need an 'enum'");
    }
    if (spec.key.find('.') == std::string::npos) {
      throw ConfigError(where + ": keys are 'section.name'");
    }
    schema.index_[spec.key] = schema.params_.size();
    schema.key_bags_.push_back(char_bag(spec.key));
    schema.params_.push_back(std::move(spec));
  }
  for (const auto& [key, index] : schema.index_) schema.by_key_.push_back(index);
  return schema;
}

const ParameterSchema& ParameterSchema::builtin() {
  static const ParameterSchema schema = parse(detail::embedded_schema(), "configs/schema.json");
  return schema;
}

std::size_t ParameterSchema::index_of(std::string_view key) const {
  const auto it = index_.find(key);
  return it == index_.end() ? npos : it->second;
}

const ParamSpec* ParameterSchema::find(std::string_view key) const {
  const std::size_t i = index_of(key);
  return i == npos ? nullptr : &params_[i];
}

std::string ParameterSchema::suggest(std::string_view key) const {
  // Edit distance is quadratic: a key far longer than any parameter name gets no suggestion
  // (a megabyte-long key in a file would otherwise take seconds).
  constexpr std::size_t kMaxSuggestKey = 128;
  if (key.size() > kMaxSuggestKey) return {};
  if (const auto it = renamed_.find(key); it != renamed_.end()) return it->second;
  std::string best;
  std::size_t best_d = std::max<std::size_t>(3, key.size() / 3) + 1;
  const CharBag key_bag = char_bag(key);
  for (std::size_t i = 0; i < params_.size(); ++i) {
    const std::size_t n = params_[i].key.size();
    if ((n > key.size() ? n - key.size() : key.size() - n) >= best_d) continue;
    if (bag_distance(key_bag, key_bags_[i]) >= best_d) continue;
    const std::size_t d = edit_distance(key, params_[i].key, best_d);
    if (d < best_d) {
      best_d = d;
      best = params_[i].key;
    }
  }
  return best;
}

const ParamSpec& ParameterSchema::at(std::string_view key) const {
  if (const auto* p = find(key)) return *p;
  std::string msg = "unknown parameter '" + std::string(key) + "'";
  const std::string hint = suggest(key);
  if (!hint.empty()) msg += " (did you mean '" + hint + "'?)";
  msg += "; 'gcattn config show' lists every parameter";
  throw ConfigError(msg);
}

// ---------------------------------------------------------------------------------------------
namespace {

// The value's text is made only for the message: serialising every accepted value was a good
// part of a configuration load.
[[noreturn]] void bad_value(const std::string& origin, const ParamSpec& spec,
                            const json::value& got, const std::string& why) {
  throw ConfigError(origin + ": parameter '" + spec.key + "' = " + json::serialize(got) + ": " +
                    why + "; allowed: " + spec.allowed());
}

void check_range(const std::string& origin, const ParamSpec& spec, double x,
                 const json::value& got) {
  if (!std::isfinite(x)) bad_value(origin, spec, got, "not a finite number");
  if (x < spec.min || x > spec.max) bad_value(origin, spec, got, "out of range");
}

ParamValue convert_json(const ParamSpec& spec, const json::value& v, const std::string& origin) {
  switch (spec.type) {
    case ParamType::Number: {
      if (!v.is_number()) bad_value(origin, spec, v, "expected a number");
      const double x = as_double(v);
      check_range(origin, spec, x, v);
      return x;
    }
    case ParamType::Integer: {
      double x = 0;
      if (v.is_int64() || v.is_uint64())
        x = as_double(v);
      else if (v.is_double() && std::floor(v.get_double()) == v.get_double())
        x = v.get_double();
      else
        bad_value(origin, spec, v, "expected an integer");
      check_range(origin, spec, x, v);
      return static_cast<std::int64_t>(x);
    }
    case ParamType::Boolean:
      if (!v.is_bool()) bad_value(origin, spec, v, "expected true or false");
      return v.get_bool();
    case ParamType::String: {
      if (!v.is_string()) bad_value(origin, spec, v, "expected a string");
      std::string s(v.get_string());
      if (std::find(spec.choices.begin(), spec.choices.end(), s) == spec.choices.end()) {
        bad_value(origin, spec, v, "not a known choice");
      }
      return s;
    }
    case ParamType::NumberArray: {
      if (!v.is_array()) bad_value(origin, spec, v, "expected an array of numbers");
      const auto& a = v.get_array();
      if (a.size() != spec.length) {
        bad_value(origin, spec, v, "has " + std::to_string(a.size()) + " elements");
      }
      std::vector<double> xs;
      for (const auto& e : a) {
        if (!e.is_number())
          bad_value(origin, spec, v, "element " + json::serialize(e) + " is not a number");
        xs.push_back(as_double(e));
        check_range(origin, spec, xs.back(), v);
      }
      return xs;
    }
  }
  return 0.0;
}

// Text of a --set value: JSON where it parses, else a bare string (so model=linear works).
json::value text_to_json(const ParamSpec& spec, std::string_view text) {
  std::string t(text);
  if (spec.type == ParamType::Boolean) {
    if (t == "on" || t == "yes" || t == "1") return true;
    if (t == "off" || t == "no" || t == "0") return false;
  }
  if (spec.type == ParamType::NumberArray && !t.empty() && t.front() != '[') t = "[" + t + "]";
  if (spec.type == ParamType::String) return json::string(t);
  json::error_code ec;
  json::value v = parse_json_exact(t, ec);
  if (ec) return json::string(t);
  return v;
}

// Configuration files are small; the bound keeps `config validate /dev/zero` from reading
// gigabytes.
constexpr std::size_t kMaxConfigBytes = 4u << 20;

std::optional<std::string> read_file(const fs::path& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    throw ConfigError(path.string() + ": is a directory, expected a JSON configuration file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string text;
  char buf[1 << 16];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxConfigBytes) {
      throw ConfigError(path.string() + ": larger than " + std::to_string(kMaxConfigBytes) +
                        " bytes; a configuration file is a small JSON object");
    }
  }
  return text;
}

}  // namespace

namespace {
const Config* resolved_preset(std::string_view name);
}  // namespace

struct ConfigLoader {
  Config& cfg;
  std::set<std::string> chain;
  bool use_preset_cache = true;  // false while the cache itself is built

  void apply_object(const json::object& obj, const std::string& prefix, const std::string& origin) {
    for (const auto& kv : obj) {
      const std::string name(kv.key());
      if (name.empty() || name[0] == '_' || (prefix.empty() && name == "extends")) continue;
      const std::string key = prefix.empty() ? name : prefix + "." + name;
      if (kv.value().is_object() && !cfg.schema_->find(key)) {
        apply_object(kv.value().as_object(), key, origin);
        continue;
      }
      const std::size_t index = cfg.schema_->index_of(key);
      if (index == ParameterSchema::npos) {
        std::string msg = origin + ": unknown parameter '" + key + "'";
        const std::string hint = cfg.schema_->suggest(key);
        if (!hint.empty()) msg += " (did you mean '" + hint + "'?)";
        throw ConfigError(msg + "; docs/configuration.md lists every parameter");
      }
      cfg.assign(index, convert_json(cfg.schema_->params()[index], kv.value(), origin), origin);
    }
  }

  void load(std::string_view name_or_file, const fs::path& base_dir) {
    std::string content, origin, link;  // content: a file's text
    std::string_view text;
    fs::path dir = base_dir;
    const auto& presets = detail::embedded_presets();
    const auto it = std::find_if(presets.begin(), presets.end(),
                                 [&](const auto& p) { return p.name == name_or_file; });
    const bool looks_like_path = name_or_file.find('/') != std::string_view::npos ||
                                 name_or_file.find(".json") != std::string_view::npos;
    const bool is_preset = it != presets.end() && !looks_like_path;
    if (is_preset) {
      text = it->json;
      origin = "preset '" + std::string(it->name) + "'";
      link = origin;
    } else {
      fs::path path(name_or_file);
      if (path.is_relative() && !base_dir.empty()) path = base_dir / path;
      auto file = read_file(path);
      if (!file) {
        std::string names;
        for (const auto& p : presets) names += " " + std::string(p.name);
        throw ConfigError("configuration '" + std::string(name_or_file) +
                          "': no such preset or readable file; presets:" + names);
      }
      content = std::move(*file);
      text = content;
      origin = path.string();
      dir = path.parent_path();
      // The chain is keyed by the file itself, so "a.json" and "./a.json" are one link.
      std::error_code canon_ec;
      const fs::path canon = fs::weakly_canonical(origin, canon_ec);
      link = canon_ec ? origin : canon.string();
    }
    if (!chain.insert(link).second) {
      throw ConfigError(origin +
                        ": 'extends' forms a cycle (the file extends itself, directly or "
                        "through other files); end the chain with a preset");
    }
    if (const Config* preset =
            is_preset && use_preset_cache ? resolved_preset(it->name) : nullptr) {
      for (std::size_t i = 0; i < preset->values_.size(); ++i) {
        const auto& e = preset->values_[i];
        if (e.origin != 0) cfg.assign(i, e.value, preset->origins_[e.origin]);
      }
      return;
    }
    apply_text(text, origin, dir);
  }

  void apply_text(std::string_view text, const std::string& origin, const fs::path& dir) {
    const json::value root = parse_json(text, origin);
    if (!root.is_object()) throw ConfigError(origin + ": a configuration must be a JSON object");
    const auto& obj = root.as_object();
    if (const auto* ext = obj.if_contains("extends")) {
      if (!ext->is_string())
        throw ConfigError(origin + ": 'extends' must be a preset name or file");
      load(std::string(ext->as_string()), dir);
    }
    apply_object(obj, "", origin);
  }

  // fill(loader) brings in the values; then every parameter must have one.
  template <class Fill>
  static Config resolve(std::string_view name, bool use_preset_cache, Fill&& fill) {
    Config cfg;
    cfg.schema_ = &ParameterSchema::builtin();
    cfg.name_ = std::string(name);
    cfg.values_.resize(cfg.schema_->params().size());
    ConfigLoader loader{cfg, {}, use_preset_cache};
    fill(loader);
    for (std::size_t i = 0; i < cfg.values_.size(); ++i) {
      if (cfg.values_[i].origin == 0) {
        throw ConfigError("configuration '" + cfg.name_ + "': parameter '" +
                          cfg.schema_->params()[i].key +
                          "' is not set; add it or start the file with \"extends\": \"paper\"");
      }
    }
    return cfg;
  }
};

namespace {

// The compiled-in presets, each resolved and checked once per process (thread-safe static).
const Config* resolved_preset(std::string_view name) {
  static const std::vector<std::pair<std::string, Config>> presets = [] {
    std::vector<std::pair<std::string, Config>> all;
    for (const auto& p : detail::embedded_presets()) {
      all.emplace_back(
          std::string(p.name),
          ConfigLoader::resolve(p.name, false, [&](ConfigLoader& l) { l.load(p.name, {}); }));
    }
    return all;
  }();
  for (const auto& [n, cfg] : presets) {
    if (n == name) return &cfg;
  }
  return nullptr;
}

}  // namespace

Config Config::load(std::string_view name_or_file) {
  return ConfigLoader::resolve(name_or_file, true,
                               [&](ConfigLoader& l) { l.load(name_or_file, {}); });
}

Config Config::parse(std::string_view json, const std::string& origin) {
  return ConfigLoader::resolve(origin, true, [&](ConfigLoader& l) {
    l.chain.insert(origin);
    l.apply_text(json, origin, {});
  });
}

void Config::assign(std::size_t index, ParamValue value, const std::string& origin) {
  // Few distinct origins (a preset, a file or two, --set): a linear search interns them.
  std::uint32_t o = 1;
  while (o < origins_.size() && origins_[o] != origin) ++o;
  if (o == origins_.size()) origins_.push_back(origin);
  values_[index] = Entry{std::move(value), o};
}

std::vector<std::string> Config::preset_names() {
  std::vector<std::string> names;
  for (const auto& p : detail::embedded_presets()) names.emplace_back(p.name);
  return names;
}

void Config::set(std::string_view assignment) {
  const auto eq = assignment.find('=');
  if (eq == std::string_view::npos || eq == 0) {
    throw ConfigError("--set '" + std::string(assignment) + "': expected section.key=value");
  }
  set(assignment.substr(0, eq), assignment.substr(eq + 1));
}

void Config::set(std::string_view key, std::string_view text, const std::string& origin) {
  const std::size_t index = schema_->index_of(key);
  if (index == ParameterSchema::npos) {
    std::string msg = origin + ": unknown parameter '" + std::string(key) + "'";
    const std::string hint = schema_->suggest(key);
    if (!hint.empty()) msg += " (did you mean '" + hint + "'?)";
    throw ConfigError(msg + "; 'gcattn config show' lists every parameter");
  }
  const ParamSpec& spec = schema_->params()[index];
  assign(index, convert_json(spec, text_to_json(spec, text), origin), origin);
}

const Config::Entry& Config::entry(std::string_view key) const {
  const std::size_t index = schema_ ? schema_->index_of(key) : ParameterSchema::npos;
  if (index == ParameterSchema::npos || values_[index].origin == 0) {
    if (schema_) schema_->at(key);  // throws with a hint
    throw ConfigError("unknown parameter '" + std::string(key) + "'");
  }
  return values_[index];
}

const Config::Entry& Config::entry(std::string_view key, ParamType expected) const {
  const Entry& e = entry(key);
  const ParamSpec& spec = schema_->params()[static_cast<std::size_t>(&e - values_.data())];
  if (spec.type != expected) {
    throw ConfigError("parameter '" + std::string(key) + "' is a " + to_string(spec.type) +
                      ", read as " + to_string(expected));
  }
  return e;
}

double Config::number(std::string_view key) const {
  return std::get<double>(entry(key, ParamType::Number).value);
}
std::int64_t Config::integer(std::string_view key) const {
  return std::get<std::int64_t>(entry(key, ParamType::Integer).value);
}
bool Config::boolean(std::string_view key) const {
  return std::get<bool>(entry(key, ParamType::Boolean).value);
}
const std::string& Config::string(std::string_view key) const {
  return std::get<std::string>(entry(key, ParamType::String).value);
}
const std::vector<double>& Config::numbers(std::string_view key) const {
  return std::get<std::vector<double>>(entry(key, ParamType::NumberArray).value);
}
const ParamValue& Config::value(std::string_view key) const {
  return entry(key).value;
}
const std::string& Config::origin_of(std::string_view key) const {
  return origins_[entry(key).origin];
}

std::string Config::to_json(bool pretty) const {
  json::object root;
  for (const std::size_t index : schema_->by_key_) {
    const Entry& e = values_[index];
    if (e.origin == 0) continue;
    const std::string& key = schema_->params_[index].key;
    const auto dot = key.find('.');
    auto& section = root[key.substr(0, dot)];
    if (!section.is_object()) section = json::object();
    json::value v;
    std::visit(
        [&](const auto& x) {
          using T = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<T, std::vector<double>>) {
            json::array a;
            for (double d : x) a.push_back(d);
            v = std::move(a);
          } else {
            v = x;
          }
        },
        e.value);
    section.as_object()[key.substr(dot + 1)] = std::move(v);
  }
  const std::string compact = json::serialize(root);
  if (!pretty) return compact;
  // Sections on their own lines; small enough to keep each section on one line.
  std::string out = "{\n";
  bool first = true;
  for (const auto& kv : root) {
    out +=
        (first ? "  \"" : ",\n  \"") + std::string(kv.key()) + "\": " + json::serialize(kv.value());
    first = false;
  }
  return out + "\n}\n";
}

}  // namespace gcattn
