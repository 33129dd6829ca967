#pragma once
// Subcommands of the gcattn program. Each parses its own options (Boost.Program_options),
// writes results to `out` and reports failures by throwing the exceptions of errors.h or
// gcattn::ConfigError; run_cli maps them to exit codes and messages.
#include <iosfwd>
#include <string>
#include <vector>

namespace gcattn {
class Config;
}

namespace gcattn::cli {

using Args = std::vector<std::string>;

int cmd_config(const Args& args, std::ostream& out);
int cmd_tile(const Args& args, std::ostream& out);
int cmd_trace(const Args& args, std::ostream& out);
int cmd_reproduce(const Args& args, std::ostream& out);
int cmd_run(const Args& args, std::ostream& out);
int cmd_calibrate(const Args& args, std::ostream& out);
int cmd_sweep(const Args& args, std::ostream& out);
int cmd_eval(const Args& args, std::ostream& out);
int cmd_generate(const Args& args, std::ostream& out);

/// The Markdown parameter reference (docs/configuration.md embeds it between markers).
void write_parameter_reference(const Config& paper, std::ostream& out);

/// Dispatches argv[1..] to a subcommand; returns the process exit code.
int run_cli(const Args& args, std::ostream& out, std::ostream& err);

}  // namespace gcattn::cli
