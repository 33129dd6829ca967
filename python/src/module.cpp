// The `gcattn` Python module (pybind11): run(), tile(), read_trace(), config(). Thin bindings
// over the testbench library: the same configuration loader, trace reader, tile runner and run
// session as the command-line program, so results and error messages are the CLI's.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <systemc>

#include "base/errors.h"
#include "base/version.h"
#include "child_process.h"
#include "cli/options.h"
#include "gcattn/config/config.h"
#include "player/run_session.h"
#include "report/json_text.h"
#include "report/report.h"
#include "tile/tile_runner.h"
#include "trace/trace_file.h"

namespace py = pybind11;

namespace gcattn::python {
namespace {

// A path that does not exist: raised as FileNotFoundError (errno ENOENT, the path attached).
struct MissingFile {
  std::string path, what;
};

void require_file(const std::string& path, const char* what) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw MissingFile{path, what};
}

py::object json_loads(const std::string& text) {
  return py::module_::import("json").attr("loads")(text);
}

// Text of a Python value for `--set key=value`: bools as true/false, numbers in their
// round-trip repr, sequences as JSON arrays, strings as they are.
std::string set_text(const py::handle& v) {
  if (py::isinstance<py::bool_>(v)) return v.cast<bool>() ? "true" : "false";
  if (py::isinstance<py::str>(v)) return v.cast<std::string>();
  if (py::isinstance<py::int_>(v) || py::isinstance<py::float_>(v))
    return py::repr(v).cast<std::string>();
  if (py::isinstance<py::sequence>(v))
    return py::module_::import("json").attr("dumps")(v).cast<std::string>();
  throw gcattn::UsageError("set: value " + py::repr(v).cast<std::string>() +
                           " is not a bool, number, string or sequence");
}

// config name or file, then `set` ({key: value} or ["key=value", ...]) in order, as --set does.
std::pair<Config, std::vector<std::string>> resolve(const std::string& name,
                                                    const py::object& set) {
  if (name.find('/') != std::string::npos ||
      (name.size() > 5 && name.substr(name.size() - 5) == ".json"))
    require_file(name, "configuration file");
  Config cfg = Config::load(name);
  std::vector<std::string> assignments;
  if (set.is_none()) return {cfg, assignments};
  if (py::isinstance<py::dict>(set)) {
    for (const auto& [k, v] : set.cast<py::dict>())
      assignments.push_back(py::str(k).cast<std::string>() + "=" + set_text(v));
  } else if (py::isinstance<py::str>(set)) {
    assignments.push_back(set.cast<std::string>());
  } else {
    for (const auto& a : set) assignments.push_back(py::str(a).cast<std::string>());
  }
  for (const auto& a : assignments) cfg.set(a);
  return {cfg, assignments};
}

[[noreturn]] void rethrow_child_error(const ChildResult& r) {
  if (r.error_kind == "usage") throw gcattn::UsageError(r.payload);
  if (r.error_kind == "config") throw ConfigError(r.payload);
  if (r.error_kind == "input") throw gcattn::InputError(r.payload);
  if (r.error_kind == "simulation") throw gcattn::SimulationError(r.payload);
  throw std::runtime_error(r.payload);
}

py::dict run(const std::string& trace, const std::string& config, const py::object& set,
             const std::optional<std::string>& scalers, std::size_t tokens, const std::string& mode,
             bool functional, bool accuracy, std::optional<double> host_gap_ns,
             const std::vector<std::string>& gpus, int threads) {
  auto resolved = resolve(config, set);
  Config& cfg = resolved.first;
  const std::vector<std::string>& assignments = resolved.second;
  cfg.set("model.functional", functional ? "true" : "false", "gcattn.run(functional=...)");
  require_file(trace, "trace");
  if (scalers) require_file(*scalers, "scalers file");
  if (mode != "lt" && mode != "at")
    throw gcattn::UsageError("mode must be 'lt' or 'at', got '" + mode + "'");
  if (threads < 0 || threads > cli::kMaxThreads)
    throw gcattn::UsageError("threads must lie in 0 (one per core) .. " +
                             std::to_string(cli::kMaxThreads) + ", got " + std::to_string(threads));

  player::RunOptions ro;
  ro.trace_path = trace;
  ro.tokens = tokens;
  ro.coding = mode == "lt" ? sc::Coding::LooselyTimed : sc::Coding::ApproximatelyTimed;
  if (host_gap_ns) player::set_host_gap(cfg, *host_gap_ns, "host_gap_ns");
  if (scalers) ro.scalers_path = *scalers;
  ro.accuracy = accuracy;
  ro.gpus = gpus;
  ro.threads = threads;
  // The report's command_line: the equivalent `gcattn run` invocation.
  ro.command_line = {"gcattn",       "run",
                     "--trace",      trace,
                     "--config",     config,
                     "--tokens",     std::to_string(tokens),
                     "--mode",       mode,
                     "--functional", functional ? "on" : "off",
                     "--accuracy",   accuracy ? "on" : "off"};
  for (const auto& a : assignments) ro.command_line.insert(ro.command_line.end(), {"--set", a});
  if (scalers) ro.command_line.insert(ro.command_line.end(), {"--scalers", *scalers});
  if (host_gap_ns)
    ro.command_line.insert(ro.command_line.end(),
                           {"--host-gap", py::repr(py::float_(*host_gap_ns)).cast<std::string>()});
  for (const auto& g : gpus) ro.command_line.insert(ro.command_line.end(), {"--gpu", g});

  ChildResult r;
  {
    py::gil_scoped_release release;
    r = run_in_child(
        [&cfg = cfg, ro]() mutable {
          ::setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 1);
          ro.stop = child_stop_flag();
          const player::RunResult res = player::run_trace(cfg, ro);
          return report::pretty_json(report::to_json(res.report));
        },
        [] {
          py::gil_scoped_acquire acquire;
          if (PyErr_CheckSignals() == 0) return false;
          PyErr_Clear();
          return true;
        });
  }
  if (r.interrupted) {
    PyErr_SetNone(PyExc_KeyboardInterrupt);
    throw py::error_already_set();
  }
  if (!r.ok) rethrow_child_error(r);
  return json_loads(r.payload).cast<py::dict>();
}

using InputArray = py::array_t<double, py::array::c_style | py::array::forcecast>;

std::vector<double> to_vector(const InputArray& a, std::vector<std::size_t>& shape) {
  shape.assign(a.shape(), a.shape() + a.ndim());
  return std::vector<double>(a.data(), a.data() + a.size());
}

py::array_t<float> to_array(const std::vector<float>& v, std::vector<std::size_t> shape) {
  py::array_t<float> a(shape);
  std::copy(v.begin(), v.end(), a.mutable_data());
  return a;
}

py::dict tile(const InputArray& q, const InputArray& k, const InputArray& v,
              const std::string& config, const py::object& set,
              std::optional<double> decay_per_token) {
  const Config cfg = resolve(config, set).first;
  const HardwareParams p = tile_params(cfg, decay_per_token, "gcattn.tile(decay_per_token=...)");
  std::vector<std::size_t> qs, ks, vs;
  const std::vector<double> qd = to_vector(q, qs), kd = to_vector(k, ks), vd = to_vector(v, vs);
  check_tile_input(p, TileInput::Q, "q", qs, qd);
  check_tile_input(p, TileInput::K, "k", ks, kd);
  check_tile_input(p, TileInput::V, "v", vs, vd);
  check_tile_tokens("q", qs[0], "k", ks[0], "v", vs[0]);
  TileResult r;
  {
    py::gil_scoped_release release;
    r = run_tile(p, qd, kd, vd, qs[0]);
  }
  py::dict d;
  d["S"] = to_array(r.s, {r.tokens, r.tokens});
  d["phi"] = to_array(r.phi, {r.tokens, r.tokens});
  d["out"] = to_array(r.out, {r.tokens, r.dim});
  return d;
}

py::dict read_trace(const std::string& path, bool check_finite) {
  require_file(path, "trace");
  const trace::TraceReader tr(path, trace::TraceReader::Options{check_finite});
  const trace::TraceMeta& m = tr.meta();
  const std::vector<std::size_t> shape{m.tokens, static_cast<std::size_t>(m.layers),
                                       static_cast<std::size_t>(m.heads),
                                       static_cast<std::size_t>(m.d_head)};
  auto field = [&](trace::Field f) {
    py::array_t<float> a(shape);
    float* out = a.mutable_data();
    for (std::size_t t = 0; t < m.tokens; ++t) tr.read_token(f, t, out + t * m.row());
    return a;
  };
  py::dict d;
  d["q"] = field(trace::Field::Q);
  d["k"] = field(trace::Field::K);
  d["v"] = field(trace::Field::V);
  if (tr.has_attn_out()) d["attn_out"] = field(trace::Field::AttnOut);
  const std::vector<std::int32_t> ids = tr.token_ids();
  py::array_t<std::int32_t> tok(ids.size());
  std::copy(ids.begin(), ids.end(), tok.mutable_data());
  d["tokens"] = tok;
  py::dict meta;
  meta["path"] = tr.path();
  meta["model"] = m.model;
  meta["source"] = m.source;
  meta["synthetic"] = m.synthetic;
  meta["tokens"] = m.tokens;
  meta["layers"] = m.layers;
  meta["heads"] = m.heads;
  meta["d_head"] = m.d_head;
  meta["context_length"] = m.context_length;
  meta["prompt_length"] = m.prompt_length;
  meta["vocab_size"] = m.vocab_size;
  meta["text"] = m.text;
  meta["prompt"] = m.prompt;
  meta["tool"] = m.tool;
  meta["tool_args"] = m.tool_args;
  py::dict extra;
  for (const auto& [k, v] : m.extra) extra[py::str(k)] = v;
  meta["extra"] = extra;
  d["meta"] = meta;
  return d;
}

py::dict config(const std::string& name_or_file, const py::object& set) {
  return json_loads(resolve(name_or_file, set).first.to_json(false)).cast<py::dict>();
}

py::object error_class(const char* name) {
  return py::module_::import("gcattn._errors").attr(name);
}

}  // namespace
}  // namespace gcattn::python

// libsystemc's main() calls sc_main, so the library needs the symbol; the module never runs it
// (run_trace starts the kernel itself, in a child process).
__attribute__((visibility("default"))) int sc_main(int, char*[]) {
  return 0;
}

PYBIND11_MODULE(_gcattn, m) {
  using namespace gcattn;
  using namespace gcattn::python;
  m.doc() = "gcattn: SystemC/TLM-2.0 model of a gain-cell analog in-memory attention accelerator";
  m.attr("__version__") = gcattn::version();

  py::register_exception_translator([](std::exception_ptr p) {
    auto raise = [](const char* cls, const std::string& msg) {
      PyErr_SetObject(error_class(cls).ptr(), py::str(msg).ptr());
    };
    try {
      if (p) std::rethrow_exception(p);
    } catch (const MissingFile& e) {
      const std::string msg = e.what + " not found";
      PyErr_SetObject(PyExc_FileNotFoundError, py::make_tuple(ENOENT, msg, e.path).ptr());
    } catch (const gcattn::UsageError& e) {
      raise("UsageError", e.what());
    } catch (const ConfigError& e) {
      raise("ConfigError", e.what());
    } catch (const gcattn::InputError& e) {
      raise("InputError", e.what());
    } catch (const gcattn::SimulationError& e) {
      raise("SimulationError", e.what());
    }
  });

  m.def("run", &run, py::arg("trace"), py::kw_only(), py::arg("config") = "paper",
        py::arg("set") = py::none(), py::arg("scalers") = py::none(), py::arg("tokens") = 0,
        py::arg("mode") = "lt", py::arg("functional") = true, py::arg("accuracy") = true,
        py::arg("host_gap_ns") = py::none(), py::arg("gpus") = std::vector<std::string>{},
        py::arg("threads") = 0,
        "Replays a KV-cache trace through the accelerator (a real SystemC kernel in a child "
        "process); returns the report of `gcattn run --report-json` as a dict.");
  m.def("tile", &tile, py::arg("q"), py::arg("k"), py::arg("v"), py::kw_only(),
        py::arg("config") = "paper", py::arg("set") = py::none(),
        py::arg("decay_per_token") = py::none(),
        "One sub-tile, causally (the golden interface of `gcattn tile`): q pulse fractions, k "
        "and v stored volts, each (T, rows); returns {'S', 'phi', 'out'} float32 arrays.");
  m.def("read_trace", &read_trace, py::arg("path"), py::kw_only(), py::arg("check_finite") = true,
        "Reads a KV-cache trace: {'q', 'k', 'v', ['attn_out'], 'tokens', 'meta'}; q/k/v are "
        "float32 [tokens, layers, heads, d_head].");
  m.def("config", &config, py::arg("name_or_file") = "paper", py::arg("set") = py::none(),
        "The resolved configuration (a preset name or JSON file, then `set` overrides) as a "
        "dict of sections.");
  m.def("presets", &Config::preset_names, "Names of the compiled-in presets.");
}
