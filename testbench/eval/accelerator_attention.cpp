#include "eval/accelerator_attention.h"

#include <string>

#include "base/errors.h"

namespace gcattn::eval {

AcceleratorAttention::AcceleratorAttention(const sc_core::sc_module_name& name, sc::Coding coding,
                                           player::Completion completion,
                                           const sc_core::sc_time& gap,
                                           std::function<void(AcceleratorAttention&)> body)
    : sc_core::sc_module(name),
      irq("irq"),
      host("host", coding),
      stepper_(host, irq, completion, stats_),
      gap_(gap),
      body_(std::move(body)) {
  SC_THREAD(run);
  // The engine runs on this thread's stack (Eigen keeps small temporaries there).
  set_stack_size(16u << 20);
}

void AcceleratorAttention::attend(int layer, std::size_t position, const float* q, const float* k,
                                  const float* v, float* out) {
  stepper_.step(layer, static_cast<std::uint32_t>(position), k, v, q, out);
  stepper_.gap(gap_);
}

void AcceleratorAttention::run() {
  try {
    body_(*this);
  } catch (const sc::HostAccessError& e) {
    error_ = std::make_exception_ptr(SimulationError(std::string("host interface: ") + e.what()));
  } catch (...) {
    error_ = std::current_exception();
  }
  host.sync();
  stats_.end_ns = sc_core::sc_time_stamp().to_seconds() * 1e9;
  sc_core::sc_stop();
}

}  // namespace gcattn::eval
