#pragma once
// The example SoC: a CPU (running the C driver), a router, a system memory and the gcattn
// accelerator, wired as a virtual platform would wire it:
//
//   cpu.socket ----------> bus.targ_socket[0]      bus.init_socket[0] --> accel.socket()
//   accel.dma_socket() --> bus.targ_socket[1]      bus.init_socket[1] --> mem.socket
//   accel.irq --> irq (sc_signal<bool>) --> cpu.irq
//
// Address map: the accelerator at kAccelBase (GCATTN_ADDRESS_SPACE bytes), the memory at
// kMemBase. docs/integration.md walks through it.
#include <cstdint>

#include <systemc>

#include "cpu.h"
#include "gcattn/config/config.h"
#include "gcattn/gcattn_regs.h"
#include "gcattn/systemc/accelerator.h"
#include "memory.h"
#include "router.h"

namespace soc {

constexpr std::uint64_t kAccelBase = 0x40000000ull;
constexpr std::uint64_t kMemBase = 0x80000000ull;

struct PlatformOptions {
  std::uint64_t memory_bytes = 1 << 20;
  MemoryTiming memory;
  sc_core::sc_time bus_hop{1, sc_core::SC_NS};  // router latency per access (and per DMI access)
};

class Platform : public sc_core::sc_module {
 public:
  Platform(const sc_core::sc_module_name& name, const gcattn::Config& cfg,
           const PlatformOptions& opts);
  const char* kind() const override { return "soc::Platform"; }

  Cpu cpu;
  Router bus;
  Memory mem;
  gcattn::sc::Accelerator accel;
  sc_core::sc_signal<bool> irq;
};

}  // namespace soc
