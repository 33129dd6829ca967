#pragma once
// `gcattn run --seeds N`: N chips, chip i with variation.seed + i and noise.seed + i. SystemC runs
// one kernel per process, so chips 1..N-1 each run in a child process of this executable (the
// same arguments, its own seeds, a report in a temporary directory); chip 0 is the calling run.
#include <cstdint>

#include "cli/commands.h"
#include "report/report.h"

namespace gcattn::cli {

/// Fills first.monte_carlo with chip 0 (first, whose seeds were variation_seed and noise_seed)
/// and chips 1..n-1 run as children with `args` (the run's own arguments). Throws
/// SimulationError naming the chip when a child fails.
void run_monte_carlo(const Args& args, int n, std::uint64_t variation_seed,
                     std::uint64_t noise_seed, report::Report& first);

}  // namespace gcattn::cli
