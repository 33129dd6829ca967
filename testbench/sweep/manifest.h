#pragma once
// The sweep directory: DIR/manifest.json (format gcattn-sweep-manifest: the spec's identity, the
// gcattn version, every unit with its arguments and state, the submissions) and per unit
// DIR/units/ID/{state.json,report.json,log.txt}. A unit's process writes only its own state.json;
// the manifest's states are refreshed from them by `sweep run`, `status` and `collect`. Every
// file is written to a temporary name and renamed, so a reader never sees half a file.
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

#include "sweep/plan.h"

namespace gcattn::sweep {

enum class State { Pending, Running, Done, Failed, Interrupted };
const char* to_string(State s);

struct UnitState {
  State state = State::Pending;
  int exit_code = -1;   // of `gcattn run`; 128 + N when killed by signal N; -1 while unfinished
  std::string message;  // why a unit failed (its error line)
  double wall_s = 0.0;  // the unit's wall time, process start to exit
  std::string host;     // where it ran (or runs)
  long pid = 0;
  std::string started;  // UTC, ISO 8601
};

/// UnitState <-> JSON (Boost.JSON value_from / value_to).
void tag_invoke(boost::json::value_from_tag, boost::json::value& v, const UnitState& s);
UnitState tag_invoke(boost::json::value_to_tag<UnitState>, const boost::json::value& v);

struct Manifest {
  std::string dir;
  std::string tool;  // "gcattn VERSION"
  Plan plan;
  std::vector<UnitState> states;   // one per plan.units
  boost::json::array submissions;  // {backend, job_id, script, units, time}
};

std::string unit_dir(const std::string& dir, const std::string& id);
std::string report_path(const std::string& dir, const std::string& id);
std::string log_path(const std::string& dir, const std::string& id);

/// Writes text to path through a temporary file in the same directory and a rename.
void write_file_atomic(const std::string& path, const std::string& text);
std::string utc_now();

/// Opens DIR for `plan`: creates the sweep (new or empty directory) or resumes it when the
/// manifest holds the same identity and gcattn version. Refuses (UsageError, nothing written) a
/// directory that is not a sweep, one of another gcattn version, and one of another spec unless
/// `extend`: then the manifest takes the new plan, and units whose ids (all their parameters)
/// are unchanged keep their state and results; units the new spec drops stay on disk only.
Manifest open_sweep(const std::string& dir, const Plan& plan, const std::string& tool,
                    bool extend = false);
/// Reads DIR/manifest.json (InputError when missing or malformed); with `refresh` the states
/// come from the units' state files, else as the manifest last recorded them.
Manifest load_manifest(const std::string& dir, bool refresh = true);
void save_manifest(const Manifest& m);

UnitState read_unit_state(const std::string& dir, const std::string& id);
void write_unit_state(const std::string& dir, const std::string& id, const UnitState& s);
/// Reloads every unit's state from its state.json.
void refresh_states(Manifest& m);

}  // namespace gcattn::sweep
