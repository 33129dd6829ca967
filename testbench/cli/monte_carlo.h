#pragma once
// `gcattn run --seeds N` and `gcattn eval --seeds N`: N chips, chip i with variation.seed + i and
// noise.seed + i. SystemC runs one kernel per process, so chips 1..N-1 each run in a child
// process of this executable (the same command and arguments, its own seeds, a report in a
// temporary directory); chip 0 is the calling run.
#include <cstdint>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "cli/commands.h"
#include "report/report.h"

namespace gcattn::cli {

struct ChipReport {
  std::uint64_t variation_seed = 0, noise_seed = 0;
  boost::json::value report;  // the child's JSON report
};

/// Runs chips 1..n-1 of `gcattn <command> <args>` (the parent's own arguments, without its
/// outputs and --seeds) as children, chip i with the seeds + i. Throws SimulationError naming
/// the chip when a child fails.
std::vector<ChipReport> run_chips(const std::string& command, const Args& args, int n,
                                  std::uint64_t variation_seed, std::uint64_t noise_seed);

/// `gcattn run --seeds N`: fills first.monte_carlo with chip 0 (first) and the children's
/// overall accuracy.
void run_monte_carlo(const Args& args, int n, std::uint64_t variation_seed,
                     std::uint64_t noise_seed, report::Report& first);

/// `gcattn eval --seeds N`: eval.monte_carlo of the eval report `first` (chip 0) with every
/// chip's perplexity, nats per token and bits per byte, and their mean, spread and range.
void run_eval_monte_carlo(const Args& args, int n, boost::json::object& first);

}  // namespace gcattn::cli
