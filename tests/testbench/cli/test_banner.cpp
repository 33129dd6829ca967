// gcattn does not print SystemC's copyright banner, with or without the environment variable.
#include <catch2/catch.hpp>

#include "support/process.h"

TEST_CASE("gcattn prints no SystemC banner, even without SYSTEMC_DISABLE_COPYRIGHT_MESSAGE",
          "[cli]") {
  for (const char* args : {"--help", "config list", "tile --help"}) {
    const auto r = gcattn::test::run_process(
        std::string("env -u SYSTEMC_DISABLE_COPYRIGHT_MESSAGE '") + GCATTN_BINARY + "' " + args);
    INFO(args << ": " << r.output);
    CHECK(r.exit_code == 0);
    CHECK(r.output.find("Copyright") == std::string::npos);
    CHECK(r.output.find("SystemC 2.") == std::string::npos);
  }
}
