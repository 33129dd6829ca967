// Catch2 v2 runner. libsystemc supplies main() and calls sc_main(), so the test session starts
// here. CTest runs each test case in its own process (catch_discover_tests): a SystemC kernel
// cannot be restarted inside one process.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#include <systemc>

int sc_main(int argc, char* argv[]) { return Catch::Session().run(argc, argv); }
