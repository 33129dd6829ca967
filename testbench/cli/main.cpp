// The gcattn program. libsystemc provides main() and calls sc_main().
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include <systemc>

#include "cli/commands.h"

namespace {
// SystemC prints its copyright banner when the kernel starts unless this variable is set; a
// command-line tool should not (this runs before sc_main; a value the user set is kept).
const int kNoBanner = ::setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
}  // namespace

int sc_main(int argc, char* argv[]) {
  (void)kNoBanner;
  std::vector<std::string> args(argv + 1, argv + argc);
  return gcattn::cli::run_cli(args, std::cout, std::cerr);
}
