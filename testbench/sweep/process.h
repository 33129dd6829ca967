#pragma once
// Child processes of the sweep backends (GNU parallel, sbatch, squeue): spawned with an
// argument vector (no shell), optionally with stdout and stderr captured.
#include <optional>
#include <string>
#include <vector>

namespace gcattn::sweep {

struct ProcessResult {
  int exit_code = -1;  // 128 + N when killed by signal N
  std::string out, err;
};

/// Runs argv[0] (looked up in PATH) and waits; capture = false inherits this process's streams.
ProcessResult run_program(const std::vector<std::string>& argv, bool capture);
/// The absolute path of `name` in PATH, if any.
std::optional<std::string> find_in_path(const std::string& name);
/// This executable (/proc/self/exe), for the commands the backends hand to other programs.
std::string self_exe();
/// Single-quoted for sh.
std::string shell_quote(const std::string& s);

}  // namespace gcattn::sweep
