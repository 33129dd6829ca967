// The Slurm backend: one job array per submission; array task i runs units
// [i * units_per_task, (i + 1) * units_per_task) of the submission's unit list one after another
// through `gcattn sweep unit DIR ID`. Reading the results needs nothing from Slurm.
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "base/errors.h"
#include "sweep/backends.h"
#include "sweep/process.h"

namespace gcattn::sweep {

namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string job_script(const Manifest& m, const std::string& list, std::size_t tasks,
                       const BackendOptions& o, const std::string& name) {
  std::ostringstream s;
  s << "#!/bin/bash\n"
    << "# Written by `gcattn sweep run --backend slurm` (" << m.tool
    << "): array task i runs units\n"
    << "# i*" << o.units_per_task << "+1 .. (i+1)*" << o.units_per_task << " of " << list << "\n"
    << "#SBATCH --job-name=gcattn-sweep\n"
    << "#SBATCH --array=0-" << tasks - 1 << (o.jobs ? "%" + std::to_string(o.jobs) : "") << "\n"
    << "#SBATCH --output=" << (fs::path(m.dir) / "slurm" / (name + "-%a.out")).string() << "\n"
    << "#SBATCH --cpus-per-task=" << o.cpus_per_task << "\n";
  if (!o.partition.empty()) s << "#SBATCH --partition=" << o.partition << "\n";
  if (!o.time_limit.empty()) s << "#SBATCH --time=" << o.time_limit << "\n";
  if (!o.mem.empty()) s << "#SBATCH --mem=" << o.mem << "\n";
  s << "set -u\n"
    << "first=$(( SLURM_ARRAY_TASK_ID * " << o.units_per_task << " + 1 ))\n"
    << "last=$(( first + " << o.units_per_task - 1 << " ))\n"
    << "status=0\n"
    << "for id in $(sed -n \"${first},${last}p\" " << shell_quote(list) << "); do\n"
    << "  " << shell_quote(self_exe()) << " sweep unit " << shell_quote(m.dir)
    << " \"$id\" || status=$?\n"
    << "done\n"
    << "exit $status\n";
  return s.str();
}

}  // namespace

std::string require_sbatch() {
  const auto sbatch = find_in_path("sbatch");
  if (!sbatch)
    throw UsageError(
        "--backend slurm needs sbatch on PATH (Slurm's client commands, Debian "
        "package slurm-client, on a machine of the cluster); not found");
  return *sbatch;
}

std::string submit_slurm(Manifest& m, const std::vector<std::size_t>& todo,
                         const BackendOptions& o) {
  const std::string sbatch = require_sbatch();
  if (o.units_per_task == 0) throw UsageError("--units-per-task must be at least 1");
  const fs::path work = fs::path(m.dir) / "slurm";
  fs::create_directories(work);
  const std::string name = "submission-" + std::to_string(m.submissions.size() + 1);
  const std::string list = (work / (name + "-units.txt")).string();
  {
    std::ofstream out(list, std::ios::trunc);
    for (std::size_t i : todo) out << m.plan.units[i].id << "\n";
  }
  const std::size_t tasks = (todo.size() + o.units_per_task - 1) / o.units_per_task;
  const std::string script = (work / (name + ".sh")).string();
  write_file_atomic(script, job_script(m, list, tasks, o, name));
  ::chmod(script.c_str(), 0755);

  std::vector<std::string> argv = {sbatch, "--parsable"};
  argv.insert(argv.end(), o.sbatch_args.begin(), o.sbatch_args.end());
  argv.push_back(script);
  const ProcessResult r = run_program(argv, true);
  if (r.exit_code != 0)
    throw SimulationError("sbatch refused the job (exit status " + std::to_string(r.exit_code) +
                          "): " + trim(r.err.empty() ? r.out : r.err) + "; the script is " +
                          script + "; nothing was submitted");
  // --parsable prints "JOBID" or "JOBID;CLUSTER".
  std::string job = trim(r.out);
  job = job.substr(0, job.find(';'));
  m.submissions.push_back(json::object{{"backend", "slurm"},
                                       {"job_id", job},
                                       {"script", script},
                                       {"units", todo.size()},
                                       {"array_tasks", tasks},
                                       {"time", utc_now()}});
  save_manifest(m);
  return job;
}

namespace {

std::string job_ids(const Manifest& m) {
  std::string jobs;
  for (const auto& s : m.submissions) {
    const auto& o = s.as_object();
    if (o.at("backend") == "slurm")
      jobs += (jobs.empty() ? "" : ",") + std::string(o.at("job_id").as_string());
  }
  return jobs;
}

}  // namespace

std::string slurm_accounting(const Manifest& m) {
  const std::string jobs = job_ids(m);
  const auto sacct = find_in_path("sacct");
  if (jobs.empty() || !sacct) return {};
  const ProcessResult r = run_program({*sacct, "-n", "-X", "-P", "-j", jobs, "-o", "State"}, true);
  if (r.exit_code != 0) return {};
  std::map<std::string, int> states;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) ++states[line.substr(0, line.find(' '))];
  std::string out;
  for (const auto& [state, n] : states)
    out += (out.empty() ? "" : ", ") + state + " " + std::to_string(n);
  return out;
}

std::vector<std::string> queued_slurm_tasks(const Manifest& m) {
  const std::string jobs = job_ids(m);
  const auto squeue = find_in_path("squeue");
  if (jobs.empty() || !squeue) return {};
  const ProcessResult r = run_program({*squeue, "-h", "-r", "-j", jobs, "-o", "%i %T"}, true);
  std::vector<std::string> lines;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(line);
  return lines;
}

}  // namespace gcattn::sweep
