#pragma once
// Expands a sweep spec into units (one per point and trace) with stable ids, after checking
// every point's configuration with the Config loader (unknown keys, types, ranges) and the
// cross-parameter rules of HardwareParams, and every trace's structure: nothing runs on a bad
// spec.
#include <string>
#include <utility>
#include <vector>

#include <boost/json.hpp>

#include "sweep/spec.h"

namespace gcattn::sweep {

struct Unit {
  std::string id;     // 16 hex digits of a hash of the unit's parameters
  std::string trace;  // as written in the spec
  std::vector<std::pair<std::string, std::string>> values;  // swept key -> value as --set text
  std::vector<std::string> args;  // `gcattn` arguments: run --trace ... (no report path)
};

struct Plan {
  /// What makes a sweep directory's results comparable: the spec as written and the resolved
  /// files it names. A sweep directory accepts only the same identity (manifest.h).
  boost::json::object identity;
  std::vector<std::string> columns;  // swept keys, in spec order (axes, then zip groups)
  std::vector<Unit> units;           // trace-major, then the first axis slowest
};

Plan make_plan(const Spec& spec);

/// The id of a unit: a 64-bit hash (FNV-1a, finalised) of its canonical description, 16 hex digits.
std::string unit_id(const std::string& canonical);

}  // namespace gcattn::sweep
