#include "player/trace_player.h"

#include <algorithm>
#include <sstream>

#include "base/errors.h"
#include "player/token_stream.h"
#include "trace/trace_file.h"

namespace gcattn::player {

TracePlayer::TracePlayer(const sc_core::sc_module_name& name, const trace::TraceReader& trace,
                         const ScalerTable& scalers, const PlayerOptions& opt,
                         AccuracyTracker* accuracy, const volatile std::sig_atomic_t* stop)
    : sc_core::sc_module(name),
      irq("irq"),
      host("host", opt.coding),
      trace_(trace),
      scalers_(scalers),
      opt_(opt),
      accuracy_(accuracy),
      stop_(stop) {
  SC_THREAD(run);
}

void TracePlayer::run() {
  try {
    play();
  } catch (const sc::HostAccessError& e) {
    error_ = std::make_exception_ptr(SimulationError(std::string("host interface: ") + e.what()));
  } catch (...) {
    error_ = std::current_exception();
  }
  stats_.end_ns = sc_core::sc_time_stamp().to_seconds() * 1e9;
  sc_core::sc_stop();
}

void TracePlayer::play() {
  const int L = trace_.layers(), H = trace_.heads(), D = trace_.d_head();
  LayerStepper stepper(host, irq, opt_.completion, stats_);
  stepper.setup(L, H, D, "the trace " + trace_.path(), scalers_, opt_.dmi, opt_.poll_interval);
  const std::size_t hd = static_cast<std::size_t>(H) * static_cast<std::size_t>(D);
  const std::size_t row = static_cast<std::size_t>(L) * hd;
  out_.resize(row);
  const bool attn = accuracy_ && accuracy_->options().attn_out && trace_.has_attn_out();
  if (opt_.keep_outputs) outputs_.assign(opt_.tokens * row, 0.0f);
  // Token t of each field, [layer][head][d], read from the file (not the mapping: no page
  // faults, and the values land in the caches the host writes then read them from) and checked
  // for NaN/infinity from check_finite_from on as they are due.
  TokenStream tokens(trace_, opt_.tokens, attn, opt_.check_finite_from, opt_.read_ahead);
  for (std::size_t t = 0; t < opt_.tokens; ++t) {
    TokenStream::Token tok;
    try {
      tok = tokens.next();
    } catch (const InputError& e) {
      throw InputError(std::string(e.what()) + "; found when token " + std::to_string(t) +
                       " was due: no report is written (fix the trace, or replay the tokens "
                       "before it with --tokens " +
                       std::to_string(t) + ")");
    }
    for (int l = 0; l < L; ++l) {
      if (stop_ && *stop_) {
        stats_.stopped = true;
        host.sync();
        return;
      }
      const std::size_t off = static_cast<std::size_t>(l) * hd;
      float* out = &out_[off];
      stepper.step(l, static_cast<std::uint32_t>(t), tok.k + off, tok.v + off, tok.q + off, out);
      if (accuracy_) {
        accuracy_->step(l, static_cast<std::int64_t>(t), tok.q + off, tok.k + off, tok.v + off,
                        attn ? tok.attn_out + off : nullptr, out);
      }
      if (opt_.keep_outputs) std::copy_n(out, hd, &outputs_[t * row + off]);
      if (opt_.host_gap != sc_core::SC_ZERO_TIME) {
        host.sync();
        if (on_gap_)
          on_gap_(sc_core::sc_time_stamp(), opt_.host_gap, l, static_cast<std::int64_t>(t));
        stepper.gap(opt_.host_gap);
      }
    }
    stats_.tokens_done = t + 1;
    if (progress_) progress_(t + 1, opt_.tokens);
  }
  host.sync();
}

}  // namespace gcattn::player
