// Catch2 v2 runner. libsystemc supplies main() and calls sc_main(), so the test session starts
// here. A SystemC kernel cannot be restarted inside one process, so every test case runs in a
// process of its own: CTest runs them one by one (catch_discover_tests), and a direct run that
// selects several test cases (e.g. `gcattn_tests "[eval]"`) re-runs this binary once per test case
// and sums the failures.
#define CATCH_CONFIG_RUNNER
#include <sys/wait.h>
#include <catch2/catch.hpp>

#include <cstdlib>
#include <iostream>
#include <string>
#include <systemc>

namespace {

// A test name as a Catch2 test spec (special characters escaped), single-quoted for the shell.
std::string spec_argument(const std::string& name) {
  std::string spec;
  for (char c : name) {
    if (c == '\\' || c == ',' || c == '[' || c == ']' || c == '*' || c == '"' || c == '~')
      spec += '\\';
    spec += c;
  }
  std::string quoted = "'";
  for (char c : spec) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

}  // namespace

int sc_main(int argc, char* argv[]) {
  Catch::Session session;
  if (const int rc = session.applyCommandLine(argc, argv)) return rc;
  const Catch::ConfigData& cd = session.configData();
  if (std::getenv("GCATTN_TEST_CHILD") || cd.showHelp || cd.listTests || cd.listTestNamesOnly ||
      cd.listTags || cd.listReporters)
    return session.run();
  const auto& config = session.config();
  const std::vector<Catch::TestCase> tests =
      Catch::filterTests(Catch::getAllTestCasesSorted(config), config.testSpec(), config);
  if (tests.size() <= 1) return session.run();
  int failed = 0;
  for (const auto& t : tests) {
    const std::string cmd =
        "GCATTN_TEST_CHILD=1 '" + std::string(argv[0]) + "' " + spec_argument(t.name);
    const int status = std::system(cmd.c_str());
    if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
      ++failed;
      std::cerr << "FAILED: " << t.name << "\n";
    }
  }
  std::cerr << tests.size() - static_cast<std::size_t>(failed) << " of " << tests.size()
            << " test cases passed, each in its own process\n";
  return failed ? 1 : 0;
}
