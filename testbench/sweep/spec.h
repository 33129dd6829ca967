#pragma once
// A sweep specification (docs/sweeps.md): a base configuration, axes whose cross product (and
// zip groups, whose lists are paired) forms the points, traces, and `gcattn run` settings.
// parse_spec checks the structure and types and names the offending key; the configuration
// values themselves are checked by make_plan (plan.h) through the Config loader.
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json.hpp>

namespace gcattn::sweep {

/// One swept configuration key and its values, in spec order.
struct Axis {
  std::string key;
  std::vector<boost::json::value> values;
};

/// `gcattn run` options that apply to every unit.
struct RunSettings {
  std::size_t tokens = 0;  // 0: the whole trace
  std::string mode = "lt";
  bool accuracy = true;
  bool dmi = false;
  double quantum_ns = 1000.0;
  std::string calibrate_method = "range";
  std::size_t calibrate_tokens = 0;
  std::string scalers;  // file (absolute once resolved); empty: calibrate in each run
};

struct Spec {
  std::string origin;                    // the spec file, for messages
  boost::json::object source;            // the spec as written
  std::string config_written = "paper";  // base.config as written (unit ids use it)
  std::string config = "paper";  // preset name or configuration file (absolute once resolved)
  std::vector<std::pair<std::string, boost::json::value>> set;  // base.set
  std::vector<Axis> axes;                                       // cross product
  std::vector<std::vector<Axis>> zips;   // each group is one dimension of paired values
  std::vector<std::string> traces;       // as written
  std::vector<std::string> trace_paths;  // absolute
  RunSettings run;
};

/// Parses and checks a spec's structure; relative paths (traces, a configuration file, scalers)
/// resolve against `base_dir` (the current directory for `gcattn sweep run`). Throws
/// ConfigError naming `origin` and the key.
Spec parse_spec(std::string_view text, const std::string& origin, const std::string& base_dir);
/// Reads a spec file (InputError when it cannot be read).
Spec load_spec(const std::string& path);

/// The text a JSON value has as a --set value (strings bare, everything else as JSON, numbers
/// in their shortest round-trip form).
std::string set_text(const boost::json::value& v);
/// A number in its shortest round-trip form (std::to_chars).
std::string number_text(double x);

}  // namespace gcattn::sweep
