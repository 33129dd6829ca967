#pragma once
// Published figures next to the simulated ones (`gcattn reproduce`): one row per published
// quantity, the GPU ratios, the energy components and the area breakdown; and the values of the
// four derived energy parameters that close the published categories (docs/validation.md).
#include <optional>
#include <string>
#include <vector>

#include <boost/json/array.hpp>

#include "gcattn/config/config.h"
#include "gcattn/power/gpu_reference.h"
#include "gcattn/power/published.h"
#include "reproduce/workload.h"

namespace gcattn::reproduce {

struct Row {
  std::string quantity, unit;
  std::optional<double> published;
  double simulated = 0.0;
  double tolerance = 0.0;  // relative; 0: not checked

  /// Published with a tolerance and outside it.
  bool missed() const;
};

/// Every published figure with its simulated counterpart, then the GPU ratios (tolerances those
/// of the latency and the total energy), the energy components and the area breakdown.
/// Throws ConfigError for a published quantity without a simulated counterpart.
std::vector<Row> compare(const Config& cfg, const PublishedFigures& pub,
                         const std::vector<GpuReference>& gpus, const Workload& w,
                         const WorkloadResult& r);

/// One derived energy parameter and the value that would make its category hit the published
/// figure on this workload.
struct Closing {
  std::string key, component, category;
  double now = 0.0;
  bool possible = false;  // false: the parameter or its component is zero
  double best = 0.0;      // negative: the other components already exceed the figure
  double rest_pj = 0.0;   // the category without this component
  double published_pj = 0.0;
};

std::vector<Closing> closing(const Config& cfg, const PublishedFigures& pub,
                             const WorkloadResult& r);

/// The rows as `gcattn reproduce --json` writes them: [{quantity, unit, published, simulated}].
boost::json::array rows_json(const std::vector<Row>& rows);

}  // namespace gcattn::reproduce
