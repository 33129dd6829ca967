#include "platform.h"

namespace soc {

Platform::Platform(const sc_core::sc_module_name& name, const gcattn::Config& cfg,
                   const PlatformOptions& opts)
    : sc_core::sc_module(name),
      cpu("cpu"),
      bus("bus", /*initiators=*/2, /*targets=*/2, opts.bus_hop),
      mem("mem", opts.memory_bytes, opts.memory),
      accel("gcattn", cfg),
      irq("irq") {
  // Initiators into the router.
  cpu.socket.bind(bus.targ_socket[0]);
  accel.dma_socket().bind(bus.targ_socket[1]);
  // Router to targets, by address.
  bus.init_socket[0].bind(accel.socket());
  bus.init_socket[1].bind(mem.socket);
  bus.map("gcattn", kAccelBase, GCATTN_ADDRESS_SPACE, 0);
  bus.map("memory", kMemBase, opts.memory_bytes, 1);
  // Level interrupt from the accelerator to the CPU.
  accel.irq(irq);
  cpu.irq(irq);
}

}  // namespace soc
