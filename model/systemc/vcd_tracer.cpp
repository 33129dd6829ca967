#include "gcattn/systemc/vcd_tracer.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>

namespace gcattn::sc {
namespace {

std::string range_error(const char* what, int value, int count, const char* key) {
  return std::string("VCD scope: ") + what + " = " + std::to_string(value) +
         " is out of range 0.." + std::to_string(count - 1) + " (" + key + ")";
}

}  // namespace

std::string vcd_file_path(const std::string& file) {
  const bool has_ext = file.size() > 4 && file.compare(file.size() - 4, 4, ".vcd") == 0;
  return has_ext ? file : file + ".vcd";
}

VcdTracer::VcdTracer(const sc_core::sc_module_name& name, const VcdOptions& opts,
                     const AcceleratorParams& params, sc_core::sc_vector<Layer>& layers,
                     const sc_core::sc_out<bool>& irq, const sc_core::sc_signal<int>* dma_state)
    : sc_core::sc_module(name),
      opts_(opts),
      layers_(layers),
      busy_("busy", static_cast<std::size_t>(params.layers)),
      strobe_("strobe", kPhaseCount),
      phase_("phase"),
      step_layer_("step_layer"),
      step_position_("step_position"),
      query_("query_pulse", params.hw.rows),
      phi_("phi_pulse", params.hw.cols),
      counter_("counter", static_cast<std::size_t>(params.hw.rows)) {
  if (opts.file.empty()) throw std::invalid_argument("VCD: no output file given");
  if (opts.layer < 0 || opts.layer >= params.layers) {
    throw std::invalid_argument(range_error("layer", opts.layer, params.layers, "model.layers"));
  }
  if (opts.head < 0 || opts.head >= params.heads) {
    throw std::invalid_argument(range_error("head", opts.head, params.heads, "model.heads"));
  }
  if (opts.subtile < 0 || opts.subtile >= params.hw.subtiles()) {
    throw std::invalid_argument(range_error("sub-tile", opts.subtile, params.hw.subtiles(),
                                            "array.window_tokens / array.cols"));
  }
  if (!(opts.start < opts.end)) {
    throw std::invalid_argument("VCD window: start " + opts.start.to_string() +
                                " must be before end " + opts.end.to_string());
  }
  path_ = vcd_file_path(opts.file);
  const std::string base = path_.substr(0, path_.size() - 4);
  // SystemC opens the file only when the simulation starts and fails badly when it cannot
  // (SIGFPE while closing the half-made trace file): open it here first.
  if (std::FILE* f = std::fopen(path_.c_str(), "a")) {
    std::fclose(f);
  } else {
    throw std::invalid_argument("VCD: cannot create " + path_ + ": " + std::strerror(errno) +
                                " (does the folder exist and is it writable?)");
  }
  tf_ = sc_core::sc_create_vcd_trace_file(base.c_str());
  if (tf_ == nullptr) throw std::invalid_argument("VCD: cannot create " + path_);
  tf_->set_time_unit(1, sc_core::SC_PS);

  // Names: one scope per concern; GTKWave shows them as a tree (configs/gtkwave/gcattn.gtkw).
  const std::string top = "gcattn.";
  sc_core::sc_trace(tf_, irq, top + "irq");
  if (dma_state != nullptr) sc_core::sc_trace(tf_, *dma_state, top + "dma");  // 0, 1 read, 2 write
  sc_core::sc_trace(tf_, phase_, top + "phase");
  sc_core::sc_trace(tf_, step_layer_, top + "step_layer");
  sc_core::sc_trace(tf_, step_position_, top + "step_position");
  for (std::size_t i = 0; i < kPhaseCount; ++i) {
    sc_core::sc_trace(
        tf_, strobe_[i],
        top + "phases." + std::to_string(i) + "_" + phase_name(static_cast<Phase>(i)));
  }
  for (std::size_t l = 0; l < busy_.size(); ++l) {
    sc_core::sc_trace(tf_, busy_[l], top + "busy.layer" + std::to_string(l));
  }
  const std::string scope =
      top + "L" + std::to_string(opts.layer) + "H" + std::to_string(opts.head) + ".";
  const std::string sub = scope + "S" + std::to_string(opts.subtile) + ".";
  auto idx = [](std::size_t i) {
    std::string s = std::to_string(i);
    return std::string(2 - std::min<std::size_t>(2, s.size()), '0') + s;  // sorts naturally
  };
  for (std::size_t r = 0; r < query_.lines.size(); ++r) {
    sc_core::sc_trace(tf_, query_.lines[r], scope + "q_pulse." + idx(r));
  }
  for (std::size_t c = 0; c < phi_.lines.size(); ++c) {
    sc_core::sc_trace(tf_, phi_.lines[c], sub + "phi_pulse." + idx(c));
  }
  for (std::size_t r = 0; r < counter_.size(); ++r) {
    sc_core::sc_trace(tf_, counter_[r], sub + "counter." + idx(r));
  }
  query_.ends.reserve(query_.lines.size());
  phi_.ends.reserve(phi_.lines.size());
  SC_THREAD(query_thread);
  SC_THREAD(phi_thread);
}

VcdTracer::~VcdTracer() {
  if (tf_ != nullptr) sc_core::sc_close_vcd_trace_file(tf_);
}

bool VcdTracer::in_window() const {
  const sc_core::sc_time now = sc_core::sc_time_stamp();
  return now >= opts_.start && now <= opts_.end;
}

void VcdTracer::step_begin(const StepCommand& cmd, bool functional) {
  current_layer_ = cmd.layer;
  trace_scope_ = functional && cmd.layer == opts_.layer;
  if (!in_window()) return;
  busy_[static_cast<std::size_t>(cmd.layer)].write(true);
  step_layer_.write(cmd.layer);
  step_position_.write(static_cast<int>(cmd.position));
}

void VcdTracer::phase_begin(Phase phase, const sc_core::sc_time&) {
  if (!in_window()) return;
  const auto p = static_cast<std::size_t>(phase);
  for (std::size_t i = 0; i < kPhaseCount; ++i) strobe_[i].write(i == p);
  phase_.write(static_cast<int>(p) + 1);
  if (!trace_scope_) return;
  const Head& head =
      layers_[static_cast<std::size_t>(opts_.layer)].heads[static_cast<std::size_t>(opts_.head)];
  const SubTile& st = head.subtiles[static_cast<std::size_t>(opts_.subtile)];
  if (phase == Phase::QueryPulses) {
    for (std::size_t r = 0; r < query_.width_ns.size(); ++r) {
      query_.width_ns[r] = head.query_dacs.dac().width_ns(head.query_fractions()[r]);
    }
    query_.start_ev.notify(sc_core::SC_ZERO_TIME);
  } else if (phase == Phase::PhiPulses) {
    for (std::size_t c = 0; c < phi_.width_ns.size(); ++c) {
      phi_.width_ns[c] = head.query_dacs.dac().width_ns(st.phis()[c]);
    }
    phi_.start_ev.notify(sc_core::SC_ZERO_TIME);
  } else if (phase == Phase::DigitalSum) {  // the counters hold their final values
    for (std::size_t r = 0; r < counter_.size(); ++r)
      counter_[r].write(static_cast<int>(st.codes()[r]));
  }
}

void VcdTracer::step_end(const StepRecord& rec) {
  if (!in_window()) return;
  for (auto& s : strobe_) s.write(false);
  phase_.write(0);
  busy_[static_cast<std::size_t>(rec.layer)].write(false);
}

void VcdTracer::run_group(PulseGroup& g) {
  for (;;) {
    wait(g.start_ev);
    const sc_core::sc_time t0 = sc_core::sc_time_stamp();
    g.ends.clear();
    for (std::size_t i = 0; i < g.lines.size(); ++i) {
      if (g.width_ns[i] > 0.0) {
        g.lines[i].write(true);
        g.ends.push_back(g.width_ns[i]);
      }
    }
    std::sort(g.ends.begin(), g.ends.end());
    g.ends.erase(std::unique(g.ends.begin(), g.ends.end()), g.ends.end());
    for (const double e : g.ends) {  // one timed wait per distinct pulse end
      const sc_core::sc_time at = t0 + sc_core::sc_time(e, sc_core::SC_NS);
      if (at > sc_core::sc_time_stamp()) wait(at - sc_core::sc_time_stamp());
      for (std::size_t i = 0; i < g.lines.size(); ++i) {
        if (g.width_ns[i] == e) g.lines[i].write(false);
      }
    }
  }
}

}  // namespace gcattn::sc
