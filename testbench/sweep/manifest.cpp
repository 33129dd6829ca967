#include "sweep/manifest.h"

#include <unistd.h>

#include <ctime>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "base/errors.h"
#include "report/json_text.h"

namespace gcattn::sweep {

namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

constexpr const char* kFormat = "gcattn-sweep-manifest";
constexpr int kVersion = 1;

std::string manifest_path(const std::string& dir) {
  return (fs::path(dir) / "manifest.json").string();
}

std::string state_path(const std::string& dir, const std::string& id) {
  return (fs::path(unit_dir(dir, id)) / "state.json").string();
}

std::optional<std::string> read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

State parse_state(std::string_view s) {
  for (State x : {State::Pending, State::Running, State::Done, State::Failed, State::Interrupted})
    if (s == to_string(x)) return x;
  return State::Pending;
}

}  // namespace

// A unit's state as JSON and back through Boost.JSON's value_from / value_to (tag_invoke, found
// by ADL). Reading is lenient on purpose: a field missing from a state file (a unit killed while
// starting, a manifest of an earlier run) reads as its default instead of failing the sweep.
void tag_invoke(json::value_from_tag, json::value& v, const UnitState& s) {
  v = json::object{{"state", to_string(s.state)},
                   {"exit_code", s.exit_code},
                   {"message", s.message},
                   {"wall_s", report::json_number(s.wall_s)},
                   {"host", s.host},
                   {"pid", s.pid},
                   {"started", s.started}};
}

UnitState tag_invoke(json::value_to_tag<UnitState>, const json::value& v) {
  static const json::object empty;
  const json::object& o = v.is_object() ? v.get_object() : empty;
  UnitState s;
  auto str = [&](const char* k) {
    const auto* x = o.if_contains(k);
    return x && x->is_string() ? std::string(x->get_string()) : std::string();
  };
  auto num = [&](const char* k, double fallback) {
    const auto* x = o.if_contains(k);
    return x && x->is_number() ? x->to_number<double>() : fallback;
  };
  s.state = parse_state(str("state"));
  s.exit_code = static_cast<int>(num("exit_code", -1));
  s.message = str("message");
  s.wall_s = num("wall_s", 0.0);
  s.host = str("host");
  s.pid = static_cast<long>(num("pid", 0));
  s.started = str("started");
  return s;
}

namespace {

json::object manifest_json(const Manifest& m) {
  json::array units;
  for (std::size_t i = 0; i < m.plan.units.size(); ++i) {
    const Unit& u = m.plan.units[i];
    json::object values;
    for (const auto& [k, v] : u.values) values[k] = v;
    json::array args;
    for (const auto& a : u.args) args.emplace_back(a);
    json::object o = {{"id", u.id}, {"trace", u.trace}, {"values", values}, {"args", args}};
    const json::value state = json::value_from(m.states[i]);
    for (const auto& kv : state.as_object()) o[kv.key()] = kv.value();
    units.emplace_back(std::move(o));
  }
  json::array columns;
  for (const auto& c : m.plan.columns) columns.emplace_back(c);
  return {{"format", kFormat},           {"version", kVersion}, {"tool", m.tool},
          {"identity", m.plan.identity}, {"columns", columns},  {"units", units},
          {"submissions", m.submissions}};
}

Manifest manifest_from(const json::value& root, const std::string& dir) {
  const std::string where = manifest_path(dir);
  const auto* o = root.if_object();
  if (!o || !o->if_contains("format") || o->at("format") != kFormat)
    throw InputError(where + ": not a gcattn sweep manifest (format " + std::string(kFormat) + ")");
  try {
    if (o->at("version").to_number<int>() != kVersion)
      throw InputError(where + ": manifest version " + json::serialize(o->at("version")) +
                       ", this gcattn reads version " + std::to_string(kVersion));
    Manifest m;
    m.dir = dir;
    m.tool = std::string(o->at("tool").as_string());
    m.plan.identity = o->at("identity").as_object();
    for (const auto& c : o->at("columns").as_array()) m.plan.columns.emplace_back(c.as_string());
    for (const auto& uv : o->at("units").as_array()) {
      const auto& uo = uv.as_object();
      Unit u;
      u.id = std::string(uo.at("id").as_string());
      u.trace = std::string(uo.at("trace").as_string());
      for (const auto& kv : uo.at("values").as_object())
        u.values.emplace_back(std::string(kv.key()), std::string(kv.value().as_string()));
      for (const auto& a : uo.at("args").as_array()) u.args.emplace_back(a.as_string());
      m.plan.units.push_back(std::move(u));
      m.states.push_back(json::value_to<UnitState>(uv));
    }
    m.submissions = o->at("submissions").as_array();
    return m;
  } catch (const std::exception& e) {
    if (dynamic_cast<const InputError*>(&e)) throw;
    throw InputError(where + ": malformed manifest (" + e.what() + ")");
  }
}

// Which parts of two identities differ, for the refusal message.
std::string differences(const json::object& was, const json::object& now) {
  std::string out;
  auto note = [&](const std::string& what) { out += (out.empty() ? "" : ", ") + what; };
  const auto& a = was.at("spec").as_object();
  const auto& b = now.at("spec").as_object();
  for (const auto& kv : b)
    if (!a.if_contains(kv.key()) || a.at(kv.key()) != kv.value()) note(std::string(kv.key()));
  for (const auto& kv : a)
    if (!b.if_contains(kv.key())) note(std::string(kv.key()));
  for (const char* k : {"config", "traces", "scalers"})
    if (was.at(k) != now.at(k)) note(std::string(k) + " (resolved path)");
  return out;
}

}  // namespace

const char* to_string(State s) {
  switch (s) {
    case State::Pending:
      return "pending";
    case State::Running:
      return "running";
    case State::Done:
      return "done";
    case State::Failed:
      return "failed";
    case State::Interrupted:
      return "interrupted";
  }
  return "pending";
}

std::string unit_dir(const std::string& dir, const std::string& id) {
  return (fs::path(dir) / "units" / id).string();
}
std::string report_path(const std::string& dir, const std::string& id) {
  return (fs::path(unit_dir(dir, id)) / "report.json").string();
}
std::string log_path(const std::string& dir, const std::string& id) {
  return (fs::path(unit_dir(dir, id)) / "log.txt").string();
}

void write_file_atomic(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out.flush()) throw InputError(path + ": cannot write (" + tmp + ")");
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) throw InputError(path + ": cannot write: " + ec.message());
}

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

Manifest open_sweep(const std::string& dir, const Plan& plan, const std::string& tool,
                    bool extend) {
  std::error_code ec;
  if (fs::exists(manifest_path(dir))) {
    Manifest m;
    try {
      m = load_manifest(dir);
    } catch (const InputError& e) {
      throw UsageError(std::string(e.what()) + "; choose another --out");
    }
    if (m.tool != tool)
      throw UsageError(dir + " holds results of " + m.tool + ", this is " + tool +
                       "; results of two versions are not mixed: use a new --out");
    if (m.plan.identity != plan.identity) {
      if (!extend)
        throw UsageError(dir + " holds a sweep of another spec (differs in: " +
                         differences(m.plan.identity, plan.identity) +
                         "); its results are kept: run the changed spec with a new --out, "
                         "add --extend to adopt it here (units with unchanged parameters "
                         "keep their results), or restore the spec to resume");
      // A unit id hashes all of a unit's parameters: a kept result is the same experiment.
      m.plan = plan;
      m.states.assign(plan.units.size(), UnitState{});
      refresh_states(m);
      save_manifest(m);
    }
    return m;
  }
  if (fs::exists(dir) && !(fs::is_directory(dir) && fs::is_empty(dir)))
    throw UsageError(dir +
                     " exists and is not a gcattn sweep directory (no manifest.json); "
                     "choose a new or empty --out");
  fs::create_directories(fs::path(dir) / "units", ec);
  if (ec) throw InputError(dir + ": cannot create the sweep directory: " + ec.message());
  Manifest m;
  m.dir = dir;
  m.tool = tool;
  m.plan = plan;
  m.states.resize(plan.units.size());
  save_manifest(m);
  return m;
}

Manifest load_manifest(const std::string& dir, bool refresh) {
  const auto text = read_text(manifest_path(dir));
  if (!text)
    throw InputError(manifest_path(dir) + ": cannot read (is " + dir +
                     " a sweep directory made by `gcattn sweep run`?)");
  json::error_code ec;
  const json::value root = json::parse(*text, ec);
  if (ec) throw InputError(manifest_path(dir) + ": not valid JSON: " + ec.message());
  Manifest m = manifest_from(root, dir);
  if (refresh) refresh_states(m);
  return m;
}

void save_manifest(const Manifest& m) {
  write_file_atomic(manifest_path(m.dir), report::pretty_json(manifest_json(m)));
}

UnitState read_unit_state(const std::string& dir, const std::string& id) {
  const auto text = read_text(state_path(dir, id));
  if (!text) return {};
  json::error_code ec;
  const json::value v = json::parse(*text, ec);
  if (ec || !v.is_object()) return {};
  return json::value_to<UnitState>(v);
}

void write_unit_state(const std::string& dir, const std::string& id, const UnitState& s) {
  json::object o = json::value_from(s).as_object();
  o.emplace("id", id);
  write_file_atomic(state_path(dir, id), report::pretty_json(o));
}

void refresh_states(Manifest& m) {
  for (std::size_t i = 0; i < m.plan.units.size(); ++i)
    m.states[i] = read_unit_state(m.dir, m.plan.units[i].id);
}

}  // namespace gcattn::sweep
