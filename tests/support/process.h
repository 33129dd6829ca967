#pragma once
// Runs a shell command for end-to-end tests of the gcattn program; captures output and status.
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

namespace gcattn::test {

struct ProcessResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

inline ProcessResult run_process(const std::string& command) {
  ProcessResult r;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return r;
  std::array<char, 4096> buf{};
  std::size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) r.output.append(buf.data(), n);
  const int status = pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

/// Starts gcattn with these arguments in the background (exec'd by the shell, so the pid is the
/// program's), stdout and stderr to log.
inline pid_t spawn_gcattn(const std::string& args, const std::string& log) {
  const std::string sh = std::string("export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1; exec '") +
                         GCATTN_BINARY + "' " + args + " >'" + log + "' 2>&1";
  const char* argv[] = {"/bin/sh", "-c", sh.c_str(), nullptr};
  pid_t pid = -1;
  if (posix_spawn(&pid, "/bin/sh", nullptr, nullptr, const_cast<char* const*>(argv), environ) != 0)
    return -1;
  return pid;
}

/// Waits until process pid catches signal sig (its handler is installed: SigCgt in
/// /proc/PID/status), up to timeout; false when it never does or has ended.
inline bool wait_for_handler(pid_t pid, int sig, std::chrono::milliseconds timeout) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    bool shell = false;  // still the shell before its exec
    while (std::getline(in, line)) {
      if (line.rfind("Name:", 0) == 0) {
        const std::string name = line.substr(line.find_first_not_of(" \t", 5));
        shell = name == "sh" || name == "dash" || name == "bash";
      }
      if (shell) break;
      if (line.rfind("SigCgt:", 0) != 0) continue;
      const unsigned long long mask = std::stoull(line.substr(7), nullptr, 16);
      if (mask & (1ull << (sig - 1))) return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

/// Waits for pid; its exit status, or 128 + the signal that ended it.
inline int wait_process(pid_t pid) {
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/// The gcattn executable with the SystemC banner silenced.
inline std::string gcattn_command(const std::string& args) {
  return std::string("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1 '") + GCATTN_BINARY + "' " + args;
}

}  // namespace gcattn::test
