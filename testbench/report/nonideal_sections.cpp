#include "report/nonideal_sections.h"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <ostream>

#include "report/json_text.h"

namespace gcattn::report {
namespace json = boost::json;
namespace {

json::array items_json(const std::vector<AreaItem>& items) {
  json::array a;
  for (const auto& i : items) {
    a.push_back(json::object{{"name", i.name},
                             {"parameter", i.key},
                             {"count", json_number(i.count)},
                             {"unit_um2", json_number(i.unit_um2)},
                             {"total_um2", json_number(i.total_um2)}});
  }
  return a;
}

constexpr const char* kRefs[] = {"softmax", "ideal", "attn_out", "nominal"};
constexpr const char* kMetrics[] = {"cosine", "relative_rms"};

SampleStats stats_of(const MonteCarlo& mc, const char* ref, const char* metric) {
  std::vector<double> x;
  for (const auto& c : mc.chips) {
    const json::value* r = c.accuracy.if_contains(ref);
    if (!r || !r->is_object()) continue;
    const json::value* m = r->as_object().if_contains(metric);
    if (m && m->is_number()) x.push_back(m->to_number<double>());
  }
  return SampleStats::of(x);
}

}  // namespace

SampleStats SampleStats::of(const std::vector<double>& x) {
  SampleStats s;
  s.n = x.size();
  if (x.empty()) return s;
  // Sums of deviations from the first value: equal values give exactly that mean and std 0.
  double sum = 0.0, sq = 0.0;
  for (double v : x) {
    sum += v - x[0];
    sq += (v - x[0]) * (v - x[0]);
  }
  const auto n = static_cast<double>(x.size());
  s.mean = x[0] + sum / n;
  s.std = x.size() > 1 ? std::sqrt(std::max(0.0, (sq - sum * sum / n) / (n - 1.0))) : 0.0;
  s.min = *std::min_element(x.begin(), x.end());
  s.max = *std::max_element(x.begin(), x.end());
  return s;
}

json::object SampleStats::to_json() const {
  return json::object{{"mean", json_number(mean)},
                      {"std", json_number(std)},
                      {"min", json_number(min)},
                      {"max", json_number(max)}};
}

json::object area_json(const AreaBreakdown& a) {
  return json::object{
      {"calibration",
       "area.* are assumed values calibrated so that one head of the paper preset gives the "
       "published ~0.5 mm^2 per head including digital control (PAPER.md section 8); "
       "docs/nonidealities.md"},
      {"subtile_um2", json_number(a.subtile_um2)},
      {"head_um2", json_number(a.head_um2)},
      {"layer_um2", json_number(a.layer_um2)},
      {"model_mm2", json_number(a.model_um2 * 1e-6)},
      {"head_mm2", json_number(a.head_um2 * 1e-6)},
      {"subtiles_per_head", a.subtiles_per_head},
      {"heads", a.heads},
      {"layers", a.layers},
      {"subtile", items_json(a.subtile)},
      {"head", items_json(a.head)}};
}

json::object monte_carlo_json(const MonteCarlo& mc) {
  json::array seeds;
  for (const auto& c : mc.chips) {
    seeds.push_back(json::object{{"variation_seed", c.variation_seed},
                                 {"noise_seed", c.noise_seed},
                                 {"accuracy", c.accuracy}});
  }
  json::object summary;
  for (const char* ref : kRefs) {
    json::object per;
    for (const char* metric : kMetrics) {
      const SampleStats s = stats_of(mc, ref, metric);
      if (s.n == 0) continue;
      per[metric] = s.to_json();
    }
    summary[ref] = per.empty() ? json::value(nullptr) : json::value(std::move(per));
  }
  return json::object{
      {"chips", mc.chips.size()}, {"seeds", std::move(seeds)}, {"summary", std::move(summary)}};
}

void write_area_summary(const AreaBreakdown& a, std::ostream& out) {
  out << "area (bottom-up, calibrated to the published ~0.5 mm^2 per head)\n"
      << "  " << std::setprecision(4) << a.head_um2 * 1e-6 << " mm^2 per head ("
      << a.subtiles_per_head << " sub-tiles of " << a.subtile_um2 * 1e-6 << " mm^2), "
      << a.layer_um2 * 1e-6 << " mm^2 per layer, " << a.model_um2 * 1e-6 << " mm^2 in all\n"
      << std::setprecision(6);
}

void write_monte_carlo_summary(const MonteCarlo& mc, std::ostream& out) {
  if (mc.chips.empty()) return;
  out << "Monte Carlo over " << mc.chips.size() << " chips (variation.seed and noise.seed + 0.."
      << mc.chips.size() - 1 << ")\n";
  for (const char* ref : kRefs) {
    const SampleStats c = stats_of(mc, ref, "cosine"), e = stats_of(mc, ref, "relative_rms");
    if (c.n == 0) continue;
    out << "  vs " << std::left << std::setw(9) << ref << std::right << std::setprecision(5)
        << " cosine " << c.mean << " +- " << c.std << " [" << c.min << ", " << c.max
        << "], relative RMS error " << e.mean << " +- " << e.std << "\n"
        << std::setprecision(6);
  }
}

}  // namespace gcattn::report
