#include "cli/options.h"

#include <ostream>
#include <string>

#include "base/errors.h"

namespace gcattn::cli {

void add_config_options(po::options_description& desc) {
  desc.add_options()("config,c", po::value<std::string>()->default_value("paper"),
                     "preset name (configs/presets/NAME.json) or JSON file")(
      "set", po::value<std::vector<std::string>>()->composing(),
      "override a parameter: --set section.key=value (repeatable)");
}

Config resolve_config(const po::variables_map& vm) {
  Config cfg = Config::load(vm["config"].as<std::string>());
  if (vm.count("set")) {
    for (const auto& s : vm["set"].as<std::vector<std::string>>()) cfg.set(s);
  }
  return cfg;
}

void add_threads_option(po::options_description& desc) {
  desc.add_options()("threads", po::value<int>()->default_value(0),
                     "worker threads for the heads (0: one per core); results do not depend on it");
}

int threads_option(const po::variables_map& vm) {
  const int n = vm["threads"].as<int>();
  if (n < 0 || n > kMaxThreads)
    throw UsageError("--threads " + std::to_string(n) + " out of range: use 0 (one per core) to " +
                     std::to_string(kMaxThreads));
  return n;
}

bool parse_options(const Args& args, const po::options_description& desc, po::variables_map& vm,
                   std::ostream& out, const std::string& usage,
                   const po::positional_options_description* positional) {
  try {
    auto parser = po::command_line_parser(args).options(desc);
    if (positional) parser.positional(*positional);
    po::store(parser.run(), vm);
    if (vm.count("help")) {
      out << usage << "\n\n" << desc << "\n";
      return false;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    throw UsageError(std::string(e.what()) + "\n" + usage + "\n(try --help)");
  }
  return true;
}

}  // namespace gcattn::cli
