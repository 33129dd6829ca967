#pragma once
// Resolved configuration: every parameter of configs/schema.json with a value from a preset,
// a preset file, or a --set override. Validation is schema driven; errors name the origin
// (file or override), the key, the value and what is allowed.
#include <array>
#include <cstdint>
#include <limits>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace gcattn {

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class ParamType { Number, Integer, Boolean, String, NumberArray };
const char* to_string(ParamType type);

struct ParamSpec {
  std::string key;  // "section.name"
  ParamType type = ParamType::Number;
  std::string unit;
  std::string source;  // paper | derived | assumed
  std::string doc;
  double min = -std::numeric_limits<double>::infinity();
  double max = std::numeric_limits<double>::infinity();
  std::vector<std::string> choices;  // String parameters
  std::size_t length = 0;            // NumberArray parameters
  std::string allowed() const;       // human-readable valid range
};

using ParamValue = std::variant<double, std::int64_t, bool, std::string, std::vector<double>>;
std::string format_value(const ParamValue& value);

class ParameterSchema {
 public:
  /// The schema compiled into the library (configs/schema.json).
  static const ParameterSchema& builtin();
  static ParameterSchema parse(std::string_view json, const std::string& origin);

  static constexpr std::size_t npos = static_cast<std::size_t>(-1);
  /// Position of key in params(), or npos.
  std::size_t index_of(std::string_view key) const;
  const ParamSpec* find(std::string_view key) const;
  const ParamSpec& at(std::string_view key) const;  // throws ConfigError for unknown keys
  const std::vector<ParamSpec>& params() const { return params_; }
  /// Closest known key, for "did you mean" hints (empty when nothing is close); a renamed key's
  /// new name (the schema's "_renamed").
  std::string suggest(std::string_view key) const;

 private:
  std::vector<ParamSpec> params_;
  std::vector<std::array<std::uint16_t, 64>> key_bags_;  // per parameter, for suggest()
  std::map<std::string, std::size_t, std::less<>> index_;
  std::map<std::string, std::string, std::less<>> renamed_;
  std::vector<std::size_t> by_key_;  // positions in params_ in key order (Config::to_json)
  friend class Config;
};

class Config {
 public:
  /// A preset by name (configs/presets/NAME.json, compiled in) or a JSON file path.
  static Config load(std::string_view name_or_file);
  /// A configuration from JSON text in memory; origin names it in messages and as the values'
  /// origin; a relative "extends" path is taken from the current directory.
  static Config parse(std::string_view json, const std::string& origin);
  static Config paper() { return load("paper"); }
  static std::vector<std::string> preset_names();

  /// Applies "section.key=value" (the --set syntax).
  void set(std::string_view assignment);
  void set(std::string_view key, std::string_view text, const std::string& origin = "--set");

  double number(std::string_view key) const;
  std::int64_t integer(std::string_view key) const;
  bool boolean(std::string_view key) const;
  const std::string& string(std::string_view key) const;
  const std::vector<double>& numbers(std::string_view key) const;
  const ParamValue& value(std::string_view key) const;
  /// Where a parameter's value came from: a preset name, a file path or "--set".
  const std::string& origin_of(std::string_view key) const;

  /// The preset or file this configuration was loaded from.
  const std::string& name() const { return name_; }
  const ParameterSchema& schema() const { return *schema_; }

  /// Resolved configuration as nested JSON ({"section": {"key": value}}).
  std::string to_json(bool pretty = true) const;

 private:
  // Values by schema position: a copy is one flat vector (a file extending a preset starts from
  // the preset's resolved values), a lookup one search of the schema's index.
  struct Entry {
    ParamValue value;
    std::uint32_t origin = 0;  // index into origins_; 0: not set
  };
  const Entry& entry(std::string_view key, ParamType expected) const;
  const Entry& entry(std::string_view key) const;  // throws with a hint for unknown keys
  void assign(std::size_t index, ParamValue value, const std::string& origin);

  const ParameterSchema* schema_ = nullptr;
  std::string name_;
  std::vector<Entry> values_;
  std::vector<std::string> origins_{std::string()};
  friend struct ConfigLoader;
};

}  // namespace gcattn
