#include "cli/monte_carlo.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "base/errors.h"
#include "report/nonideal_sections.h"

extern char** environ;

namespace gcattn::cli {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

// Options of the parent that a child must not repeat (outputs of the parent, the Monte-Carlo
// loop itself); each takes a value.
bool parent_only(const std::string& name) {
  for (const char* o : {"--seeds", "--report-json", "--report-csv", "--outputs", "--vcd",
                        "--vcd-scope", "--vcd-window"}) {
    if (name == o) return true;
  }
  return false;
}

Args child_args(const std::string& command, const Args& args, std::uint64_t vseed,
                std::uint64_t nseed, const std::string& report) {
  Args out{command};
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    const std::string name = a.substr(0, a.find('='));
    if (parent_only(name)) {
      if (a.find('=') == std::string::npos) ++i;  // "--opt value": skip the value too
      continue;
    }
    out.push_back(a);
  }
  for (const std::string& s :
       {"variation.seed=" + std::to_string(vseed), "noise.seed=" + std::to_string(nseed)}) {
    out.push_back("--set");
    out.push_back(s);
  }
  out.push_back("--report-json");
  out.push_back(report);
  return out;
}

// Runs this executable with args, its output in log; returns the exit status (-1: no status).
int spawn_self(const Args& args, const std::string& log) {
  std::vector<std::string> argv_s{"gcattn"};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& s : argv_s) argv.push_back(s.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  posix_spawn_file_actions_adddup2(&fa, STDOUT_FILENO, STDERR_FILENO);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, "/proc/self/exe", &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0)
    throw SimulationError(std::string("--seeds: cannot start a child run: ") + std::strerror(rc));
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

std::vector<ChipReport> run_chips(const std::string& command, const Args& args, int n,
                                  std::uint64_t variation_seed, std::uint64_t noise_seed) {
  std::vector<ChipReport> chips;
  const fs::path dir = fs::temp_directory_path() / ("gcattn-seeds-" + std::to_string(getpid()));
  fs::create_directories(dir);
  try {
    for (int i = 1; i < n; ++i) {
      const std::uint64_t vs = variation_seed + static_cast<std::uint64_t>(i);
      const std::uint64_t ns = noise_seed + static_cast<std::uint64_t>(i);
      const fs::path rep = dir / ("chip" + std::to_string(i) + ".json");
      const fs::path log = dir / ("chip" + std::to_string(i) + ".log");
      const int status = spawn_self(child_args(command, args, vs, ns, rep.string()), log.string());
      if (status != 0) {
        throw SimulationError("--seeds: the " + command + " of chip " + std::to_string(i) +
                              " (variation.seed " + std::to_string(vs) + ", noise.seed " +
                              std::to_string(ns) + ") failed with status " +
                              std::to_string(status) + ":\n" + read_text(log));
      }
      chips.push_back({vs, ns, json::parse(read_text(rep))});
    }
  } catch (...) {
    std::error_code ec;
    fs::remove_all(dir, ec);
    throw;
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
  return chips;
}

void run_monte_carlo(const Args& args, int n, std::uint64_t variation_seed,
                     std::uint64_t noise_seed, report::Report& first) {
  report::MonteCarlo mc;
  mc.chips.push_back({variation_seed, noise_seed,
                      report::to_json(first).at("accuracy").at("overall").as_object()});
  for (const auto& c : run_chips("run", args, n, variation_seed, noise_seed)) {
    mc.chips.push_back(
        {c.variation_seed, c.noise_seed, c.report.at("accuracy").at("overall").as_object()});
  }
  first.monte_carlo = std::move(mc);
}

void run_eval_monte_carlo(const Args& args, int n, json::object& first) {
  const json::object& variation = first.at("config").at("variation").as_object();
  const json::object& noise = first.at("config").at("noise").as_object();
  const auto vseed = variation.at("seed").to_number<std::uint64_t>();
  const auto nseed = noise.at("seed").to_number<std::uint64_t>();
  std::vector<ChipReport> chips{{vseed, nseed, first}};
  for (auto& c : run_chips("eval", args, n, vseed, nseed)) chips.push_back(std::move(c));
  constexpr const char* kMetrics[] = {"perplexity", "nll_nats_per_token", "bits_per_byte"};
  json::array rows;
  std::vector<std::vector<double>> values(std::size(kMetrics));
  for (const auto& c : chips) {
    const json::object& ev = c.report.at("eval").as_object();
    json::object row{{"variation_seed", c.variation_seed}, {"noise_seed", c.noise_seed}};
    for (std::size_t m = 0; m < std::size(kMetrics); ++m) {
      row[kMetrics[m]] = ev.at(kMetrics[m]);
      values[m].push_back(ev.at(kMetrics[m]).to_number<double>());
    }
    rows.push_back(std::move(row));
  }
  json::object summary;
  for (std::size_t m = 0; m < std::size(kMetrics); ++m)
    summary[kMetrics[m]] = report::SampleStats::of(values[m]).to_json();
  first["eval"].as_object()["monte_carlo"] =
      json::object{{"chips", chips.size()}, {"seeds", std::move(rows)}, {"summary", summary}};
}

}  // namespace gcattn::cli
