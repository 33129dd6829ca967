#include "reproduce/comparison.h"

#include <cmath>

#include <boost/json.hpp>

#include "base/errors.h"
#include "gcattn/area/area_model.h"
#include "gcattn/config/hardware_params.h"

namespace gcattn::reproduce {
namespace {

// The four parameters that close the published categories (source "derived" in the schema).
// Each feeds exactly one component, in proportion: component C = b * p, so the category is
// E = (E - C) + C * p' / p and p* = p * (published - (E - C)) / C. Static also holds the idle
// power; the closing is exact when energy.idle_power_mw = 0 (the paper preset).
struct ClosingParam {
  const char* key;
  const char* quantity;
  EnergyComponent component;
};
constexpr ClosingParam kClosing[] = {
    {"energy.kv_dac_power_uw", "energy_dac_pj", EnergyComponent::KvWriteDac},
    {"energy.cpc_fj_per_conversion", "energy_qk_pj", EnergyComponent::ChargeToPulse},
    {"energy.output_converter_fj_per_conversion", "energy_av_pj", EnergyComponent::OutputConverter},
    {"energy.static_power_mw", "energy_digital_pj", EnergyComponent::Static},
};

}  // namespace

bool Row::missed() const {
  return published && tolerance > 0.0 &&
         !(std::fabs((simulated - *published) / *published) <= tolerance);
}

std::vector<Row> compare(const Config& cfg, const PublishedFigures& pub,
                         const std::vector<GpuReference>& gpus, const Workload& w,
                         const WorkloadResult& r) {
  const EnergyLedger& e = r.per_head_token;
  const AreaBreakdown area =
      area_of(AreaParams::from(cfg), HardwareParams::from(cfg), w.layers, w.heads);
  const double total = e.total();
  const double layer_nj = total * w.heads * 1e-3;
  auto simulated = [&](const std::string& q) -> double {
    if (q == "latency_per_token_layer_ns") return r.latency_ns;
    if (q == "energy_qk_pj") return e.category(EnergyCategory::Qk);
    if (q == "energy_av_pj") return e.category(EnergyCategory::Av);
    if (q == "energy_digital_pj") return e.category(EnergyCategory::Digital);
    if (q == "energy_dac_pj") return e.category(EnergyCategory::Dac);
    if (q == "energy_total_per_head_pj") return total;
    if (q == "energy_per_layer_nj") return layer_nj;
    if (q == "energy_per_token_uj") return layer_nj * w.layers * 1e-3;
    if (q == "area_per_head_mm2") return area.head_um2 * 1e-6;
    throw ConfigError(pub.id + ": published quantity '" + q +
                      "' has no simulated counterpart in gcattn reproduce");
  };
  std::vector<Row> rows;
  for (const auto& f : pub.figures)
    rows.push_back({f.quantity, f.unit, f.value, simulated(f.quantity), f.tolerance});
  // GPU comparison: the paper's ratios against the GPUs' measured figures over ours.
  const double lat_tol = pub.at("latency_per_token_layer_ns").tolerance;
  const double energy_tol = pub.at("energy_total_per_head_pj").tolerance;
  for (const auto& g : gpus) {
    if (!g.measured) continue;
    const double speedup = g.measured->latency_per_layer_token_us * 1e3 / r.latency_ns;
    const double ratio = g.measured->energy_per_layer_token_mj * 1e6 / layer_nj;
    rows.push_back({"speedup_vs_" + g.id, "x", g.paper_speedup, speedup, lat_tol});
    rows.push_back({"energy_ratio_vs_" + g.id, "x", g.paper_energy_ratio, ratio, energy_tol});
  }
  // The finer components (not published; shown so the categories stay explainable).
  for (std::size_t i = 0; i < kEnergyComponentCount; ++i) {
    const auto c = static_cast<EnergyComponent>(i);
    rows.push_back({std::string("component_") + category_name(category_of(c)) + "_" +
                        component_name(c) + "_pj",
                    "pJ", std::nullopt, e.component(c), 0.0});
  }
  // The area breakdown (bottom-up; the per-head total is the published figure above).
  for (const auto& i : area.subtile)
    rows.push_back({"area_subtile_" + i.name + "_um2", "um^2", std::nullopt, i.total_um2, 0.0});
  for (const auto& i : area.head)
    rows.push_back({"area_head_" + i.name + "_um2", "um^2", std::nullopt, i.total_um2, 0.0});
  rows.push_back({"area_model_mm2", "mm^2", std::nullopt, area.model_um2 * 1e-6, 0.0});
  return rows;
}

std::vector<Closing> closing(const Config& cfg, const PublishedFigures& pub,
                             const WorkloadResult& r) {
  std::vector<Closing> out;
  for (const auto& c : kClosing) {
    Closing s;
    s.key = c.key;
    s.component = component_name(c.component);
    const EnergyCategory cat = category_of(c.component);
    s.category = category_name(cat);
    s.now = cfg.number(c.key);
    const double comp = r.per_head_token.component(c.component);
    s.rest_pj = r.per_head_token.category(cat) - comp;
    s.published_pj = pub.at(c.quantity).value;
    s.possible = s.now > 0.0 && comp > 0.0;
    if (s.possible) s.best = s.now * (s.published_pj - s.rest_pj) / comp;
    out.push_back(s);
  }
  return out;
}

boost::json::array rows_json(const std::vector<Row>& rows) {
  boost::json::array arr;
  for (const auto& row : rows) {
    boost::json::object o;
    o["quantity"] = row.quantity;
    o["unit"] = row.unit;
    if (row.published)
      o["published"] = *row.published;
    else
      o["published"] = nullptr;
    o["simulated"] = row.simulated;
    arr.push_back(std::move(o));
  }
  return arr;
}

}  // namespace gcattn::reproduce
