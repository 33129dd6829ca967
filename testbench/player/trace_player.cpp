#include "player/trace_player.h"

#include <algorithm>
#include <sstream>

#include "base/errors.h"
#include "trace/trace_file.h"

namespace gcattn::player {

namespace {

// Maps the tokens of a replay in stretches of kLead (SafetensorsFile::populate: one fault per
// stretch instead of one per page) and checks those from `from` on for NaN/infinity
// (TraceReader::check_finite) as they are due. prepare(t) returns when token t may be
// replayed or throws the InputError that names its bad value.
class TokenPreparer {
 public:
  TokenPreparer(const trace::TraceReader& tr, std::size_t from, std::size_t end, unsigned fields)
      : tr_(tr), from_(from), end_(end), fields_(fields) {}

  void prepare(std::size_t t) const {
    if (t % kLead == 0) tr_.populate_tokens(t, std::min(t + kLead, end_), fields_);
    if (t >= from_) tr_.check_finite(t, 1, fields_);
  }

 private:
  static constexpr std::size_t kLead = 8;  // tokens mapped at once

  const trace::TraceReader& tr_;
  const std::size_t from_, end_;
  const unsigned fields_;
};

}  // namespace

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
  // The fields this replay reads (attn_out only for the accuracy's comparison with it): those
  // are checked for NaN/infinity (from check_finite_from on) and mapped ahead.
  using trace::TraceReader;
  const unsigned fields = TraceReader::field_bit(trace::Field::Q) |
                          TraceReader::field_bit(trace::Field::K) |
                          TraceReader::field_bit(trace::Field::V) |
                          (attn ? TraceReader::field_bit(trace::Field::AttnOut) : 0u);
  const TokenPreparer ahead(trace_, opt_.check_finite_from, opt_.tokens, fields);
  constexpr std::size_t kReleaseEvery = 64;
  for (std::size_t t = 0; t < opt_.tokens; ++t) {
    try {
      ahead.prepare(t);
    } catch (const InputError& e) {
      throw InputError(std::string(e.what()) + "; found when token " + std::to_string(t) +
                       " was due: no report is written (fix the trace, or replay the tokens "
                       "before it with --tokens " +
                       std::to_string(t) + ")");
    }
    // Token t of each field, [layer][head][d] (F32 traces: straight from the mapping).
    const float* q = trace_.token_values(trace::Field::Q, t);
    const float* k = trace_.token_values(trace::Field::K, t);
    const float* v = trace_.token_values(trace::Field::V, t);
    const float* attn_out = attn ? trace_.token_values(trace::Field::AttnOut, t) : nullptr;
    for (int l = 0; l < L; ++l) {
      if (stop_ && *stop_) {
        stats_.stopped = true;
        host.sync();
        return;
      }
      const std::size_t off = static_cast<std::size_t>(l) * hd;
      float* out = &out_[off];
      stepper.step(l, static_cast<std::uint32_t>(t), k + off, v + off, q + off, out);
      if (accuracy_) {
        accuracy_->step(l, static_cast<std::int64_t>(t), q + off, k + off, v + off,
                        attn ? attn_out + off : nullptr, out);
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
    // The tokens replayed are not read again: keep the resident size to the tokens in flight.
    if ((t + 1) % kReleaseEvery == 0) trace_.release_tokens(t + 1 - kReleaseEvery, t + 1);
  }
  host.sync();
}

}  // namespace gcattn::player
