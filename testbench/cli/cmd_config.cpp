// gcattn config show|validate|list
#include <iomanip>
#include <ostream>
#include <sstream>

#include "base/errors.h"
#include "cli/commands.h"
#include "cli/options.h"
#include "gcattn/config/hardware_params.h"

namespace gcattn::cli {

namespace {

// Markdown table cell: escape pipes.
std::string cell(std::string s) {
  for (std::size_t i = 0; (i = s.find('|', i)) != std::string::npos; i += 2) s.replace(i, 1, "\\|");
  return s;
}

std::string range_text(const ParamSpec& p) {
  switch (p.type) {
    case ParamType::Boolean:
      return "true, false";
    case ParamType::String: {
      std::string s;
      for (const auto& c : p.choices) s += (s.empty() ? "" : ", ") + c;
      return s;
    }
    default: {
      std::ostringstream os;
      os.precision(10);
      os << "[" << p.min << ", " << p.max << "]";
      if (p.type == ParamType::NumberArray) os << " x " << p.length;
      return os.str();
    }
  }
}

}  // namespace

void write_parameter_reference(const Config& paper, std::ostream& out) {
  std::string section;
  for (const auto& p : paper.schema().params()) {
    const std::string sec = p.key.substr(0, p.key.find('.'));
    if (sec != section) {
      out << "\n### `" << sec << "`\n\n"
          << "| parameter | paper preset | unit | valid range | source | meaning |\n"
          << "|---|---|---|---|---|---|\n";
      section = sec;
    }
    out << "| `" << p.key << "` | " << cell(format_value(paper.value(p.key))) << " | "
        << cell(p.unit) << " | " << cell(range_text(p)) << " | " << p.source << " | " << cell(p.doc)
        << " |\n";
  }
}

int cmd_config(const Args& args, std::ostream& out) {
  const std::string usage =
      "usage: gcattn config show [NAME|FILE | --config NAME|FILE] [--set key=value ...] [--json]\n"
      "       gcattn config validate FILE\n"
      "       gcattn config list\n"
      "       gcattn config doc      (Markdown reference of every parameter: "
      "docs/configuration.md)";
  po::options_description desc("config options");
  desc.add_options()("help,h", "show this help")("action", po::value<std::string>(),
                                                 "show | validate | list")(
      "file", po::value<std::string>(), "configuration file (validate)")(
      "json", "print the resolved configuration as JSON (show)");
  add_config_options(desc);
  po::positional_options_description pos;
  pos.add("action", 1).add("file", 1);
  po::variables_map vm;
  if (!parse_options(args, desc, vm, out, usage, &pos)) return kExitOk;
  if (!vm.count("action")) throw UsageError("missing action\n" + usage);
  const std::string action = vm["action"].as<std::string>();

  if (action == "list") {
    for (const auto& n : Config::preset_names()) out << n << "\n";
    return kExitOk;
  }
  if (action == "doc") {
    write_parameter_reference(Config::paper(), out);
    return kExitOk;
  }
  if (action == "validate") {
    if (!vm.count("file")) throw UsageError("validate needs a FILE\n" + usage);
    const std::string file = vm["file"].as<std::string>();
    const Config cfg = Config::load(file);
    HardwareParams::from(cfg);  // cross-parameter checks
    out << file << ": valid (" << cfg.schema().params().size() << " parameters)\n";
    return kExitOk;
  }
  if (action != "show") throw UsageError("unknown action '" + action + "'\n" + usage);

  // `config show ideal`: the positional name is the configuration (given twice, they must agree).
  Config cfg = resolve_config(vm);
  if (vm.count("file")) {
    const std::string name = vm["file"].as<std::string>();
    if (!vm["config"].defaulted() && vm["config"].as<std::string>() != name)
      throw UsageError("config show: '" + name + "' and --config " +
                       vm["config"].as<std::string>() + " name two configurations; give one");
    cfg = Config::load(name);
    if (vm.count("set")) {
      for (const auto& a : vm["set"].as<std::vector<std::string>>()) cfg.set(a);
    }
  }
  HardwareParams::from(cfg);
  if (vm.count("json")) {
    out << cfg.to_json();
    return kExitOk;
  }
  out << "# configuration: " << cfg.name() << "\n";
  std::string section;
  for (const auto& p : cfg.schema().params()) {
    const std::string sec = p.key.substr(0, p.key.find('.'));
    if (sec != section) {
      out << "[" << sec << "]\n";
      section = sec;
    }
    out << "  " << std::left << std::setw(28) << p.key.substr(sec.size() + 1) << " = "
        << std::setw(16) << format_value(cfg.value(p.key)) << " " << std::setw(8) << p.unit << " ("
        << p.source;
    if (cfg.origin_of(p.key) != "preset 'paper'") out << "; set by " << cfg.origin_of(p.key);
    out << ")\n";
  }
  return kExitOk;
}

}  // namespace gcattn::cli
