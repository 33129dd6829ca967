#pragma once
// SIGINT, SIGTERM and SIGHUP ask a long command to stop cleanly: while a StopSignals object
// lives, each of them sets one flag that the command polls (the trace player at every layer
// step, the calibration at every head, the trace writers at every token). The command then
// writes what it has, marked incomplete (run), or removes its partial output (trace), and
// exits with status 130 (kExitInterrupted) whichever of the three signals arrived.
#include <csignal>

namespace gcattn {

/// "SIGINT", "SIGTERM", "SIGHUP"; "a stop signal" for any other non-zero value, "" for 0.
const char* signal_name(int sig);

class StopSignals {
 public:
  /// Clears the flag and installs the handler; the previous dispositions are restored by the
  /// destructor (also when the command fails).
  StopSignals();
  ~StopSignals();
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

  /// The flag: non-zero once a stop signal arrived (the signal's number).
  const volatile std::sig_atomic_t* flag() const;
  bool stopped() const { return *flag() != 0; }
  /// The name of the signal that arrived ("SIGTERM"), or "" when none did.
  const char* name() const { return signal_name(*flag()); }

 private:
  struct sigaction previous_[3];
};

}  // namespace gcattn
