#pragma once
// Runs one piece of work in a forked child process and returns what it wrote.
//
// Why a child: SystemC's kernel elaborates and simulates once per process (it cannot be reset),
// so a Python session that calls gcattn.run() several times gives every call a fresh process
// with a fresh kernel. The child is a copy of the caller at the moment of the call, so nothing
// has to be serialised on the way in; the result comes back through a pipe.
#include <csignal>
#include <functional>
#include <string>

namespace gcattn::python {

struct ChildResult {
  bool ok = false;           // work returned normally
  std::string payload;       // what work returned (ok), or the error message
  std::string error_kind;    // "usage", "config", "input", "simulation", "internal", "crash"
  bool interrupted = false;  // `interrupted` said yes and the child was stopped with SIGINT
};

/// Forks; the child runs work() and sends its result (or the class and message of the exception
/// it threw) to the parent, then leaves with _exit (no atexit handlers, no interpreter). While
/// waiting, the parent calls interrupted() about ten times a second; when it returns true the
/// child gets SIGINT (see child_stop_flag()) and its outcome is marked interrupted. Safe to
/// call without holding the Python GIL: neither side runs Python code.
ChildResult run_in_child(const std::function<std::string()>& work,
                         const std::function<bool()>& interrupted);

/// In the child: the flag its SIGINT/SIGTERM handler sets (for the trace player's stop).
const volatile std::sig_atomic_t* child_stop_flag();

}  // namespace gcattn::python
