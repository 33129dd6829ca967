#include "gcattn/systemc/accelerator.h"

#include <stdexcept>
#include <string>

namespace gcattn::sc {

Accelerator::Accelerator(const sc_core::sc_module_name& name, const Config& cfg)
    : sc_core::sc_module(name),
      irq("irq"),
      params_(AcceleratorParams::from(cfg)),
      energy_(EnergyModel::from(cfg)),
      stats_(params_.layers, params_.heads),
      layers_("layer", static_cast<std::size_t>(params_.layers),
              [this](const char* n, std::size_t l) {
                return new Layer(n, params_.hw, params_.heads, &arena_, static_cast<int>(l));
              }),
      controller_("controller", params_, PhaseSchedule::from(cfg), energy_, layers_, stats_),
      dma_("dma", params_),
      host_("host", params_, controller_, dma_, stats_) {
  host_.irq(irq);
}

Accelerator::~Accelerator() = default;

void Accelerator::before_end_of_elaboration() {
  // sc_out must be bound: a polling platform need not provide a signal for the interrupt.
  if (irq.bind_count() == 0) {
    irq_unbound_ = std::make_unique<sc_core::sc_signal<bool>>("irq_unbound");
    irq(*irq_unbound_);
  }
}

void Accelerator::enable_vcd(const VcdOptions& opts) {
  if (sc_core::sc_get_status() != sc_core::SC_ELABORATION) {
    throw std::logic_error(
        "Accelerator::enable_vcd: call it before sc_start (signals are created during "
        "elaboration)");
  }
  if (vcd_) throw std::logic_error("Accelerator::enable_vcd: VCD tracing is already enabled");
  vcd_ = std::make_unique<VcdTracer>((std::string(basename()) + "_vcd").c_str(), opts, params_,
                                     layers_, irq, &dma_.state());
  controller_.set_observer(vcd_.get());
}

void Accelerator::set_timeline_observer(TimelineObserver* obs) {
  controller_.set_timeline_observer(obs);
  host_.set_timeline_observer(obs);
  dma_.set_timeline_observer(obs);
}

void Accelerator::set_worker_pool(WorkerPool* pool) {
  controller_.set_worker_pool(pool && pool->threads() > 1 ? pool : nullptr);
}

}  // namespace gcattn::sc
