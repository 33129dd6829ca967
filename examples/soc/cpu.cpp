#include "cpu.h"

#include <exception>
#include <sstream>

#include "driver.h"

namespace soc {

Cpu* Cpu::current_ = nullptr;

Cpu::Cpu(const sc_core::sc_module_name& name)
    : sc_core::sc_module(name),
      socket("socket"),
      irq("irq"),
      waiting("waiting", false),
      token("token", 0),
      layer("layer", 0) {
  if (current_ != nullptr) SC_REPORT_ERROR("soc/cpu", "one Cpu per platform (driver services)");
  current_ = this;
  qk_.reset();
  SC_THREAD(run);
}

void Cpu::run() {
  try {
    if (program_) program_(*this);
  } catch (...) {
    error = std::current_exception();
  }
  qk_.sync();
  sc_core::sc_stop();
}

void Cpu::access(tlm::tlm_command cmd, std::uint64_t addr, std::uint32_t& value) {
  tlm::tlm_generic_payload& t = trans_;
  t.set_command(cmd);
  t.set_address(addr);
  t.set_data_ptr(reinterpret_cast<unsigned char*>(&value));
  t.set_data_length(4);
  t.set_streaming_width(4);
  t.set_byte_enable_ptr(nullptr);
  t.set_dmi_allowed(false);
  t.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  sc_core::sc_time delay = qk_.get_local_time();
  const sc_core::sc_time before = delay;
  socket->b_transport(t, delay);
  if (delay > before) mmio_ns += (delay - before).to_seconds() * 1e9;
  qk_.set(delay);
  if (qk_.need_sync()) qk_.sync();
  ++mmio_accesses;
  if (!t.is_response_ok() && !fault_) {  // a bus fault: the driver sees platform_bus_fault()
    fault_ = true;
    fault_addr_ = addr;
    fault_status_ = t.get_response_status();
    std::ostringstream os;
    os << (cmd == tlm::TLM_READ_COMMAND ? "read" : "write") << " at 0x" << std::hex << addr << ": "
       << t.get_response_string();
    SC_REPORT_WARNING("soc/cpu", os.str().c_str());
  }
}

std::uint32_t Cpu::read32(std::uint64_t addr) {
  std::uint32_t v = 0;
  access(tlm::TLM_READ_COMMAND, addr, v);
  return v;
}

void Cpu::write32(std::uint64_t addr, std::uint32_t value) {
  access(tlm::TLM_WRITE_COMMAND, addr, value);
}

void Cpu::wait_for_interrupt() {
  qk_.sync();  // the interrupt is a signal: look at it at the CPU's own time
  waiting.write(true);
  const sc_core::sc_time start = sc_core::sc_time_stamp();
  while (!irq.read()) wait(irq.value_changed_event());
  wait_ns += (sc_core::sc_time_stamp() - start).to_seconds() * 1e9;
  waiting.write(false);
  ++interrupts;
}

void Cpu::work(std::uint32_t tok, std::uint32_t lay) {
  token.write(static_cast<int>(tok));
  layer.write(static_cast<int>(lay));
  qk_.inc(work_);  // decoupled: the CPU computes ahead of the kernel
  work_ns += work_.to_seconds() * 1e9;
  if (qk_.need_sync()) qk_.sync();
}

}  // namespace soc

// ---- The driver's platform services (driver.h) ----
extern "C" {

uint32_t reg_read32(uint64_t addr) {
  return soc::Cpu::current()->read32(addr);
}
void reg_write32(uint64_t addr, uint32_t value) {
  soc::Cpu::current()->write32(addr, value);
}
void platform_wait_for_interrupt(void) {
  soc::Cpu::current()->wait_for_interrupt();
}
void platform_cpu_work(uint32_t token, uint32_t layer) {
  soc::Cpu::current()->work(token, layer);
}
int platform_bus_fault(void) {
  return soc::Cpu::current()->bus_fault() ? 1 : 0;
}

}  // extern "C"
