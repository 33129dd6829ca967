#include "gcattn/power/gpu_reference.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <boost/json.hpp>

#include "gcattn/config/config.h"

namespace gcattn {
namespace json = boost::json;

namespace {

struct Reader {
  const std::string& origin;

  [[noreturn]] void fail(const std::string& field, const std::string& why) const {
    throw ConfigError(origin + ": field '" + field + "' " + why);
  }
  const json::object& object(const json::object& o, const char* key,
                             const std::string& path) const {
    const auto* v = o.if_contains(key);
    if (!v || !v->is_object()) fail(path + key, "must be an object");
    return v->as_object();
  }
  std::string string(const json::object& o, const char* key, const std::string& path) const {
    const auto* v = o.if_contains(key);
    if (!v || !v->is_string() || v->as_string().empty())
      fail(path + key, "must be a non-empty string");
    return std::string(v->as_string());
  }
  // A positive finite number, or nullopt for null.
  std::optional<double> number(const json::object& o, const char* key,
                               const std::string& path) const {
    const auto* v = o.if_contains(key);
    if (!v) fail(path + key, "is missing (use null when not published)");
    if (v->is_null()) return std::nullopt;
    if (!v->is_number()) fail(path + key, "must be a number or null, got " + json::serialize(*v));
    const double x = v->to_number<double>();
    if (!std::isfinite(x) || x <= 0.0) {
      fail(path + key, "must be a positive finite number, got " + json::serialize(*v));
    }
    return x;
  }
  double required(const json::object& o, const char* key, const std::string& path) const {
    const auto x = number(o, key, path);
    if (!x) fail(path + key, "must be a number here (the measurement block needs both figures)");
    return *x;
  }
};

}  // namespace

GpuReference GpuReference::parse(std::string_view text, const std::string& id,
                                 const std::string& origin) {
  json::error_code ec;
  const json::value root = json::parse(text, ec);
  if (ec) throw ConfigError(origin + ": invalid JSON: " + ec.message());
  if (!root.is_object()) throw ConfigError(origin + ": a GPU reference must be a JSON object");
  const auto& o = root.as_object();
  const Reader r{origin};
  GpuReference g;
  g.id = id;
  g.name = r.string(o, "name", "");
  if (const auto* m = o.if_contains("measured"); m && !m->is_null()) {
    const auto& mo = r.object(o, "measured", "");
    GpuMeasurement meas;
    meas.latency_per_layer_token_us = r.required(mo, "latency_per_layer_token_us", "measured.");
    meas.energy_per_layer_token_mj = r.required(mo, "energy_per_layer_token_mj", "measured.");
    meas.workload = r.string(mo, "workload", "measured.");
    meas.source = r.string(mo, "source", "measured.");
    g.measured = meas;
  }
  if (const auto* p = o.if_contains("paper_ratios"); p && !p->is_null()) {
    const auto& po = r.object(o, "paper_ratios", "");
    g.paper_speedup = r.number(po, "speedup", "paper_ratios.");
    g.paper_energy_ratio = r.number(po, "energy_ratio", "paper_ratios.");
    g.paper_source = r.string(po, "source", "paper_ratios.");
  }
  const auto& mem = r.object(o, "memory", "");
  g.peak_bandwidth_gbs = r.number(mem, "peak_bandwidth_gbs", "memory.");
  g.memory_energy_pj_per_bit = r.number(mem, "energy_pj_per_bit", "memory.");
  g.memory_source = r.string(mem, "source", "memory.");
  return g;
}

GpuReference GpuReference::load(std::string_view id_or_file) {
  const auto& gpus = detail::embedded_gpus();
  const bool looks_like_path = id_or_file.find('/') != std::string_view::npos ||
                               id_or_file.find(".json") != std::string_view::npos;
  if (!looks_like_path) {
    const auto it =
        std::find_if(gpus.begin(), gpus.end(), [&](const auto& g) { return g.name == id_or_file; });
    if (it != gpus.end()) {
      return parse(it->json, std::string(it->name),
                   "configs/gpus/" + std::string(it->name) + ".json");
    }
  }
  const std::filesystem::path path(id_or_file);
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::string known;
    for (const auto& id : ids()) known += " " + id;
    throw ConfigError("GPU reference '" + std::string(id_or_file) +
                      "': no such compiled-in GPU or readable file; known:" + known);
  }
  std::ostringstream os;
  os << in.rdbuf();
  return parse(os.str(), path.stem().string(), path.string());
}

std::vector<std::string> GpuReference::ids() {
  std::vector<std::string> ids;
  for (const auto& g : detail::embedded_gpus()) ids.emplace_back(g.name);
  std::sort(ids.begin(), ids.end());
  return ids;
}

}  // namespace gcattn
