#pragma once
// The example platform's host CPU: a loosely timed TLM-2.0 initiator whose SC_THREAD runs a
// program (the C driver, driver.c) under a tlm_quantumkeeper. The driver's platform services
// (reg_read32, reg_write32, platform_wait_for_interrupt, platform_cpu_work, platform_bus_fault)
// are implemented here and turn into b_transport calls, interrupt waits and decoupled compute
// time. One Cpu per platform (the C services find it through a static pointer).
#include <cstdint>
#include <exception>
#include <functional>

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/tlm_quantumkeeper.h>
#include <systemc>
#include <tlm>

namespace soc {

class Cpu : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<Cpu> socket;
  sc_core::sc_in<bool> irq;
  // State for waveforms (written at synchronisation points): waiting for the interrupt, and the
  // token and layer the program is at.
  sc_core::sc_signal<bool> waiting;
  sc_core::sc_signal<int> token, layer;

  SC_HAS_PROCESS(Cpu);
  explicit Cpu(const sc_core::sc_module_name& name);
  const char* kind() const override { return "soc::Cpu"; }

  /// The program run by the CPU thread; the simulation stops when it returns (or throws).
  void set_program(std::function<void(Cpu&)> program) { program_ = std::move(program); }
  /// Host work between layer steps (projections, MLP): compute time per platform_cpu_work.
  void set_work_time(const sc_core::sc_time& t) { work_ = t; }

  // The services behind the C functions.
  std::uint32_t read32(std::uint64_t addr);
  void write32(std::uint64_t addr, std::uint32_t value);
  void wait_for_interrupt();
  void work(std::uint32_t token, std::uint32_t layer);
  bool bus_fault() const { return fault_; }
  std::uint64_t fault_address() const { return fault_addr_; }
  tlm::tlm_response_status fault_status() const { return fault_status_; }
  /// Current time as the CPU sees it (kernel time + its local offset).
  sc_core::sc_time local_time() const { return qk_.get_current_time(); }
  void sync() { qk_.sync(); }

  std::uint64_t mmio_accesses = 0, interrupts = 0;
  double mmio_ns = 0.0;      // time the register accesses took (their annotated delays)
  double wait_ns = 0.0;      // time spent waiting for the interrupt
  double work_ns = 0.0;      // compute time spent in platform_cpu_work
  std::exception_ptr error;  // what ended the program, if it threw

  static Cpu* current() { return current_; }

 private:
  void run();
  void access(tlm::tlm_command cmd, std::uint64_t addr, std::uint32_t& value);

  std::function<void(Cpu&)> program_;
  sc_core::sc_time work_;
  tlm_utils::tlm_quantumkeeper qk_;
  tlm::tlm_generic_payload trans_;
  bool fault_ = false;
  std::uint64_t fault_addr_ = 0;
  tlm::tlm_response_status fault_status_ = tlm::TLM_OK_RESPONSE;
  static Cpu* current_;
};

}  // namespace soc
