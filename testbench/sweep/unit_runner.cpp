#include "sweep/unit_runner.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "base/errors.h"
#include "sweep/manifest.h"

namespace gcattn::sweep {

namespace fs = std::filesystem;

namespace {

std::string hostname() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "?";
  return buf;
}

// The error line of a failed run: the last "gcattn ...: ... error: ..." line of its log, else
// its last non-empty line.
std::string error_line(const std::string& log) {
  std::ifstream in(log);
  std::string line, last, error;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    last = line;
    if (line.rfind("gcattn ", 0) == 0 && line.find("error: ") != std::string::npos) error = line;
  }
  return error.empty() ? last : error;
}

// The child: output into the unit's log, run, exit without unwinding the parent's state.
[[noreturn]] void child(const std::string& log, const std::vector<std::string>& args,
                        const RunProgram& program) {
  const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) ::_exit(kExitInternal);
  ::dup2(fd, STDOUT_FILENO);
  ::dup2(fd, STDERR_FILENO);
  ::close(fd);
  std::signal(SIGINT, SIG_DFL);
  int rc = kExitInternal;
  try {
    rc = program(args);
  } catch (const std::exception& e) {
    std::cerr << "gcattn run: internal error: " << e.what() << "\n";
  }
  std::cout.flush();
  std::cerr.flush();
  ::_exit(rc);
}

}  // namespace

int run_unit(const std::string& dir, const Unit& unit, const RunProgram& program) {
  const auto start = std::chrono::steady_clock::now();
  fs::create_directories(unit_dir(dir, unit.id));
  const std::string report = report_path(dir, unit.id);
  const std::string log = log_path(dir, unit.id);
  fs::remove(report);  // a rerun never leaves an earlier report behind

  UnitState st;
  st.state = State::Running;
  st.host = hostname();
  st.pid = ::getpid();
  st.started = utc_now();
  write_unit_state(dir, unit.id, st);

  std::vector<std::string> args = unit.args;
  args.insert(args.end(), {"--report-json", report});
  std::cout.flush();
  std::cerr.flush();
  // The run handles Ctrl-C itself (partial report, 130); this process waits for it to finish.
  const auto previous = std::signal(SIGINT, SIG_IGN);
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) child(log, args, program);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  std::signal(SIGINT, previous);

  st.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (WIFEXITED(status)) {
    st.exit_code = WEXITSTATUS(status);
  } else {
    const int sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    st.exit_code = 128 + sig;
    st.message = std::string("gcattn run killed by signal ") + std::to_string(sig) + " (" +
                 strsignal(sig) + ")";
  }
  if (st.exit_code == kExitOk && fs::exists(report)) {
    st.state = State::Done;
  } else {
    st.state = st.exit_code == kExitInterrupted ? State::Interrupted : State::Failed;
    if (st.state == State::Interrupted)
      st.message =
          "interrupted (SIGINT); its partial report is marked incomplete; a rerun runs it again";
    if (st.message.empty()) st.message = error_line(log);
    if (st.exit_code == kExitOk) st.message = "exit status 0 but no report written";
  }
  write_unit_state(dir, unit.id, st);
  return st.state == State::Done ? kExitOk
                                 : (st.exit_code != kExitOk ? st.exit_code : kExitInternal);
}

}  // namespace gcattn::sweep
