#pragma once
// Error kinds of the testbench (every layer throws them; the CLI maps them to the distinct exit
// codes below, the Python module to exceptions).
#include <stdexcept>
#include <string>

namespace gcattn {

enum ExitCode : int {
  kExitOk = 0,
  kExitInternal = 1,      // a bug: unexpected exception
  kExitUsage = 2,         // bad command line
  kExitConfig = 3,        // configuration: unknown key, wrong type, out of range
  kExitInput = 4,         // input file: missing, malformed, truncated, NaN, out of range
  kExitSimulation = 5,    // the model reported an error (TLM error response, SC_REPORT_ERROR)
  kExitInterrupted = 130  // SIGINT: partial results written and marked incomplete
};

/// Bad command-line usage (unknown option, missing argument).
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A bad input file; the message names the file and the problem.
class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The simulation failed (model error response, inconsistent state).
class SimulationError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace gcattn
