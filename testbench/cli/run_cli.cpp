#include <exception>
#include <ostream>

#include "base/errors.h"
#include "base/version.h"
#include "cli/commands.h"
#include "gcattn/config/config.h"

namespace gcattn::cli {
namespace {

struct Command {
  const char* name;
  const char* summary;
  int (*run)(const Args&, std::ostream&);
};

const Command kCommands[] = {
    {"config", "show or validate a configuration (presets, --set overrides)", cmd_config},
    {"tile", "evaluate one sub-tile on .npy inputs (golden array-level interface)", cmd_tile},
    {"trace", "make and inspect KV-cache traces (GPT-2 engine, synthetic, info, verify)",
     cmd_trace},
    {"reproduce", "run the calibration workload: published vs simulated latency and energy",
     cmd_reproduce},
    {"run", "replay a KV-cache trace through the accelerator; timing, energy, accuracy, GPU report",
     cmd_run},
    {"calibrate",
     "compute per-head q/k/v/output scalers from a trace prefix (range or paper method)",
     cmd_calibrate},
    {"eval", "a GPT-2's perplexity on a text with its attention on the accelerator (closed loop)",
     cmd_eval},
    {"generate", "closed-loop text generation with attention on the simulated accelerator",
     cmd_generate},
    {"sweep", "design-space sweeps: local, GNU parallel or Slurm; status; a results table",
     cmd_sweep},
};

void usage(std::ostream& os) {
  os << "gcattn: transaction-level model of a gain-cell analog in-memory attention accelerator\n\n"
        "usage: gcattn <command> [options]   (gcattn <command> --help for its "
        "options)\n\ncommands:\n";
  for (const auto& c : kCommands) {
    os << "  " << c.name << std::string(12 - std::string(c.name).size(), ' ') << c.summary << "\n";
  }
}

}  // namespace

int run_cli(const Args& args, std::ostream& out, std::ostream& err) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    usage(args.empty() ? err : out);
    return args.empty() ? kExitUsage : kExitOk;
  }
  if (args[0] == "--version") {
    out << "gcattn " << version() << "\n";
    return kExitOk;
  }
  for (const auto& c : kCommands) {
    if (args[0] != c.name) continue;
    const Args rest(args.begin() + 1, args.end());
    try {
      return c.run(rest, out);
    } catch (const UsageError& e) {
      err << "gcattn " << c.name << ": usage error: " << e.what() << "\n";
      return kExitUsage;
    } catch (const ConfigError& e) {
      err << "gcattn " << c.name << ": configuration error: " << e.what() << "\n";
      return kExitConfig;
    } catch (const InputError& e) {
      err << "gcattn " << c.name << ": input error: " << e.what() << "\n";
      return kExitInput;
    } catch (const SimulationError& e) {
      err << "gcattn " << c.name << ": simulation error: " << e.what() << "\n";
      return kExitSimulation;
    } catch (const std::exception& e) {
      err << "gcattn " << c.name << ": internal error: " << e.what() << "\n";
      return kExitInternal;
    }
  }
  err << "gcattn: unknown command '" << args[0] << "'\n";
  usage(err);
  return kExitUsage;
}

}  // namespace gcattn::cli
