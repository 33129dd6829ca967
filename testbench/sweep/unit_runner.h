#pragma once
// Runs one unit of a sweep: the entry every backend calls (`gcattn sweep unit DIR ID` from GNU
// parallel and Slurm array tasks, a forked worker of the local pool). It marks the unit running,
// runs `gcattn run ... --report-json DIR/units/ID/report.json` in a forked child (one SystemC
// kernel per process; stdout and stderr into DIR/units/ID/log.txt) and records the outcome
// (done, failed with exit code and error line, interrupted) in DIR/units/ID/state.json.
#include <functional>
#include <string>
#include <vector>

#include "sweep/plan.h"

namespace gcattn::sweep {

/// Runs the gcattn program on the arguments in this process and returns its exit status (the
/// CLI passes its dispatcher: the sweep library does not depend on the CLI).
using RunProgram = std::function<int(const std::vector<std::string>& args)>;

/// Returns the unit's exit status (0 done).
int run_unit(const std::string& dir, const Unit& unit, const RunProgram& program);

}  // namespace gcattn::sweep
