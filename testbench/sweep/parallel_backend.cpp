// The GNU parallel backend: the unit ids go to `parallel`, which runs `gcattn sweep unit DIR ID`
// for each, here or over the SSH hosts of its own options (--sshlogin; then DIR and this
// executable must be at the same paths there).
#include <filesystem>
#include <fstream>

#include "base/errors.h"
#include "sweep/backends.h"
#include "sweep/process.h"

namespace gcattn::sweep {

namespace fs = std::filesystem;

std::string require_parallel() {
  const auto parallel = find_in_path("parallel");
  if (!parallel)
    throw UsageError(
        "--backend parallel needs GNU parallel on PATH (Debian package parallel); "
        "not found");
  return *parallel;
}

void run_parallel(Manifest& m, const std::vector<std::size_t>& todo, const BackendOptions& o) {
  const std::string parallel = require_parallel();
  const fs::path work = fs::path(m.dir) / "parallel";
  fs::create_directories(work);
  const std::string list = (work / "units.txt").string();
  {
    std::ofstream out(list, std::ios::trunc);
    for (std::size_t i : todo) out << m.plan.units[i].id << "\n";
  }
  std::vector<std::string> argv = {parallel, "--will-cite", "--halt",
                                   "never",  "--joblog",    (work / "joblog.txt").string()};
  if (o.jobs) argv.insert(argv.end(), {"--jobs", std::to_string(o.jobs)});
  if (o.progress) argv.push_back("--bar");
  argv.insert(argv.end(), o.parallel_args.begin(), o.parallel_args.end());
  // parallel hands the command to a shell: quote the paths.
  argv.insert(argv.end(),
              {shell_quote(self_exe()), "sweep", "unit", shell_quote(m.dir), "{}", "::::", list});
  const ProcessResult r = run_program(argv, false);
  refresh_states(m);
  save_manifest(m);
  // parallel's status counts failed jobs (the units' outcomes are in their state files); above
  // 100 it failed itself.
  if (r.exit_code > 100)
    throw SimulationError("GNU parallel failed (exit status " + std::to_string(r.exit_code) +
                          "); its job log: " + (work / "joblog.txt").string());
}

}  // namespace gcattn::sweep
