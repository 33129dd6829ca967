#pragma once
// The three ways `gcattn sweep run` executes a sweep's unfinished units. All of them end in
// run_unit (unit_runner.h) for each unit, so results do not depend on the backend.
#include <cstddef>
#include <iosfwd>
#include <string>
#include <vector>

#include "sweep/manifest.h"
#include "sweep/unit_runner.h"

namespace gcattn::sweep {

struct BackendOptions {
  unsigned jobs = 0;                       // local, parallel: simultaneous units (0: the cores);
                                           // slurm: array tasks running at once (0: no limit)
  bool progress = false;                   // progress bar on stderr (local, parallel)
  std::vector<std::string> parallel_args;  // extra GNU parallel options (e.g. --sshlogin)
  std::size_t units_per_task = 1;          // slurm: units run one after another by one task
  std::string partition, time_limit, mem;  // slurm: --partition, --time, --mem (empty: default)
  unsigned cpus_per_task = 1;
  std::vector<std::string> sbatch_args;  // extra sbatch options
};

/// A pool of forked workers on this machine. Ctrl-C stops starting units and waits for the
/// running ones (they write partial reports); returns false when interrupted.
bool run_local(Manifest& m, const std::vector<std::size_t>& todo, const BackendOptions& o,
               const RunProgram& program, std::ostream& err);

/// The paths of GNU parallel and sbatch; UsageError saying what to install when missing.
std::string require_parallel();
std::string require_sbatch();

/// Hands the unit ids to GNU parallel, which runs `gcattn sweep unit DIR ID` for each.
void run_parallel(Manifest& m, const std::vector<std::size_t>& todo, const BackendOptions& o);

/// Writes a Slurm job-array script under DIR/slurm/ and submits it with sbatch; records the
/// submission in the manifest and returns the job id.
std::string submit_slurm(Manifest& m, const std::vector<std::size_t>& todo,
                         const BackendOptions& o);

/// Slurm jobs of this sweep still known to squeue ("JOBID_TASK STATE" lines); empty when none or
/// when squeue is not available.
std::vector<std::string> queued_slurm_tasks(const Manifest& m);
/// Array tasks of this sweep by state as Slurm's accounting records them ("COMPLETED 4,
/// CANCELLED 1"); empty when sacct is missing or the cluster keeps no accounting.
std::string slurm_accounting(const Manifest& m);

}  // namespace gcattn::sweep
