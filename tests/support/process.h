#pragma once
// Runs a shell command for end-to-end tests of the gcattn program; captures output and status.
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

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

/// The gcattn executable with the SystemC banner silenced.
inline std::string gcattn_command(const std::string& args) {
  return std::string("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1 '") + GCATTN_BINARY + "' " + args;
}

}  // namespace gcattn::test
