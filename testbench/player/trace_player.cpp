#include "player/trace_player.h"

#include <algorithm>
#include <sstream>

#include "cli/errors.h"
#include "gcattn/systemc/register_map.h"
#include "trace/trace_file.h"

namespace gcattn::player {
namespace regmap = sc::regmap;

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
    error_ =
        std::make_exception_ptr(cli::SimulationError(std::string("host interface: ") + e.what()));
  } catch (...) {
    error_ = std::current_exception();
  }
  stats_.end_ns = sc_core::sc_time_stamp().to_seconds() * 1e9;
  sc_core::sc_stop();
}

void TracePlayer::wait_completion() {
  if (opt_.completion == Completion::Poll) {
    host.wait_done();  // the driver's own irq port is unbound: it polls STATUS
    return;
  }
  host.sync();
  while (!irq.read()) wait(irq.value_changed_event());
  // The interrupt service routine: which interrupt fired?
  const std::uint32_t st = host.read32(regmap::kIrqStatus);
  if (st & regmap::kIrqError) {
    const std::uint32_t code = host.read32(regmap::kErrorCode);
    std::ostringstream os;
    os << "the accelerator raised its ERROR interrupt: ERROR_CODE " << code << " ("
       << regmap::error_name(static_cast<regmap::ErrorCode>(code)) << ")";
    throw cli::SimulationError(os.str());
  }
}

void TracePlayer::play() {
  const int L = trace_.layers(), H = trace_.heads(), D = trace_.d_head();
  const sc::HostDriver::Geometry geo = host.identify();
  if (geo.layers != L || geo.heads != H || geo.dim != D) {
    std::ostringstream os;
    os << "the accelerator reports " << geo.layers << " layers x " << geo.heads << " heads x dim "
       << geo.dim << " but the trace has " << L << " x " << H << " x " << D;
    throw cli::SimulationError(os.str());
  }
  host.set_use_dmi(opt_.dmi);
  host.set_poll_interval(opt_.poll_interval);
  for (int l = 0; l < L; ++l) {
    for (int h = 0; h < H; ++h) host.set_scalers(l, h, scalers_.at(l, h));
  }
  if (opt_.completion == Completion::Interrupt)
    host.write32(regmap::kIrqEnable, regmap::kIrqDone | regmap::kIrqError);

  const std::size_t hd = static_cast<std::size_t>(H) * static_cast<std::size_t>(D);
  const std::size_t row = static_cast<std::size_t>(L) * hd;
  out_.resize(row);
  const bool attn = accuracy_ && accuracy_->options().attn_out && trace_.has_attn_out();
  if (opt_.keep_outputs) outputs_.assign(opt_.tokens * row, 0.0f);
  const double gap_ns = opt_.host_gap.to_seconds() * 1e9;
  auto ns = [](const sc_core::sc_time& a, const sc_core::sc_time& b) {
    return (b - a).to_seconds() * 1e9;
  };

  for (std::size_t t = 0; t < opt_.tokens; ++t) {
    if (t >= opt_.check_finite_from) {
      try {
        trace_.check_finite(t, 1);
      } catch (const cli::InputError& e) {
        throw cli::InputError(std::string(e.what()) + "; found when token " + std::to_string(t) +
                              " was due: no report is written (fix the trace, or replay the tokens "
                              "before it with --tokens " +
                              std::to_string(t) + ")");
      }
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
      const sc_core::sc_time t0 = host.local_time();
      host.write_floats(regmap::kKWindow, k + off, hd);
      host.write_floats(regmap::kVWindow, v + off, hd);
      host.write_floats(regmap::kQWindow, q + off, hd);
      host.write32(regmap::kLayer, static_cast<std::uint32_t>(l));
      host.write32(regmap::kPosition, static_cast<std::uint32_t>(t));
      host.write32(regmap::kCommand, regmap::kCmdWriteKv | regmap::kCmdAttend);
      const sc_core::sc_time t1 = host.local_time();
      wait_completion();
      const sc_core::sc_time t2 = host.local_time();
      host.read_floats(regmap::kOutWindow, out, hd);
      if (opt_.completion == Completion::Interrupt)
        host.write32(regmap::kIrqClear, regmap::kIrqDone);
      const sc_core::sc_time t3 = host.local_time();
      stats_.transfer_ns += ns(t0, t1) + ns(t2, t3);
      stats_.wait_ns += ns(t1, t2);
      ++stats_.layer_steps;
      if (accuracy_) {
        accuracy_->step(l, static_cast<std::int64_t>(t), q + off, k + off, v + off,
                        attn ? attn_out + off : nullptr, out);
      }
      if (opt_.keep_outputs) std::copy_n(out, hd, &outputs_[t * row + off]);
      if (gap_ns > 0.0) {
        host.sync();
        if (on_gap_)
          on_gap_(sc_core::sc_time_stamp(), opt_.host_gap, l, static_cast<std::int64_t>(t));
        wait(opt_.host_gap);
        stats_.gap_ns += gap_ns;
      }
    }
    stats_.tokens_done = t + 1;
    if (progress_) progress_(t + 1, opt_.tokens);
    // The tokens replayed are not read again: keep the resident size to the tokens in flight.
    constexpr std::size_t kReleaseEvery = 64;
    if ((t + 1) % kReleaseEvery == 0) trace_.release_tokens(t + 1 - kReleaseEvery, t + 1);
  }
  host.sync();
}

}  // namespace gcattn::player
