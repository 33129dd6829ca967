#include "player/layer_step.h"

#include <sstream>

#include "base/errors.h"
#include "gcattn/systemc/register_map.h"

namespace gcattn::player {
namespace regmap = sc::regmap;

void LayerStepper::setup(int layers, int heads, int dim, const std::string& what,
                         const ScalerTable& scalers, bool dmi,
                         const sc_core::sc_time& poll_interval) {
  const sc::HostDriver::Geometry geo = host_.identify();
  if (geo.layers != layers || geo.heads != heads || geo.dim != dim) {
    std::ostringstream os;
    os << "the accelerator reports " << geo.layers << " layers x " << geo.heads << " heads x dim "
       << geo.dim << " but " << what << " has " << layers << " x " << heads << " x " << dim;
    throw SimulationError(os.str());
  }
  words_ = geo.words();
  host_.set_use_dmi(dmi);
  host_.set_poll_interval(poll_interval);
  for (int l = 0; l < layers; ++l) {
    for (int h = 0; h < heads; ++h) host_.set_scalers(l, h, scalers.at(l, h));
  }
  if (completion_ == Completion::Interrupt)
    host_.write32(regmap::kIrqEnable, regmap::kIrqDone | regmap::kIrqError);
}

void LayerStepper::wait_completion() {
  if (completion_ == Completion::Poll) {
    host_.wait_done();  // the driver's own irq port is unbound: it polls STATUS
    return;
  }
  host_.sync();
  while (!irq_.read()) sc_core::wait(irq_.value_changed_event());
  // The interrupt service routine: which interrupt fired?
  const std::uint32_t st = host_.read32(regmap::kIrqStatus);
  if (st & regmap::kIrqError) {
    const std::uint32_t code = host_.read32(regmap::kErrorCode);
    std::ostringstream os;
    os << "the accelerator raised its ERROR interrupt: ERROR_CODE " << code << " ("
       << regmap::error_name(static_cast<regmap::ErrorCode>(code)) << ")";
    throw SimulationError(os.str());
  }
}

void LayerStepper::step(int layer, std::uint32_t position, const float* k, const float* v,
                        const float* q, float* out) {
  auto ns = [](const sc_core::sc_time& a, const sc_core::sc_time& b) {
    return (b - a).to_seconds() * 1e9;
  };
  const sc_core::sc_time t0 = host_.local_time();
  host_.write_floats(regmap::kKWindow, k, words_);
  host_.write_floats(regmap::kVWindow, v, words_);
  host_.write_floats(regmap::kQWindow, q, words_);
  host_.write32(regmap::kLayer, static_cast<std::uint32_t>(layer));
  host_.write32(regmap::kPosition, position);
  host_.write32(regmap::kCommand, regmap::kCmdWriteKv | regmap::kCmdAttend);
  const sc_core::sc_time t1 = host_.local_time();
  wait_completion();
  const sc_core::sc_time t2 = host_.local_time();
  host_.read_floats(regmap::kOutWindow, out, words_);
  if (completion_ == Completion::Interrupt) host_.write32(regmap::kIrqClear, regmap::kIrqDone);
  const sc_core::sc_time t3 = host_.local_time();
  stats_.transfer_ns += ns(t0, t1) + ns(t2, t3);
  stats_.wait_ns += ns(t1, t2);
  ++stats_.layer_steps;
}

void LayerStepper::clear_kv() {
  const sc_core::sc_time t0 = host_.local_time();
  host_.write32(regmap::kControl, regmap::kCtrlClearKv);
  stats_.transfer_ns += (host_.local_time() - t0).to_seconds() * 1e9;
}

void LayerStepper::gap(const sc_core::sc_time& gap) {
  if (gap == sc_core::SC_ZERO_TIME) return;
  host_.sync();
  sc_core::wait(gap);
  stats_.gap_ns += gap.to_seconds() * 1e9;
}

}  // namespace gcattn::player
