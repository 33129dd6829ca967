// The gcattn program. libsystemc provides main() and calls sc_main().
#include <iostream>
#include <string>
#include <vector>

#include <systemc>

#include "cli/commands.h"

int sc_main(int argc, char* argv[]) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return gcattn::cli::run_cli(args, std::cout, std::cerr);
}
