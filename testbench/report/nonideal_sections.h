#pragma once
// The report sections of issue 15 (docs/report-format.md): `area`, the bottom-up silicon area of
// the simulated accelerator (every run), and `monte_carlo`, the spread of the accuracy metrics
// over several chips (`gcattn run --seeds N`).
#include <cmath>
#include <cstdint>
#include <iosfwd>
#include <vector>

#include <boost/json.hpp>

#include "gcattn/area/area_model.h"

namespace gcattn::report {

struct AccuracySet;

/// Mean, sample standard deviation (0 for one value), min and max of a Monte-Carlo metric.
struct SampleStats {
  double mean = NAN, std = NAN, min = NAN, max = NAN;
  std::size_t n = 0;
  static SampleStats of(const std::vector<double>& x);
  boost::json::object to_json() const;  // {mean, std, min, max}
};

/// One simulated chip of a Monte-Carlo run: its seeds and overall accuracy.
struct MonteCarloChip {
  std::uint64_t variation_seed = 0, noise_seed = 0;
  boost::json::object accuracy;  // as the report's accuracy.overall
};

struct MonteCarlo {
  std::vector<MonteCarloChip> chips;  // empty: no Monte-Carlo run
};

boost::json::object area_json(const AreaBreakdown& a);
/// {chips, seeds: [...], summary: {softmax|ideal|attn_out|nominal: {cosine|relative_rms: {mean,
/// std, min, max}}}}; std is the sample standard deviation (0 for one chip).
boost::json::object monte_carlo_json(const MonteCarlo& mc);
void write_area_summary(const AreaBreakdown& a, std::ostream& out);
void write_monte_carlo_summary(const MonteCarlo& mc, std::ostream& out);

}  // namespace gcattn::report
