#include "sweep/collect.h"

#include <fstream>
#include <ostream>
#include <sstream>

#include "base/errors.h"
#include "sweep/spec.h"

namespace gcattn::sweep {

namespace json = boost::json;

namespace {

// Report fields of the metric columns (docs/report-format.md), by JSON path.
const std::pair<const char*, std::vector<const char*>> kMetrics[] = {
    {"tokens", {"run", "tokens_simulated"}},
    {"latency_per_token_ns", {"timing", "latency_per_token_ns"}},
    {"latency_per_token_layer_ns", {"timing", "latency_per_token_layer_ns"}},
    {"token_period_ns", {"timing", "token_period_ns"}},
    {"energy_per_token_pj", {"energy", "per_token_pj"}},
    {"energy_per_token_head_pj", {"energy", "per_token_head_pj", "total"}},
    {"energy_dac_pj", {"energy", "per_token_head_pj", "dac"}},
    {"energy_qk_pj", {"energy", "per_token_head_pj", "qk"}},
    {"energy_av_pj", {"energy", "per_token_head_pj", "av"}},
    {"energy_digital_pj", {"energy", "per_token_head_pj", "digital"}},
    {"cosine_softmax", {"accuracy", "overall", "softmax", "cosine"}},
    {"relative_rms_softmax", {"accuracy", "overall", "softmax", "relative_rms"}},
    {"cosine_ideal", {"accuracy", "overall", "ideal", "cosine"}},
    {"relative_rms_ideal", {"accuracy", "overall", "ideal", "relative_rms"}},
    {"simulated_time_ns", {"timing", "simulated_time_ns"}},
    {"wall_time_s", {"wall_time_s"}},
};

json::value lookup(const json::value& root, const std::vector<const char*>& path) {
  const json::value* v = &root;
  for (const char* k : path) {
    const auto* o = v->if_object();
    if (!o || !o->if_contains(k)) return nullptr;
    v = &o->at(k);
  }
  return *v;
}

json::value read_report(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream os;
  os << in.rdbuf();
  json::error_code ec;
  json::value v = json::parse(os.str(), ec);
  if (!in || ec || !v.is_object())
    throw InputError(path +
                     ": the unit's report is missing or not valid JSON; rerun the sweep "
                     "(`gcattn sweep run` reruns units that are not done)");
  return v;
}

std::string cell(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null:
      return "";
    case json::kind::bool_:
      return v.get_bool() ? "true" : "false";
    case json::kind::int64:
      return std::to_string(v.get_int64());
    case json::kind::uint64:
      return std::to_string(v.get_uint64());
    case json::kind::double_:
      return number_text(v.get_double());
    case json::kind::string: {
      const std::string s(v.get_string());
      if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
      std::string q = "\"";
      for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
      return q + "\"";
    }
    default:
      return cell(json::value(json::serialize(v)));
  }
}

// A swept value as typed JSON where it is a number, boolean or array; strings stay strings.
json::value typed(const std::string& text) {
  json::error_code ec;
  json::value v = json::parse(text, ec);
  return ec || v.is_string() || v.is_object() ? json::value(text) : v;
}

}  // namespace

Table collect(const Manifest& m) {
  Table t;
  t.columns = {"id", "state", "exit_code", "error", "trace"};
  t.columns.insert(t.columns.end(), m.plan.columns.begin(), m.plan.columns.end());
  for (const auto& [name, path] : kMetrics) t.columns.emplace_back(name);
  t.columns.emplace_back("unit_wall_s");

  for (std::size_t i = 0; i < m.plan.units.size(); ++i) {
    const Unit& u = m.plan.units[i];
    const UnitState& st = m.states[i];
    std::vector<json::value> row = {json::value(u.id), json::value(to_string(st.state)),
                                    st.exit_code >= 0 ? json::value(st.exit_code) : json::value(),
                                    json::value(st.message), json::value(u.trace)};
    for (const auto& [key, text] : u.values) row.push_back(typed(text));
    const json::value report =
        st.state == State::Done ? read_report(report_path(m.dir, u.id)) : json::value();
    for (const auto& [name, path] : kMetrics) row.push_back(lookup(report, path));
    row.push_back(st.exit_code >= 0 ? json::value(st.wall_s) : json::value());
    t.rows.push_back(std::move(row));
  }
  return t;
}

void write_csv(const Table& t, std::ostream& out) {
  for (std::size_t c = 0; c < t.columns.size(); ++c) out << (c ? "," : "") << t.columns[c];
  out << "\n";
  for (const auto& row : t.rows) {
    for (std::size_t c = 0; c < row.size(); ++c) out << (c ? "," : "") << cell(row[c]);
    out << "\n";
  }
}

void write_jsonl(const Table& t, std::ostream& out) {
  for (const auto& row : t.rows) {
    out << "{";
    for (std::size_t c = 0; c < row.size(); ++c) {
      // Numbers as in the CSV (shortest round trip); Boost.JSON would write 2.6E2.
      out << (c ? "," : "") << json::serialize(json::value(t.columns[c])) << ":"
          << (row[c].is_double() ? number_text(row[c].get_double()) : json::serialize(row[c]));
    }
    out << "}\n";
  }
}

}  // namespace gcattn::sweep
