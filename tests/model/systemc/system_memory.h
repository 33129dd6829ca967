#pragma once
// A system memory for DMA tests: a loosely timed TLM-2.0 target at a base address, with an
// annotated latency per access, optional DMI grants, and a fault range whose accesses get an
// error response (a bus error). It counts what it serves so tests can see how the DMA engine
// moved the data (b_transport or DMI).
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include <tlm_utils/simple_target_socket.h>
#include <systemc>
#include <tlm>

namespace gcattn::test {

struct SystemMemory : sc_core::sc_module {
  tlm_utils::simple_target_socket<SystemMemory> socket;
  std::uint64_t base;
  std::vector<unsigned char> bytes;
  sc_core::sc_time latency{10, sc_core::SC_NS};     // per b_transport
  sc_core::sc_time dmi_latency{1, sc_core::SC_NS};  // per DMI access (granted with the pointer)
  bool allow_dmi = false;
  // Sets the DMI hint on responses but refuses get_direct_mem_ptr (when allow_dmi is false).
  bool hint_dmi = false;
  // Accesses overlapping [fault_lo, fault_hi] fail with fault_status (none when lo > hi).
  std::uint64_t fault_lo = 1, fault_hi = 0;
  tlm::tlm_response_status fault_status = tlm::TLM_ADDRESS_ERROR_RESPONSE;
  // Observation.
  int reads = 0, writes = 0, dmi_grants = 0, dmi_requests = 0, errors = 0;
  std::uint64_t bytes_read = 0, bytes_written = 0;

  SystemMemory(const sc_core::sc_module_name& name, std::uint64_t base_, std::size_t size)
      : sc_core::sc_module(name), socket("socket"), base(base_), bytes(size, 0) {
    socket.register_b_transport(this, &SystemMemory::b_transport);
    socket.register_get_direct_mem_ptr(this, &SystemMemory::get_direct_mem_ptr);
    socket.register_transport_dbg(this, &SystemMemory::transport_dbg);
  }

  unsigned char* at(std::uint64_t addr) { return &bytes.at(addr - base); }
  void store(std::uint64_t addr, const float* f, std::size_t n) {
    std::memcpy(at(addr), f, n * sizeof(float));
  }
  std::vector<float> load(std::uint64_t addr, std::size_t n) {
    std::vector<float> f(n);
    std::memcpy(f.data(), at(addr), n * sizeof(float));
    return f;
  }
  bool faulty(std::uint64_t addr, std::uint64_t len) const {
    return fault_lo <= fault_hi && addr <= fault_hi && addr + len - 1 >= fault_lo;
  }
  /// Sets (or clears, lo > hi) the fault range and revokes every DMI pointer handed out.
  void set_fault(std::uint64_t lo, std::uint64_t hi) {
    fault_lo = lo;
    fault_hi = hi;
    socket->invalidate_direct_mem_ptr(0, ~std::uint64_t{0});
  }

  void b_transport(tlm::tlm_generic_payload& t, sc_core::sc_time& delay) {
    const std::uint64_t addr = t.get_address();
    const unsigned len = t.get_data_length();
    delay += latency;
    if (addr < base || addr + len > base + bytes.size() || t.get_byte_enable_ptr() != nullptr ||
        t.get_streaming_width() != len) {
      t.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
      ++errors;
      return;
    }
    if (faulty(addr, len)) {
      t.set_response_status(fault_status);
      ++errors;
      return;
    }
    if (t.is_read()) {
      std::memcpy(t.get_data_ptr(), at(addr), len);
      ++reads;
      bytes_read += len;
    } else if (t.is_write()) {
      std::memcpy(at(addr), t.get_data_ptr(), len);
      ++writes;
      bytes_written += len;
    }
    t.set_dmi_allowed((allow_dmi || hint_dmi) && fault_lo > fault_hi);
    t.set_response_status(tlm::TLM_OK_RESPONSE);
  }

  bool get_direct_mem_ptr(tlm::tlm_generic_payload& t, tlm::tlm_dmi& dmi) {
    ++dmi_requests;
    if (!allow_dmi || fault_lo <= fault_hi) {
      dmi.set_granted_access(tlm::tlm_dmi::DMI_ACCESS_NONE);
      dmi.set_start_address(base);
      dmi.set_end_address(base + bytes.size() - 1);
      return false;
    }
    (void)t;
    ++dmi_grants;
    dmi.set_dmi_ptr(bytes.data());
    dmi.set_start_address(base);
    dmi.set_end_address(base + bytes.size() - 1);
    dmi.set_granted_access(tlm::tlm_dmi::DMI_ACCESS_READ_WRITE);
    dmi.set_read_latency(dmi_latency);
    dmi.set_write_latency(dmi_latency);
    return true;
  }

  unsigned transport_dbg(tlm::tlm_generic_payload& t) {
    const std::uint64_t addr = t.get_address();
    if (addr < base || addr >= base + bytes.size()) return 0;
    const unsigned n = static_cast<unsigned>(
        std::min<std::uint64_t>(t.get_data_length(), base + bytes.size() - addr));
    if (t.is_read()) std::memcpy(t.get_data_ptr(), at(addr), n);
    if (t.is_write()) std::memcpy(at(addr), t.get_data_ptr(), n);
    return n;
  }
};

}  // namespace gcattn::test
