#include "gcattn/power/published.h"

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

std::string str_field(const json::object& o, const char* key, const std::string& where) {
  const auto* v = o.if_contains(key);
  if (!v || !v->is_string() || v->as_string().empty()) {
    throw ConfigError(where + ": field '" + key + "' must be a non-empty string");
  }
  return std::string(v->as_string());
}

double num_field(const json::object& o, const char* key, const std::string& where, double lo,
                 double hi) {
  const auto* v = o.if_contains(key);
  if (!v || !v->is_number()) throw ConfigError(where + ": field '" + key + "' must be a number");
  const double x = v->to_number<double>();
  if (!std::isfinite(x) || x < lo || x > hi) {
    std::ostringstream os;
    os << where << ": field '" << key << "' = " << x << " outside [" << lo << ", " << hi << "]";
    throw ConfigError(os.str());
  }
  return x;
}

}  // namespace

const PublishedFigure& PublishedFigures::at(std::string_view quantity) const {
  for (const auto& f : figures) {
    if (f.quantity == quantity) return f;
  }
  throw ConfigError("published figures '" + id + "': no quantity '" + std::string(quantity) + "'");
}

PublishedFigures PublishedFigures::parse(std::string_view text, const std::string& id,
                                         const std::string& origin) {
  json::error_code ec;
  const json::value root = json::parse(text, ec);
  if (ec) throw ConfigError(origin + ": invalid JSON: " + ec.message());
  if (!root.is_object()) throw ConfigError(origin + ": published figures must be a JSON object");
  const auto& o = root.as_object();
  PublishedFigures p;
  p.id = id;
  p.source = str_field(o, "source", origin);
  const auto* w = o.if_contains("workload");
  if (!w || !w->is_object()) throw ConfigError(origin + ": field 'workload' must be an object");
  p.layers = static_cast<int>(num_field(w->as_object(), "layers", origin + ": workload", 1, 1024));
  p.heads = static_cast<int>(num_field(w->as_object(), "heads", origin + ": workload", 1, 1024));
  const auto* figs = o.if_contains("figures");
  if (!figs || !figs->is_array()) throw ConfigError(origin + ": field 'figures' must be an array");
  std::size_t i = 0;
  for (const auto& f : figs->as_array()) {
    const std::string where = origin + ": figures[" + std::to_string(i++) + "]";
    if (!f.is_object()) throw ConfigError(where + " must be an object");
    const auto& fo = f.as_object();
    PublishedFigure fig;
    fig.quantity = str_field(fo, "quantity", where);
    fig.unit = str_field(fo, "unit", where);
    fig.value = num_field(fo, "value", where, 1e-300, 1e300);
    fig.tolerance = num_field(fo, "tolerance", where, 0.0, 1.0);
    fig.doc = str_field(fo, "doc", where);
    for (const auto& prev : p.figures) {
      if (prev.quantity == fig.quantity)
        throw ConfigError(where + ": quantity '" + fig.quantity + "' listed twice");
    }
    p.figures.push_back(std::move(fig));
  }
  return p;
}

PublishedFigures PublishedFigures::load(std::string_view id_or_file) {
  const auto& all = detail::embedded_published();
  const bool looks_like_path = id_or_file.find('/') != std::string_view::npos ||
                               id_or_file.find(".json") != std::string_view::npos;
  if (!looks_like_path) {
    const auto it =
        std::find_if(all.begin(), all.end(), [&](const auto& e) { return e.name == id_or_file; });
    if (it != all.end()) {
      return parse(it->json, std::string(it->name),
                   "configs/published/" + std::string(it->name) + ".json");
    }
  }
  const std::filesystem::path path(id_or_file);
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::string known;
    for (const auto& e : all) known += " " + std::string(e.name);
    throw ConfigError("published figures '" + std::string(id_or_file) +
                      "': no such compiled-in file or readable path; known:" + known);
  }
  std::ostringstream os;
  os << in.rdbuf();
  return parse(os.str(), path.stem().string(), path.string());
}

}  // namespace gcattn
