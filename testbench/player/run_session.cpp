#include "player/run_session.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iomanip>
#include <memory>
#include <ostream>
#include <sstream>

#include <boost/json.hpp>
#include <tlm>

#include "base/errors.h"
#include "base/stop_signals.h"
#include "base/version.h"
#include "gcattn/config/hardware_params.h"
#include "gcattn/systemc/accelerator.h"
#include "gcattn/timing/phase_schedule.h"
#include "player/hardware_report.h"
#include "player/simulation.h"
#include "trace/trace_file.h"

namespace gcattn::player {
namespace json = boost::json;
using Clock = std::chrono::steady_clock;

namespace {

bool from_preset(const Config& cfg, const char* key) {
  const std::string& origin = cfg.origin_of(key);
  for (const auto& p : Config::preset_names()) {
    if (origin == "preset '" + p + "'") return true;
  }
  return false;
}

// Geometry follows the trace; an explicit, different setting is a mistake worth stopping for.
void set_geometry(Config& cfg, const trace::TraceReader& tr) {
  const std::pair<const char*, int> geo[] = {{"model.layers", tr.layers()},
                                             {"model.heads", tr.heads()}};
  for (const auto& [key, n] : geo) {
    if (!from_preset(cfg, key) && cfg.integer(key) != n) {
      throw ConfigError(std::string(key) + " = " + std::to_string(cfg.integer(key)) + " (from " +
                        cfg.origin_of(key) + ") but the trace " + tr.path() + " has " +
                        std::to_string(n) +
                        "; the accelerator's geometry follows the trace: drop the setting or use a "
                        "matching trace");
    }
    cfg.set(key, std::to_string(n), "trace " + tr.path());
  }
}

void check_trace(const trace::TraceReader& tr, const HardwareParams& hw, std::size_t tokens) {
  if (tr.d_head() != hw.rows) {
    throw InputError(tr.path() + ": d_head = " + std::to_string(tr.d_head()) +
                     " but the arrays have array.rows = " + std::to_string(hw.rows) +
                     " rows (one row per head dimension); use a trace with d_head " +
                     std::to_string(hw.rows) +
                     " or --set array.rows=" + std::to_string(tr.d_head()));
  }
  if (tr.tokens() == 0) throw InputError(tr.path() + ": the trace holds no tokens");
  if (tokens > tr.tokens()) {
    throw InputError("--tokens " + std::to_string(tokens) + " asks for more token positions than " +
                     tr.path() + " holds (" + std::to_string(tr.tokens()) + "); use --tokens " +
                     std::to_string(tr.tokens()) + " or less");
  }
  if (tokens > 0xFFFFFFFFull) {
    throw InputError(tr.path() + ": " + std::to_string(tokens) +
                     " tokens exceed the 32-bit POSITION register of the host interface");
  }
}

json::value trace_json(const trace::TraceReader& tr) {
  const trace::TraceMeta& m = tr.meta();
  json::array args;
  for (const auto& a : m.tool_args) args.emplace_back(a);
  json::object extra;
  for (const auto& [k, v] : m.extra) extra[k] = v;
  return json::object{{"path", tr.path()},
                      {"model", m.model},
                      {"source", m.source},
                      {"synthetic", m.synthetic},
                      {"tokens", m.tokens},
                      {"layers", m.layers},
                      {"heads", m.heads},
                      {"d_head", m.d_head},
                      {"context_length", m.context_length},
                      {"prompt_length", m.prompt_length},
                      {"vocab_size", m.vocab_size},
                      {"dtype", trace::dtype_name(tr.dtype(trace::Field::Q))},
                      {"has_attn_out", tr.has_attn_out()},
                      {"prompt", m.prompt},
                      {"text", m.text},
                      {"tool", m.tool},
                      {"tool_args", std::move(args)},
                      {"extra", std::move(extra)}};
}

// A one-line progress bar with ETA, redrawn at most every 0.2 s. The ETA weighs each token by
// its work: the stored tokens it attends to (the window fills up) plus a fixed per-token part.
class Progress {
 public:
  Progress(std::ostream& os, int window)
      : os_(os), window_(window), start_(Clock::now()), last_(start_) {}
  void operator()(std::size_t done, std::size_t total) {
    const auto now = Clock::now();
    if (done < total && now - last_ < std::chrono::milliseconds(200)) return;
    last_ = now;
    const double el = std::chrono::duration<double>(now - start_).count();
    const double frac = total ? static_cast<double>(done) / static_cast<double>(total) : 1.0;
    const double work = total ? this->work(done) / this->work(total) : 1.0;
    const int w = 30, fill = static_cast<int>(frac * w);
    os_ << "\r[" << std::string(static_cast<std::size_t>(fill), '#')
        << std::string(static_cast<std::size_t>(w - fill), '.') << "] " << std::setw(3)
        << static_cast<int>(frac * 100) << "% " << done << "/" << total << " tokens";
    if (done > 0 && done < total) {
      os_ << ", ETA " << std::fixed << std::setprecision(0) << el / work * (1.0 - work) << " s"
          << std::defaultfloat << "   ";
    } else {
      os_ << ", " << std::fixed << std::setprecision(1) << el << " s" << std::defaultfloat
          << "        ";
    }
    if (done == total) os_ << "\n";
    os_.flush();
  }
  void finish() { os_ << "\n"; }

 private:
  // Work of tokens 0 .. n-1: sum of min(t + 1, window) plus 64 per token.
  double work(std::size_t n) const {
    const double m = window_, ramp = std::min<double>(static_cast<double>(n), m);
    return ramp * (ramp + 1) / 2 + (static_cast<double>(n) - ramp) * m +
           64.0 * static_cast<double>(n);
  }
  std::ostream& os_;
  int window_;
  Clock::time_point start_, last_;
};

}  // namespace

double estimated_token_period_ns(const Config& cfg, int layers, double host_gap_ns) {
  return layers * (PhaseSchedule::from(cfg).total_ns() + host_gap_ns);
}

void check_time_range(const Config& cfg, std::size_t layer_steps, double host_gap_ns) {
  // Host transfers and polling add to the worst-case step and the gap; a factor 2 covers them
  // (a host-interface transfer is far shorter than a layer step).
  const double step_ns = PhaseSchedule::from(cfg).total_ns() + host_gap_ns;
  const double need_ns = 2.0 * static_cast<double>(layer_steps) * step_ns;
  const double max_ns = sc_core::sc_max_time().to_seconds() * 1e9;
  if (need_ns > max_ns) {
    std::ostringstream os;
    os << "player.host_gap_ns = " << host_gap_ns << " ns over " << layer_steps
       << " layer steps needs up to " << need_ns * 1e-9
       << " s of simulated time, more than the SystemC kernel represents (" << max_ns * 1e-9
       << " s at its resolution of " << sc_core::sc_get_time_resolution().to_string()
       << "); lower player.host_gap_ns (--host-gap) below "
       << std::max(0.0, max_ns / (2.0 * static_cast<double>(layer_steps)) -
                            PhaseSchedule::from(cfg).total_ns())
       << " ns or replay fewer tokens (--tokens)";
    throw ConfigError(os.str());
  }
}

RunResult run_trace(Config cfg, const RunOptions& opt) {
  const auto wall_start = Clock::now();
  // The values are checked for NaN/infinity as they are used (the calibration prefix up front,
  // the tokens after it by the player as it replays them) rather than by a scan of the whole file
  // at open: one pass over the trace instead of two, and a long trace starts replaying at once.
  const trace::TraceReader tr(opt.trace_path, trace::TraceReader::Options{false});
  set_geometry(cfg, tr);
  const HostSettings host = HostSettings::from(cfg);
  const double gap_ns = host.gap_ns;
  const HardwareParams hw = HardwareParams::from(cfg);
  const std::size_t tokens = opt.tokens ? opt.tokens : tr.tokens();
  check_trace(tr, hw, tokens);
  check_time_range(cfg, tokens * static_cast<std::size_t>(tr.layers()), gap_ns);
  const bool functional = cfg.boolean("model.functional");
  const int L = tr.layers(), H = tr.heads(), D = tr.d_head();

  report::Report rep;
  // One pool for the heads: calibration, the accelerator's layer steps, the accuracy references
  // (they never run at the same time). Results do not depend on its size.
  WorkerPool pool(opt.threads);
  // Scalers: from a file, or calibrated here on a prefix of the trace.
  ScalerTable scalers;
  std::vector<float> softmax_refs;  // the calibration's softmax reference, when it covers the run
  json::object sc_info;
  std::size_t checked_tokens = 0;  // checked for NaN/Inf up front (the calibration prefix)
  if (!opt.scalers_path.empty()) {
    scalers = read_scalers(opt.scalers_path);
    if (scalers.layers != L || scalers.heads != H) {
      throw InputError(opt.scalers_path + ": scalers for " + std::to_string(scalers.layers) +
                       " layers x " + std::to_string(scalers.heads) + " heads, but the trace " +
                       tr.path() + " has " + std::to_string(L) + " x " + std::to_string(H) +
                       "; calibrate on a trace of this shape");
    }
    sc_info = {{"source", "file"},
               {"path", opt.scalers_path},
               {"method", scalers.method},
               {"calibration_tokens", scalers.calibration_tokens},
               {"calibrated_on", scalers.trace}};
  } else {
    calibrate::Options co = opt.calibration;
    co.token_period_ns = estimated_token_period_ns(cfg, L, gap_ns);
    co.pool = &pool;
    co.stop = opt.stop;
    // The calibration computes the softmax reference of the accuracy report on its prefix: keep
    // it (one float per output) instead of computing it twice.
    co.keep_softmax = functional && opt.accuracy && opt.accuracy_refs.softmax;
    if (co.tokens == 0 || co.tokens > tokens) co.tokens = tokens;  // default: the tokens replayed
    tr.check_finite(0, co.tokens);
    checked_tokens = co.tokens;
    calibrate::Result cr = calibrate::calibrate(tr, hw, co);
    if (!cr.interrupted && cr.tokens == tokens) softmax_refs = std::move(cr.softmax);
    tr.release_tokens(0, co.tokens);  // the player reads them again, a token at a time
    // Interrupted: the player sees the stop request at its first step, so the report says
    // incomplete with nothing simulated; the partial scalers are never used.
    scalers = cr.interrupted ? ScalerTable(L, H, hw.default_scalers) : cr.scalers;
    if (cr.interrupted)
      rep.notes.push_back("interrupted during the calibration: nothing simulated");
    std::ostringstream note;
    note << "no --scalers given: calibrated the scalers here (method "
         << calibrate::method_name(co.method) << ", first " << cr.tokens << " tokens"
         << (cr.tokens == tokens ? ", the tokens replayed: accuracy is in-sample" : "")
         << "); save them with `gcattn calibrate --trace " << tr.path()
         << " -o scalers.json` and pass --scalers to reuse";
    rep.notes.push_back(note.str());
    sc_info = {{"source", "calibrated"},
               {"path", ""},
               {"method", calibrate::method_name(co.method)},
               {"calibration_tokens", cr.tokens},
               {"calibrated_on", tr.path()}};
  }
  if (hw.nonideal.any()) {
    rep.notes.push_back(
        "device variation or noise on (variation.*, noise.*; docs/nonidealities.md): the scalers "
        "are fitted on the nominal hardware, accuracy.nominal compares with it");
  }
  // The accelerator holds float32 scaler words; the references use exactly those.
  const ScalerTable hw_scalers = scalers.rounded_to_float();

  std::unique_ptr<AccuracyTracker> acc;
  if (functional && opt.accuracy)
    acc = std::make_unique<AccuracyTracker>(
        hw, hw_scalers, opt.accuracy_refs,
        compute_references(tr, hw, hw_scalers, tokens, opt.accuracy_refs, &pool,
                           std::move(softmax_refs), opt.stop),
        &pool);
  tr.release_tokens(0, tokens);  // the references have read every token
  if (!functional)
    rep.notes.push_back(
        "model.functional = false: outputs are not computed, accuracy is not measured");

  PlayerOptions po;
  po.coding = opt.coding;
  po.completion = host.completion;
  po.tokens = tokens;
  po.host_gap = sc_core::sc_time(gap_ns, sc_core::SC_NS);
  po.poll_interval = host.poll_interval;
  po.dmi = opt.dmi;
  po.keep_outputs = opt.keep_outputs;
  po.check_finite_from = checked_tokens;
  // Timing-only runs read the trace ahead on the core the pool leaves idle then (--threads 1:
  // everything on one thread). Functional runs do not: the pool's threads use every core, and a
  // reader waking between them delays a layer step's join by a scheduler time slice.
  po.read_ahead = !functional && pool.threads() > 1;

  // Elaboration: the accelerator, the player, the interrupt line, the socket binding.
  sc::Accelerator accel("accelerator", cfg);
  accel.set_worker_pool(&pool);
  sc_core::sc_signal<bool> irq("irq");
  TracePlayer player("player", tr, hw_scalers, po, acc.get(), opt.stop);
  accel.irq(irq);
  player.irq(irq);
  player.host.socket.bind(accel.socket());
  tlm::tlm_global_quantum::instance().set(opt.quantum);
  RunResult res;
  if (opt.vcd) {
    try {
      accel.enable_vcd(*opt.vcd);
    } catch (const std::invalid_argument& e) {
      throw UsageError(std::string("--vcd: ") + e.what());
    }
    res.vcd_path = accel.vcd()->path();
  }
  std::unique_ptr<timeline::TimelineRecorder> timeline;
  if (opt.timeline) {
    json::array cmdline;
    for (const auto& a : opt.command_line) cmdline.emplace_back(a);
    const json::object meta{{"tool", std::string("gcattn ") + version()},
                            {"command_line", std::move(cmdline)},
                            {"trace", tr.path()},
                            {"mode", opt.coding == sc::Coding::LooselyTimed ? "lt" : "at"},
                            {"layers", L},
                            {"heads", H},
                            {"host_gap_ns", gap_ns},
                            {"time_base",
                             "simulated time; ts and dur in microseconds, args start_ps and "
                             "dur_ps in picoseconds (docs/timeline.md)"}};
    try {
      timeline =
          std::make_unique<timeline::TimelineRecorder>(*opt.timeline, L, json::serialize(meta));
    } catch (const std::invalid_argument& e) {
      throw UsageError(std::string("--timeline: ") + e.what());
    }
    accel.set_timeline_observer(timeline.get());
    player.set_gap_callback(
        [&timeline](const sc_core::sc_time& start, const sc_core::sc_time& length, int layer,
                    std::int64_t position) { timeline->host_gap(start, length, layer, position); });
  }
  std::unique_ptr<Progress> bar;
  if (opt.progress) {
    bar = std::make_unique<Progress>(*opt.progress, hw.window_tokens);
    player.set_progress([&bar](std::size_t d, std::size_t t) { (*bar)(d, t); });
  }

  player::run_simulation();
  if (player.error()) std::rethrow_exception(player.error());
  if (timeline) {
    timeline->close();
    res.timeline_path = timeline->path();
    res.timeline_events = timeline->events();
  }
  const PlayerStats& ps = player.stats();
  if (bar && ps.stopped) bar->finish();

  // --- Report ---
  const sc::AcceleratorStatistics& st = accel.statistics();
  rep.complete = !ps.stopped;
  if (ps.stopped)
    rep.stop_reason = std::string("interrupted (") + signal_name(*opt.stop) + ") after " +
                      std::to_string(ps.layer_steps) + " layer steps";
  rep.tool = std::string("gcattn ") + version();
  rep.command_line = opt.command_line;
  rep.mode = opt.coding == sc::Coding::LooselyTimed ? "lt" : "at";
  rep.completion = host.completion_name();
  rep.functional = functional;
  rep.dmi = opt.dmi;
  rep.tokens_requested = tokens;
  rep.tokens_simulated = ps.tokens_done;
  rep.layers = L;
  rep.heads = H;
  rep.d_head = D;
  rep.window = hw.window_tokens;

  fill_hardware_sections(
      rep, {cfg, hw, st, ps, L, H, D, gap_ns, hw_scalers, acc.get(), opt.gpus, ps.tokens_done});

  rep.scalers = std::move(sc_info);
  rep.config = json::parse(cfg.to_json(false));
  rep.trace = trace_json(tr);
  if (const auto it = tr.meta().extra.find("attn_out"); it != tr.meta().extra.end())
    rep.attn_out_reference = it->second;
  rep.wall_time_s = std::chrono::duration<double>(Clock::now() - wall_start).count();
  res.report = std::move(rep);
  if (opt.keep_outputs) {
    res.outputs = player.outputs();
    res.outputs.resize(ps.tokens_done * static_cast<std::size_t>(L) * H * D);
    res.outputs_shape = {ps.tokens_done, static_cast<std::size_t>(L), static_cast<std::size_t>(H),
                         static_cast<std::size_t>(D)};
  }
  return res;
}

}  // namespace gcattn::player
