// Configuration loader and --set. The input is a configuration file, optionally followed by a
// line "--set" and one assignment per line. Accepted configurations: every value within its
// schema range, and the resolved configuration written as JSON loads back identical (numbers
// bit for bit).
#include <sstream>

#include "fuzz_support.h"
#include "gcattn/config/config.h"

using namespace gcattn;

namespace {

// In memory: the input itself went through a file (Config::load), the round trip tests the
// writer and the parser.
void round_trip(const Config& c) {
  const std::string text = c.to_json(false);
  const Config back = Config::parse(text, "round trip");
  FUZZ_CHECK(back.to_json(false) == text);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto [file, sets] = fuzz::split({reinterpret_cast<const char*>(data), size}, "\n--set\n");
  try {
    Config c = Config::load(fuzz::scratch_file("c.json", file));
    // One round trip after the assignments: it covers the loaded values they left alone.
    std::istringstream lines{std::string(sets)};
    std::string line;
    while (std::getline(lines, line)) {
      try {
        c.set(line);
      } catch (const ConfigError&) {
      }
    }
    round_trip(c);
  } catch (const ConfigError&) {
  }
  // The same assignments on the paper preset (loaded once; each input works on a copy).
  static const Config kPaper = Config::paper();
  Config paper = kPaper;
  std::istringstream lines{std::string(file)};
  std::string line;
  bool changed = false;
  while (std::getline(lines, line)) {
    try {
      paper.set(line);
      changed = true;
    } catch (const ConfigError&) {
    }
  }
  if (changed) round_trip(paper);
  return 0;
}
