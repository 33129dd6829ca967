// gcattn sweep run|status|collect (and the internal `unit`): design-space sweeps over
// configuration keys and traces, run locally, through GNU parallel or as a Slurm job array
// (docs/sweeps.md).
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <ostream>

#include "base/errors.h"
#include "base/version.h"
#include "cli/commands.h"
#include "cli/options.h"
#include "sweep/backends.h"
#include "sweep/collect.h"
#include "sweep/spec.h"

namespace gcattn::cli {

namespace fs = std::filesystem;

namespace {

const char* const kUsage =
    "usage: gcattn sweep run SPEC.json --out DIR [--backend local|parallel|slurm] [--jobs N]\n"
    "       gcattn sweep status DIR\n"
    "       gcattn sweep collect DIR [-o results.csv] [--json results.jsonl]\n"
    "Runs `gcattn run` for every point of a sweep spec (the cross product of its axes, zip groups\n"
    "paired) and every trace; each unit's report goes to DIR/units/ID/report.json. Every point's\n"
    "configuration is checked before anything runs. Rerunning the same command resumes: finished\n"
    "units are skipped; a directory of another spec is refused (--extend adopts the new spec).\n"
    "Exit status: 0 all units done, 5 some failed (recorded, the others ran), 130 interrupted;\n"
    "`status` and `collect` show the failures. Spec, backends, columns: docs/sweeps.md.";

std::string tool() {
  return std::string("gcattn ") + version();
}

sweep::RunProgram program() {
  return [](const std::vector<std::string>& args) { return run_cli(args, std::cout, std::cerr); };
}

std::string absolute(const std::string& dir) {
  return fs::absolute(dir).lexically_normal().string();
}

// Units per state.
std::map<sweep::State, std::size_t> tally(const sweep::Manifest& m) {
  std::map<sweep::State, std::size_t> n;
  for (const auto& s : m.states) ++n[s.state];
  return n;
}

void list_failures(const sweep::Manifest& m, std::ostream& out) {
  std::size_t shown = 0;
  for (std::size_t i = 0; i < m.states.size(); ++i) {
    const auto& s = m.states[i];
    if (s.state != sweep::State::Failed && s.state != sweep::State::Interrupted) continue;
    if (++shown > 20) {
      out << "  ... (all of them: gcattn sweep collect " << m.dir << ")\n";
      return;
    }
    out << "  " << m.plan.units[i].id << " " << to_string(s.state) << " (exit " << s.exit_code
        << "): " << s.message << "\n    log: " << sweep::log_path(m.dir, m.plan.units[i].id)
        << "\n";
  }
}

int sweep_run(const Args& args, std::ostream& out) {
  po::options_description desc("sweep run options");
  desc.add_options()("help,h", "show this help")("spec", po::value<std::string>()->required(),
                                                 "the sweep spec (JSON, docs/sweeps.md)")(
      "out,o", po::value<std::string>(), "the sweep directory (new, empty, or this spec's)")(
      "backend", po::value<std::string>()->default_value("local"), "local | parallel | slurm")(
      "jobs,j", po::value<unsigned>()->default_value(0),
      "local, parallel: units at a time (0: the cores); slurm: array tasks at a time (0: no "
      "limit)")("dry-run", "check the spec and list the units; run and write nothing")(
      "extend", "DIR holds a sweep of another spec: adopt this one (unchanged units keep results)")(
      "parallel-arg", po::value<std::vector<std::string>>()->composing(),
      "parallel: pass an option to GNU parallel, e.g. --parallel-arg=--sshlogin=2/host1,2/host2")(
      "units-per-task", po::value<std::size_t>()->default_value(1),
      "slurm: units one array task runs one after another")("partition", po::value<std::string>(),
                                                            "slurm: sbatch --partition")(
      "time", po::value<std::string>(), "slurm: sbatch --time per array task, e.g. 00:10:00")(
      "mem", po::value<std::string>(), "slurm: sbatch --mem per array task, e.g. 2G")(
      "cpus-per-task", po::value<unsigned>()->default_value(1), "slurm: sbatch --cpus-per-task")(
      "sbatch-arg", po::value<std::vector<std::string>>()->composing(),
      "slurm: pass an option to sbatch, e.g. --sbatch-arg=--account=proj");
  po::positional_options_description pos;
  pos.add("spec", 1);
  po::variables_map vm;
  if (!parse_options(args, desc, vm, out, std::string(kUsage), &pos)) return kExitOk;
  const std::string backend = vm["backend"].as<std::string>();
  if (backend != "local" && backend != "parallel" && backend != "slurm")
    throw UsageError("--backend must be local, parallel or slurm, got '" + backend + "'");

  const sweep::Spec spec = sweep::load_spec(vm["spec"].as<std::string>());
  const sweep::Plan plan = sweep::make_plan(spec);  // every point checked before anything runs
  if (vm.count("dry-run")) {
    out << plan.units.size() << " units: " << plan.units.size() / spec.traces.size() << " points x "
        << spec.traces.size() << " trace(s)\n";
    for (const auto& u : plan.units) {
      out << u.id << " " << u.trace;
      for (const auto& [k, v] : u.values) out << " " << k << "=" << v;
      out << "\n";
    }
    return kExitOk;
  }

  if (!vm.count("out")) throw UsageError(std::string("--out DIR is required\n") + kUsage);
  if (backend == "parallel") sweep::require_parallel();
  if (backend == "slurm") sweep::require_sbatch();
  sweep::Manifest m = sweep::open_sweep(absolute(vm["out"].as<std::string>()), plan, tool(),
                                        vm.count("extend") > 0);
  const auto queued = sweep::queued_slurm_tasks(m);
  if (!queued.empty())
    throw UsageError(std::to_string(queued.size()) + " Slurm array tasks of this sweep are still " +
                     "queued or running (first: " + queued.front() +
                     "); wait for them (gcattn sweep status " + m.dir +
                     ") or scancel them, then rerun");
  std::vector<std::size_t> todo;
  for (std::size_t i = 0; i < m.states.size(); ++i)
    if (m.states[i].state != sweep::State::Done) todo.push_back(i);
  out << "sweep " << m.dir << ": " << m.plan.units.size() << " units, "
      << m.plan.units.size() - todo.size() << " already done, " << todo.size() << " to run ("
      << backend << ")\n";
  if (todo.empty()) return kExitOk;

  sweep::BackendOptions o;
  o.jobs = vm["jobs"].as<unsigned>();
  o.progress = isatty(STDERR_FILENO);
  if (vm.count("parallel-arg")) o.parallel_args = vm["parallel-arg"].as<std::vector<std::string>>();
  o.units_per_task = vm["units-per-task"].as<std::size_t>();
  if (vm.count("partition")) o.partition = vm["partition"].as<std::string>();
  if (vm.count("time")) o.time_limit = vm["time"].as<std::string>();
  if (vm.count("mem")) o.mem = vm["mem"].as<std::string>();
  o.cpus_per_task = vm["cpus-per-task"].as<unsigned>();
  if (vm.count("sbatch-arg")) o.sbatch_args = vm["sbatch-arg"].as<std::vector<std::string>>();

  if (backend == "slurm") {
    const std::string job = sweep::submit_slurm(m, todo, o);
    out << "submitted Slurm job array " << job << " (" << todo.size() << " units)\n"
        << "progress: gcattn sweep status " << m.dir << "\n"
        << "results:  gcattn sweep collect " << m.dir << " -o results.csv\n";
    return kExitOk;
  }
  bool interrupted = false;
  if (backend == "parallel")
    sweep::run_parallel(m, todo, o);
  else
    interrupted = !sweep::run_local(m, todo, o, program(), std::cerr);

  auto n = tally(m);
  const std::size_t failed = n[sweep::State::Failed] + n[sweep::State::Interrupted];
  out << n[sweep::State::Done] << " of " << m.plan.units.size() << " units done";
  if (failed)
    out << ", " << failed << " failed or interrupted:\n";
  else
    out << "\n";
  list_failures(m, out);
  out << "results: gcattn sweep collect " << m.dir << " -o results.csv\n";
  if (interrupted) return kExitInterrupted;
  return n[sweep::State::Done] == m.plan.units.size() ? kExitOk : kExitSimulation;
}

int sweep_status(const Args& args, std::ostream& out) {
  po::options_description desc("sweep status options");
  desc.add_options()("help,h", "show this help")("dir", po::value<std::string>()->required(),
                                                 "the sweep directory");
  po::positional_options_description pos;
  pos.add("dir", 1);
  po::variables_map vm;
  if (!parse_options(args, desc, vm, out, kUsage, &pos)) return kExitOk;
  sweep::Manifest m = sweep::load_manifest(absolute(vm["dir"].as<std::string>()));
  sweep::save_manifest(m);
  auto n = tally(m);
  out << "sweep " << m.dir << " (" << m.tool << "): " << m.plan.units.size() << " units:";
  for (auto st : {sweep::State::Done, sweep::State::Failed, sweep::State::Interrupted,
                  sweep::State::Running, sweep::State::Pending})
    out << (st == sweep::State::Done ? " " : ", ") << n[st] << " " << to_string(st);
  out << "\n";
  list_failures(m, out);
  if (!m.submissions.empty()) {
    for (const auto& s : m.submissions) {
      const auto& o = s.as_object();
      out << "submitted " << o.at("time").as_string().c_str() << ": Slurm job "
          << o.at("job_id").as_string().c_str() << ", " << o.at("units").to_number<std::size_t>()
          << " units\n";
    }
    const auto queued = sweep::queued_slurm_tasks(m);
    out << "squeue: " << queued.size() << " array tasks queued or running\n";
    for (const auto& q : queued) out << "  " << q << "\n";
    const std::string accounting = sweep::slurm_accounting(m);
    if (!accounting.empty()) out << "sacct: " << accounting << "\n";
    if (queued.empty() && n[sweep::State::Running] > 0)
      out << n[sweep::State::Running]
          << " units are marked running but no task of this sweep is queued: their job was "
          << "cancelled or its node failed; `gcattn sweep run` reruns them\n";
  }
  return kExitOk;
}

int sweep_collect(const Args& args, std::ostream& out) {
  po::options_description desc("sweep collect options");
  desc.add_options()("help,h", "show this help")("dir", po::value<std::string>()->required(),
                                                 "the sweep directory")(
      "output,o", po::value<std::string>(), "CSV table (default: standard output)")(
      "json", po::value<std::string>(), "also write the rows as JSON lines here");
  po::positional_options_description pos;
  pos.add("dir", 1);
  po::variables_map vm;
  if (!parse_options(args, desc, vm, out, kUsage, &pos)) return kExitOk;
  sweep::Manifest m = sweep::load_manifest(absolute(vm["dir"].as<std::string>()));
  sweep::save_manifest(m);
  const sweep::Table t = sweep::collect(m);
  auto write = [](const std::string& path, auto&& writer) {
    std::ofstream f(path, std::ios::trunc);
    if (!f) throw InputError(path + ": cannot write");
    writer(f);
    if (!f.flush()) throw InputError(path + ": cannot write");
  };
  if (vm.count("output"))
    write(vm["output"].as<std::string>(), [&](std::ostream& f) { sweep::write_csv(t, f); });
  else
    sweep::write_csv(t, out);
  if (vm.count("json"))
    write(vm["json"].as<std::string>(), [&](std::ostream& f) { sweep::write_jsonl(t, f); });
  auto n = tally(m);
  const std::size_t done = n[sweep::State::Done],
                    failed = n[sweep::State::Failed] + n[sweep::State::Interrupted];
  std::ostream& info = vm.count("output") ? out : std::cerr;
  info << t.rows.size() << " rows: " << done << " done, " << failed << " failed, "
       << t.rows.size() - done - failed << " not finished";
  if (vm.count("output")) info << " -> " << vm["output"].as<std::string>();
  info << "\n";
  return kExitOk;
}

// The entry of every backend for one unit (not listed in the help).
int sweep_unit(const Args& args) {
  if (args.size() != 2) throw UsageError("usage: gcattn sweep unit DIR ID (used by the backends)");
  const sweep::Manifest m = sweep::load_manifest(absolute(args[0]), false);
  for (const auto& u : m.plan.units) {
    if (u.id != args[1]) continue;
    const int rc = sweep::run_unit(m.dir, u, program());
    if (rc != kExitOk) {
      const auto st = sweep::read_unit_state(m.dir, u.id);
      std::cerr << "gcattn sweep: unit " << u.id << " " << to_string(st.state) << " (exit "
                << st.exit_code << "): " << st.message << "\n";
    }
    return rc;
  }
  throw UsageError("unit '" + args[1] + "' is not in " + m.dir + "/manifest.json");
}

}  // namespace

int cmd_sweep(const Args& args, std::ostream& out) {
  if (args.empty()) throw UsageError(std::string("missing action\n") + kUsage);
  const std::string action = args[0];
  const Args rest(args.begin() + 1, args.end());
  if (action == "run") return sweep_run(rest, out);
  if (action == "status") return sweep_status(rest, out);
  if (action == "collect") return sweep_collect(rest, out);
  if (action == "unit") return sweep_unit(rest);
  if (action == "--help" || action == "-h") {
    out << kUsage << "\n(gcattn sweep ACTION --help for its options)\n";
    return kExitOk;
  }
  throw UsageError("unknown action '" + action + "'\n" + kUsage);
}

}  // namespace gcattn::cli
