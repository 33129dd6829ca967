// The local backend: forked workers, one unit each, at most `jobs` at a time.
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <map>
#include <sstream>

#include "base/errors.h"
#include "sweep/backends.h"

namespace gcattn::sweep {

namespace {

volatile std::sig_atomic_t g_interrupted = 0;
extern "C" void on_interrupt(int) {
  g_interrupted = 1;
}

void draw(std::ostream& err, std::size_t finished, std::size_t total, std::size_t failed,
          std::size_t running, double elapsed) {
  constexpr int kWidth = 30;
  const int filled = total ? static_cast<int>(kWidth * finished / total) : kWidth;
  std::ostringstream line;
  line << "\r[" << std::string(filled, '#') << std::string(kWidth - filled, '.') << "] " << finished
       << "/" << total << " units";
  if (failed) line << ", " << failed << " failed";
  line << ", " << running << " running, " << std::fixed << std::setprecision(1) << elapsed << " s";
  if (finished > 0 && finished < total)
    line << ", about " << elapsed / finished * (total - finished) << " s left";
  err << line.str() << "   " << std::flush;
}

}  // namespace

bool run_local(Manifest& m, const std::vector<std::size_t>& todo, const BackendOptions& o,
               const RunProgram& program, std::ostream& err) {
  using clock = std::chrono::steady_clock;
  const unsigned jobs =
      o.jobs ? o.jobs : std::max(1u, static_cast<unsigned>(::sysconf(_SC_NPROCESSORS_ONLN)));
  g_interrupted = 0;
  const auto previous = std::signal(SIGINT, on_interrupt);
  const auto start = clock::now();
  auto saved = start;
  std::map<pid_t, std::size_t> running;
  std::size_t next = 0, finished = 0, failed = 0;
  while (next < todo.size() || !running.empty()) {
    while (!g_interrupted && running.size() < jobs && next < todo.size()) {
      const std::size_t i = todo[next++];
      std::cout.flush();
      std::cerr.flush();
      const pid_t pid = ::fork();
      if (pid < 0) throw std::runtime_error("fork failed while starting a sweep unit");
      if (pid == 0) ::_exit(run_unit(m.dir, m.plan.units[i], program) == 0 ? 0 : 1);
      running[pid] = i;
    }
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, 0);
    if (pid < 0) {
      if (errno == EINTR) continue;
      break;
    }
    const auto it = running.find(pid);
    if (it == running.end()) continue;
    const std::size_t i = it->second;
    running.erase(it);
    UnitState& st = m.states[i];
    st = read_unit_state(m.dir, m.plan.units[i].id);
    if (st.state == State::Running) {  // the worker itself died before recording the outcome
      st.state = State::Failed;
      st.exit_code = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : kExitInternal;
      st.message = "the unit's worker process ended without recording its outcome";
      write_unit_state(m.dir, m.plan.units[i].id, st);
    }
    ++finished;
    if (st.state != State::Done) ++failed;
    const auto now = clock::now();
    if (o.progress)
      draw(err, finished, todo.size(), failed, running.size(),
           std::chrono::duration<double>(now - start).count());
    if (now - saved > std::chrono::seconds(1)) {
      save_manifest(m);
      saved = now;
    }
  }
  if (o.progress) err << "\n";
  std::signal(SIGINT, previous);
  save_manifest(m);
  return !g_interrupted;
}

}  // namespace gcattn::sweep
