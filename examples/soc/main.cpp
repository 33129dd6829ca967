// gcattn_soc: the example SoC virtual platform (platform.h). The testbench loads a KV-cache
// trace into system memory; the CPU runs the C driver (driver.c), which programs the
// accelerator's DMA descriptors per token and issues one DMA_STEP per layer, sleeping on the
// interrupt; the accelerator fetches K/V/Q and writes OUT itself. At the end the platform prints
// the accelerator's timing and energy the way `gcattn run` does (same definitions: the
// accelerator's own latency per layer step and energy per token and head), plus what the
// platform saw (DMA traffic, MMIO accesses, interrupts, token period).
//
//   build/release/bin/gcattn_soc --trace traces/shakespeare-gpt2-mini.safetensors --tokens 64
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <boost/json.hpp>
#include <systemc>
#include <tlm>

#include "base/errors.h"
#include "base/version.h"
#include "calibrate/calibrate.h"
#include "cli/options.h"
#include "driver.h"
#include "gcattn/config/hardware_params.h"
#include "gcattn/power/energy_model.h"
#include "gcattn/timing/phase_schedule.h"
#include "io/atomic_file.h"
#include "io/npy.h"
#include "io/output_paths.h"
#include "platform.h"
#include "player/hardware_report.h"
#include "player/host_settings.h"
#include "player/run_session.h"
#include "player/simulation.h"
#include "report/report.h"
#include "scalers/scalers.h"
#include "trace/trace_file.h"

namespace {

// SystemC prints its copyright banner when the kernel starts unless this variable is set; the
// platform, like gcattn, does not (this runs before sc_main; a value the user set is kept).
const int kNoBanner = ::setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);

namespace json = boost::json;
namespace po = boost::program_options;
using gcattn::Config;
using gcattn::ConfigError;
using gcattn::InputError;
using gcattn::SimulationError;
using gcattn::UsageError;

constexpr const char* kUsage =
    "usage: gcattn_soc [--trace FILE] [--tokens N] [--config P] [--set key=value ...]\n"
    "                  [--scalers FILE] [--dmi on|off] [--report-json F] [--outputs F] [--vcd F]\n"
    "An example SoC virtual platform: a CPU running a C driver (examples/soc/driver.c, written\n"
    "against gcattn_regs.h), a router, a system memory and the gcattn accelerator with its DMA\n"
    "initiator and interrupt. The trace is loaded into memory; every layer step is one DMA\n"
    "command. Prints the accelerator's timing and energy as `gcattn run` does, and the\n"
    "platform's own numbers (docs/integration.md).";

struct Options {
  std::string trace = "traces/shakespeare-gpt2-mini.safetensors";
  std::size_t tokens = 0;
  std::string scalers;
  std::string calibrate_method = "range";
  std::size_t calibrate_tokens = 0;
  double host_gap_ns = -1.0;  // < 0: player.host_gap_ns
  double quantum_ns = 1000.0;
  bool dmi = true;
  soc::PlatformOptions platform;
  std::string report_json, outputs, vcd;
  std::vector<std::string> command_line;
};

double positive(double v, const char* option, bool zero_ok = false) {
  if (!std::isfinite(v) || v < 0.0 || (!zero_ok && v == 0.0)) {
    throw UsageError(std::string("--") + option + " = " + std::to_string(v) + " must be " +
                     (zero_ok ? "non-negative" : "positive"));
  }
  return v;
}

std::string hex(std::uint64_t v) {
  std::ostringstream os;
  os << "0x" << std::hex << v;
  return os.str();
}

int run(const std::vector<std::string>& args) {
  const auto wall_start = std::chrono::steady_clock::now();
  Options o;
  o.command_line = args;
  po::options_description desc("gcattn_soc options");
  double mem_latency = 10.0, mem_bw = 32.0, mem_dmi = 18.0, bus = 1.0;
  desc.add_options()("help,h", "show this help")(
      "trace", po::value<std::string>(&o.trace)->default_value(o.trace),
      "KV-cache trace (.safetensors) loaded into system memory")(
      "tokens", po::value<std::size_t>(&o.tokens)->default_value(0),
      "run the first N tokens (0: all)")(
      "scalers", po::value<std::string>(&o.scalers),
      "per-head scalers from `gcattn calibrate` (default: calibrate here, like `gcattn run`)")(
      "calibrate-method", po::value<std::string>(&o.calibrate_method)->default_value("range"),
      "range | paper, when no --scalers")(
      "calibrate-tokens", po::value<std::size_t>(&o.calibrate_tokens)->default_value(0),
      "calibration prefix, when no --scalers (0: the tokens replayed, as gcattn run)")(
      "host-gap", po::value<double>(&o.host_gap_ns),
      "ns the CPU computes between layer steps (default player.host_gap_ns)")(
      "quantum", po::value<double>(&o.quantum_ns)->default_value(1000.0),
      "LT global quantum in ns (CPU and DMA engine temporal decoupling)")(
      "dmi", po::value<bool>(&o.dmi)->default_value(true, "on"),
      "on | off: the memory grants DMI (the DMA engine then copies through the pointer)")(
      "mem-latency-ns", po::value<double>(&mem_latency)->default_value(10.0),
      "memory: fixed latency per access (assumed)")(
      "mem-bytes-per-ns", po::value<double>(&mem_bw)->default_value(32.0),
      "memory: bandwidth term, bytes per ns (assumed)")(
      "mem-dmi-latency-ns", po::value<double>(&mem_dmi)->default_value(18.0),
      "memory: latency per DMI access (assumed; 18 = a 256-byte burst's b_transport)")(
      "bus-latency-ns", po::value<double>(&bus)->default_value(1.0),
      "router: latency per access and per DMI access (assumed)")(
      "report-json", po::value<std::string>(&o.report_json), "write the JSON report here")(
      "outputs", po::value<std::string>(&o.outputs),
      "write the OUT tensor from system memory as .npy [tokens, layers, heads, d_head]")(
      "vcd", po::value<std::string>(&o.vcd),
      "write VCD waveforms (SystemC appends .vcd); view with examples/soc/soc.gtkw");
  gcattn::cli::add_config_options(desc);
  po::variables_map vm;
  if (!gcattn::cli::parse_options(args, desc, vm, std::cout, kUsage)) return 0;
  o.quantum_ns = positive(o.quantum_ns, "quantum");
  o.platform.memory.latency =
      sc_core::sc_time(positive(mem_latency, "mem-latency-ns", true), sc_core::SC_NS);
  o.platform.memory.bytes_per_ns = positive(mem_bw, "mem-bytes-per-ns");
  o.platform.memory.dmi_latency =
      sc_core::sc_time(positive(mem_dmi, "mem-dmi-latency-ns", true), sc_core::SC_NS);
  o.platform.memory.allow_dmi = o.dmi;
  o.platform.bus_hop = sc_core::sc_time(positive(bus, "bus-latency-ns", true), sc_core::SC_NS);
  Config cfg = gcattn::cli::resolve_config(vm);

  // Every output is checked before the simulation (docs/reliability.md).
  gcattn::io::PathCheck paths;
  paths.input("--trace", o.trace).input("--config", vm["config"].as<std::string>());
  if (!o.scalers.empty()) paths.input("--scalers", o.scalers);
  if (!o.report_json.empty()) paths.output("--report-json", o.report_json);
  if (!o.outputs.empty()) paths.output("--outputs", o.outputs);
  if (!o.vcd.empty()) paths.output("--vcd", gcattn::sc::vcd_file_path(o.vcd));
  paths.check();

  // --- The trace and the accelerator geometry (as `gcattn run` sets it) ---
  std::ifstream probe(o.trace);
  if (!probe.good()) {
    throw InputError(o.trace +
                     ": no such trace; make one with `gcattn trace gpt2 ...` or "
                     "`gcattn trace synth --shape gpt2 --tokens 64 -o " +
                     o.trace + "`, or pass --trace");
  }
  const gcattn::trace::TraceReader tr(o.trace);
  const int L = tr.layers(), H = tr.heads(), D = tr.d_head();
  // The geometry follows the trace; an explicit, different setting is a mistake.
  for (const auto& [key, n] :
       {std::pair<const char*, int>{"model.layers", L}, {"model.heads", H}}) {
    bool preset = false;
    for (const auto& p : Config::preset_names())
      preset = preset || cfg.origin_of(key) == "preset '" + p + "'";
    if (!preset && cfg.integer(key) != n) {
      throw ConfigError(std::string(key) + " = " + std::to_string(cfg.integer(key)) + " (from " +
                        cfg.origin_of(key) + ") but the trace " + tr.path() + " has " +
                        std::to_string(n) + "; drop the setting or use a matching trace");
    }
    cfg.set(key, std::to_string(n), "trace " + tr.path());
  }
  if (vm.count("host-gap")) gcattn::player::set_host_gap(cfg, o.host_gap_ns, "--host-gap");
  const double gap_ns = gcattn::player::HostSettings::from(cfg).gap_ns;
  const gcattn::HardwareParams hw = gcattn::HardwareParams::from(cfg);
  if (D != hw.rows) {
    throw InputError(tr.path() + ": d_head = " + std::to_string(D) +
                     " but the arrays have array.rows = " + std::to_string(hw.rows) +
                     "; use a trace with d_head " + std::to_string(hw.rows));
  }
  if (tr.tokens() == 0) throw InputError(tr.path() + ": the trace holds no tokens");
  const std::size_t T = o.tokens ? o.tokens : tr.tokens();
  if (T > tr.tokens()) {
    throw InputError("--tokens " + std::to_string(T) + " but " + tr.path() + " holds " +
                     std::to_string(tr.tokens()) + " tokens");
  }

  gcattn::player::check_time_range(cfg, T * static_cast<std::size_t>(L), gap_ns);

  // --- Scalers: from a file, or calibrated like `gcattn run` does ---
  gcattn::ScalerTable scalers;
  json::object scaler_info;
  if (!o.scalers.empty()) {
    scalers = gcattn::read_scalers(o.scalers);
    if (scalers.layers != L || scalers.heads != H) {
      throw InputError(o.scalers + ": scalers for " + std::to_string(scalers.layers) + " x " +
                       std::to_string(scalers.heads) + " heads, the trace has " +
                       std::to_string(L) + " x " + std::to_string(H));
    }
    scaler_info = {{"source", "file"}, {"path", o.scalers}};
  } else {
    gcattn::calibrate::Options co;
    co.method = gcattn::calibrate::parse_method(o.calibrate_method, "--calibrate-method");
    co.tokens = o.calibrate_tokens == 0 || o.calibrate_tokens > T ? T : o.calibrate_tokens;
    co.token_period_ns = gcattn::player::estimated_token_period_ns(cfg, L, gap_ns);
    const auto cr = gcattn::calibrate::calibrate(tr, hw, co);
    scalers = cr.scalers;
    scaler_info = {{"source", "calibrated"},
                   {"method", gcattn::calibrate::method_name(co.method)},
                   {"calibration_tokens", cr.tokens}};
  }
  const gcattn::ScalerTable hw_scalers = scalers.rounded_to_float();
  std::vector<float> scaler_words(static_cast<std::size_t>(L) * H * GCATTN_SCALER_WORDS);
  for (int l = 0; l < L; ++l) {
    for (int h = 0; h < H; ++h) {
      const gcattn::HeadScalers& s = hw_scalers.at(l, h);
      float* w = &scaler_words[(static_cast<std::size_t>(l) * H + h) * GCATTN_SCALER_WORDS];
      w[GCATTN_SCALER_Q_GAIN] = static_cast<float>(s.q.gain);
      w[GCATTN_SCALER_Q_OFFSET] = static_cast<float>(s.q.offset);
      w[GCATTN_SCALER_K_GAIN] = static_cast<float>(s.k.gain);
      w[GCATTN_SCALER_K_OFFSET] = static_cast<float>(s.k.offset);
      w[GCATTN_SCALER_V_GAIN] = static_cast<float>(s.v.gain);
      w[GCATTN_SCALER_V_OFFSET] = static_cast<float>(s.v.offset);
      w[GCATTN_SCALER_OUT_GAIN] = static_cast<float>(s.out.gain);
      w[GCATTN_SCALER_OUT_OFFSET] = static_cast<float>(s.out.offset);
    }
  }

  // --- System memory layout: K, V, Q, OUT tensors [token][layer][head][dim] float32 ---
  const std::uint64_t row = static_cast<std::uint64_t>(D) * sizeof(float);
  const std::uint64_t token_bytes = row * static_cast<std::uint64_t>(L) * H;
  const std::uint64_t tensor_bytes = token_bytes * T;
  o.platform.memory_bytes = 4 * tensor_bytes;
  gcattn_tensors tensors{};
  tensors.k = soc::kMemBase;
  tensors.v = soc::kMemBase + tensor_bytes;
  tensors.q = soc::kMemBase + 2 * tensor_bytes;
  tensors.out = soc::kMemBase + 3 * tensor_bytes;
  tensors.token_stride = token_bytes;
  tensors.layer_stride = static_cast<std::uint32_t>(row * H);
  tensors.head_stride = static_cast<std::uint32_t>(row);

  // --- Elaboration ---
  tlm::tlm_global_quantum::instance().set(sc_core::sc_time(o.quantum_ns, sc_core::SC_NS));
  soc::Platform plat("soc", cfg, o.platform);
  plat.cpu.set_work_time(sc_core::sc_time(gap_ns, sc_core::SC_NS));
  std::string vcd_path;
  if (!o.vcd.empty()) {
    gcattn::sc::VcdOptions vo;
    vo.file = o.vcd;
    try {
      plat.accel.enable_vcd(vo);
    } catch (const std::invalid_argument& e) {
      throw UsageError(std::string("--vcd: ") + e.what());
    }
    vcd_path = plat.accel.vcd()->path();
    sc_core::sc_trace_file* tf = plat.accel.vcd()->trace_file();
    sc_core::sc_trace(tf, plat.cpu.waiting, "soc.cpu_waiting_irq");
    sc_core::sc_trace(tf, plat.cpu.token, "soc.cpu_token");
    sc_core::sc_trace(tf, plat.cpu.layer, "soc.cpu_layer");
  }
  // The loader: the trace's tensors into system memory (backdoor, before the CPU starts).
  std::vector<float> buf(static_cast<std::size_t>(L) * H * D);
  const gcattn::trace::Field fields[3] = {gcattn::trace::Field::K, gcattn::trace::Field::V,
                                          gcattn::trace::Field::Q};
  for (int f = 0; f < 3; ++f) {
    for (std::size_t t = 0; t < T; ++t) {
      tr.read_token(fields[f], t, buf.data());
      std::memcpy(plat.mem.data(f * tensor_bytes + t * token_bytes), buf.data(), token_bytes);
    }
  }

  // The CPU's program: the C driver.
  gcattn_error err{};
  int rc = GCATTN_DRV_OK;
  std::size_t tokens_done = 0;
  plat.cpu.set_program([&](soc::Cpu&) {
    gcattn_dev dev{};
    rc = gcattn_probe(&dev, soc::kAccelBase);
    if (rc == GCATTN_DRV_OK &&
        (dev.layers != static_cast<std::uint32_t>(L) ||
         dev.heads != static_cast<std::uint32_t>(H) || dev.dim != static_cast<std::uint32_t>(D))) {
      throw SimulationError("the accelerator reports " + std::to_string(dev.layers) + " x " +
                            std::to_string(dev.heads) + " x " + std::to_string(dev.dim) +
                            ", the trace has " + std::to_string(L) + " x " + std::to_string(H) +
                            " x " + std::to_string(D));
    }
    if (rc == GCATTN_DRV_OK) rc = gcattn_load_scalers(&dev, scaler_words.data());
    if (rc == GCATTN_DRV_OK) rc = gcattn_dma_setup(&dev, &tensors);
    for (std::size_t t = 0; t < T && rc == GCATTN_DRV_OK; ++t) {
      rc = gcattn_dma_token(&dev, &tensors, static_cast<std::uint32_t>(t), &err);
      if (rc == GCATTN_DRV_OK) tokens_done = t + 1;
    }
  });
  gcattn::player::run_simulation();
  if (plat.cpu.error) std::rethrow_exception(plat.cpu.error);
  if (rc != GCATTN_DRV_OK) {
    std::ostringstream os;
    os << "the driver failed with " << rc;
    if (rc == GCATTN_DRV_EDEVICE) {
      os << " at token " << err.token << ", layer " << err.layer << ": ERROR_CODE "
         << err.error_code << " ("
         << gcattn::sc::regmap::error_name(
                static_cast<gcattn::sc::regmap::ErrorCode>(err.error_code))
         << "), ERROR_ADDR " << hex(err.error_addr) << ", DMA_STATUS " << err.dma_status
         << ", DMA_ERROR_ADDR " << hex(err.dma_error_addr) << ", DMA_ERROR_RESP "
         << err.dma_error_resp;
    } else if (rc == GCATTN_DRV_EBUS) {
      os << ": bus error at " << hex(plat.cpu.fault_address());
    } else if (rc == GCATTN_DRV_ENODEV) {
      os << ": no gcattn accelerator at " << hex(soc::kAccelBase);
    }
    throw SimulationError(os.str());
  }

  // --- Report: `gcattn run`'s sections from the same builder, plus the platform's ---
  const gcattn::sc::AcceleratorStatistics& st = plat.accel.statistics();
  const double steps = static_cast<double>(st.steps());
  const double end_ns = sc_core::sc_time_stamp().to_seconds() * 1e9;
  const gcattn::sc::DmaStatistics& dma = st.dma();
  gcattn::player::PlayerStats ps;
  ps.tokens_done = tokens_done;
  ps.layer_steps = st.steps();
  ps.transfer_ns = plat.cpu.mmio_ns;
  ps.wait_ns = plat.cpu.wait_ns;
  ps.gap_ns = plat.cpu.work_ns;
  ps.end_ns = end_ns;
  gcattn::report::Report rep;
  rep.tool = std::string("gcattn_soc ") + gcattn::version();
  rep.command_line = o.command_line;
  rep.mode = "lt";
  rep.completion = "irq";
  rep.dmi = o.dmi;
  rep.tokens_requested = T;
  rep.tokens_simulated = tokens_done;
  rep.layers = L;
  rep.heads = H;
  rep.d_head = D;
  rep.window = hw.window_tokens;
  gcattn::player::fill_hardware_sections(
      rep, {cfg, hw, st, ps, L, H, D, gap_ns, hw_scalers, nullptr, {}, T});
  rep.scalers = scaler_info;
  rep.config = json::parse(cfg.to_json(false));
  rep.trace = {{"path", tr.path()},
               {"model", tr.meta().model},
               {"tokens", tr.tokens()},
               {"synthetic", tr.meta().synthetic}};
  const double wall_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  rep.wall_time_s = wall_s;
  json::object report = gcattn::report::to_json(rep);
  report["format"] = "gcattn-soc-report";
  report["run"].as_object()["data_path"] = "dma";
  json::object& timing = report["timing"].as_object();
  timing["dma_busy_ns"] = dma.busy_ns;
  timing["dma_per_step_ns"] = steps > 0 ? dma.busy_ns / steps : 0.0;
  report["dma"] = {{"commands", dma.commands},     {"transfers", dma.transfers},
                   {"bytes_read", dma.bytes_read}, {"bytes_written", dma.bytes_written},
                   {"bursts", dma.bursts},         {"dmi_bursts", dma.dmi_bursts},
                   {"errors", dma.errors},         {"busy_ns", dma.busy_ns}};
  json::array map;
  for (const auto& r : plat.bus.address_map()) {
    map.push_back({{"name", r.name}, {"base", hex(r.base)}, {"size", r.size}});
  }
  report["platform"] = {{"address_map", map},
                        {"memory_latency_ns", o.platform.memory.latency.to_seconds() * 1e9},
                        {"memory_bytes_per_ns", o.platform.memory.bytes_per_ns},
                        {"memory_dmi_latency_ns", o.platform.memory.dmi_latency.to_seconds() * 1e9},
                        {"memory_dmi", o.dmi},
                        {"bus_latency_ns", o.platform.bus_hop.to_seconds() * 1e9},
                        {"quantum_ns", o.quantum_ns},
                        {"cpu_mmio_accesses", plat.cpu.mmio_accesses},
                        {"cpu_mmio_ns", plat.cpu.mmio_ns},
                        {"cpu_wait_ns", plat.cpu.wait_ns},
                        {"cpu_interrupts", plat.cpu.interrupts},
                        {"memory_reads", plat.mem.reads},
                        {"memory_writes", plat.mem.writes},
                        {"memory_dmi_grants", plat.mem.dmi_grants}};

  // --- Summary (the timing and energy lines read like `gcattn run`'s) ---
  std::ostream& out = std::cout;
  out << std::setprecision(4);
  out << "soc run complete: " << tokens_done << " of " << T << " tokens, " << L << " layers x " << H
      << " heads x d " << D << ", window " << hw.window_tokens << ", LT, DMA (memory DMI "
      << (o.dmi ? "on" : "off") << "), wall " << wall_s << " s\n";
  const gcattn::report::Timing& tm = rep.timing;
  const gcattn::report::Energy& en = rep.energy;
  out << "timing (simulated " << end_ns / 1e3 << " us, " << st.steps() << " layer steps)\n";
  out << "  accelerator   " << tm.latency_per_token_layer_ns << " ns per token and layer, "
      << tm.latency_per_token_ns << " ns per token (" << L << " layers)\n";
  out << "  phases       ";
  for (const auto& p : tm.phases) out << " " << p.name << " " << p.per_step_ns;
  out << " (ns per step)\n";
  out << "  platform      DMA " << (steps > 0 ? dma.busy_ns / steps : 0.0)
      << " ns per layer step (fetch + write-back), CPU work " << gap_ns
      << " ns per layer step; token period " << tm.token_period_ns << " ns\n";
  out << "energy\n";
  if (steps > 0) {
    const gcattn::report::EnergySplit& e = en.per_token_head_pj;
    out << "  per token and head  " << e.total / 1e3 << " nJ (dac " << e.dac << ", qk " << e.qk
        << ", av " << e.av << ", digital " << e.digital << " pJ)\n";
    out << "  per token           " << en.per_token_pj / 1e3 << " nJ ("
        << en.per_token_layer_pj / 1e3 << " nJ per layer); run total " << en.total_pj / 1e3
        << " nJ\n";
  }
  out << "platform\n  address map  ";
  for (const auto& r : plat.bus.address_map()) {
    out << " " << r.name << " " << hex(r.base) << "-" << hex(r.base + r.size - 1);
  }
  out << "\n  DMA           " << dma.commands << " commands, " << dma.bytes_read << " bytes read, "
      << dma.bytes_written << " bytes written, " << dma.bursts << " bursts (" << dma.dmi_bursts
      << " through DMI)\n";
  out << "  CPU           " << plat.cpu.mmio_accesses << " MMIO accesses ("
      << (steps > 0 ? static_cast<double>(plat.cpu.mmio_accesses) / steps : 0.0)
      << " per layer step, " << plat.cpu.mmio_ns << " ns), " << plat.cpu.interrupts
      << " interrupts (" << plat.cpu.wait_ns << " ns waiting)\n";

  if (!o.report_json.empty()) {
    gcattn::io::write_file_atomic(o.report_json, json::serialize(report) + "\n");
    out << "report: " << o.report_json << "\n";
  }
  if (!o.outputs.empty()) {
    std::vector<float> outs(tokens_done * static_cast<std::size_t>(L) * H * D);
    std::memcpy(outs.data(), plat.mem.data(3 * tensor_bytes), outs.size() * sizeof(float));
    gcattn::io::write_npy_f32(o.outputs,
                              {tokens_done, static_cast<std::size_t>(L),
                               static_cast<std::size_t>(H), static_cast<std::size_t>(D)},
                              outs);
    out << "outputs: " << o.outputs << "\n";
  }
  if (!vcd_path.empty())
    out << "waveforms: " << vcd_path << " (gtkwave " << vcd_path << " examples/soc/soc.gtkw)\n";
  return 0;
}

}  // namespace

int sc_main(int argc, char* argv[]) {
  (void)kNoBanner;
  using namespace gcattn;
  const std::vector<std::string> args(argv + 1, argv + argc);
  try {
    return run(args);
  } catch (const UsageError& e) {
    std::cerr << "gcattn_soc: usage error: " << e.what() << "\n";
    return kExitUsage;
  } catch (const ConfigError& e) {
    std::cerr << "gcattn_soc: configuration error: " << e.what() << "\n";
    return kExitConfig;
  } catch (const InputError& e) {
    std::cerr << "gcattn_soc: input error: " << e.what() << "\n";
    return kExitInput;
  } catch (const SimulationError& e) {
    std::cerr << "gcattn_soc: simulation error: " << e.what() << "\n";
    return kExitSimulation;
  } catch (const std::exception& e) {
    std::cerr << "gcattn_soc: internal error: " << e.what() << "\n";
    return kExitInternal;
  }
}
