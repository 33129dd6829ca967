#include "child_process.h"

#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <stdexcept>

#include "base/errors.h"
#include "gcattn/config/config.h"

namespace gcattn::python {
namespace {

volatile std::sig_atomic_t g_child_stop = 0;
extern "C" void on_child_signal(int) {
  g_child_stop = 1;
}

void write_all(int fd, const std::string& s) {
  const char* p = s.data();
  std::size_t left = s.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // the parent is gone: nothing left to tell
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

// The child's message: one status byte ('O' ok, 'E' error), the error kind and '\n' for
// errors, then the payload up to end of file.
[[noreturn]] void child_main(int fd, const std::function<std::string()>& work) {
  std::signal(SIGINT, on_child_signal);
  std::signal(SIGTERM, on_child_signal);
  std::string msg;
  try {
    msg = "O" + work();
  } catch (const gcattn::UsageError& e) {
    msg = std::string("Eusage\n") + e.what();
  } catch (const ConfigError& e) {
    msg = std::string("Econfig\n") + e.what();
  } catch (const gcattn::InputError& e) {
    msg = std::string("Einput\n") + e.what();
  } catch (const gcattn::SimulationError& e) {
    msg = std::string("Esimulation\n") + e.what();
  } catch (const std::exception& e) {
    msg = std::string("Einternal\n") + e.what();
  } catch (...) {
    msg = "Einternal\nunknown exception";
  }
  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);
  write_all(fd, msg);
  ::close(fd);
  ::_exit(0);
}

}  // namespace

const volatile std::sig_atomic_t* child_stop_flag() {
  return &g_child_stop;
}

ChildResult run_in_child(const std::function<std::string()>& work,
                         const std::function<bool()>& interrupted) {
  int fds[2];
  if (::pipe(fds) != 0)
    throw std::runtime_error(std::string("gcattn: cannot create a pipe: ") + std::strerror(errno));
  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);  // or the child would print the parent's buffered text again
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int err = errno;
    ::close(fds[0]);
    ::close(fds[1]);
    throw std::runtime_error(std::string("gcattn: cannot start the simulation process: ") +
                             std::strerror(err));
  }
  if (pid == 0) {
    ::close(fds[0]);
    child_main(fds[1], work);
  }
  ::close(fds[1]);

  ChildResult r;
  std::string data;
  char buf[65536];
  for (;;) {
    pollfd p{fds[0], POLLIN, 0};
    const int ready = ::poll(&p, 1, 100);
    if (ready < 0 && errno != EINTR) break;
    if (ready > 0) {
      const ssize_t n = ::read(fds[0], buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;  // end of file: the child is done
      data.append(buf, static_cast<std::size_t>(n));
      continue;
    }
    if (!r.interrupted && interrupted && interrupted()) {
      r.interrupted = true;
      ::kill(pid, SIGINT);  // the child stops at the next layer step and still answers
    }
  }
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }

  if (data.empty()) {
    r.error_kind = "crash";
    r.payload = WIFSIGNALED(status) ? "the simulation process was killed by signal " +
                                          std::to_string(WTERMSIG(status)) + " (" +
                                          strsignal(WTERMSIG(status)) + ")"
                                    : "the simulation process ended with status " +
                                          std::to_string(WEXITSTATUS(status)) + " without a result";
    return r;
  }
  if (data[0] == 'O') {
    r.ok = true;
    r.payload = data.substr(1);
    return r;
  }
  const std::size_t nl = data.find('\n');
  r.error_kind = data.substr(1, nl == std::string::npos ? std::string::npos : nl - 1);
  r.payload = nl == std::string::npos ? std::string() : data.substr(nl + 1);
  return r;
}

}  // namespace gcattn::python
