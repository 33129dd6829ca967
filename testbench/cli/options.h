#pragma once
// Options shared by subcommands: --config and --set, and the --help convention.
#include <iosfwd>
#include <string>

#include <boost/program_options.hpp>

#include "cli/commands.h"
#include "gcattn/config/config.h"

namespace gcattn::cli {

namespace po = boost::program_options;

/// Adds --config NAME|FILE and --set KEY=VALUE (repeatable).
void add_config_options(po::options_description& desc);
/// Resolves the configuration named by --config with the --set overrides applied in order.
Config resolve_config(const po::variables_map& vm);

/// Adds --threads N (worker threads for the heads; 0, the default: one per hardware thread).
void add_threads_option(po::options_description& desc);
/// The --threads value, checked (0 .. kMaxThreads); UsageError otherwise.
int threads_option(const po::variables_map& vm);
inline constexpr int kMaxThreads = 256;

/// Parses args against desc (and positional); throws UsageError with the usage text.
/// Returns false when --help was given (the help text has been written to out).
bool parse_options(const Args& args, const po::options_description& desc, po::variables_map& vm,
                   std::ostream& out, const std::string& usage,
                   const po::positional_options_description* positional = nullptr);

}  // namespace gcattn::cli
