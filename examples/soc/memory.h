#pragma once
// System memory of the example platform: a loosely timed TLM-2.0 target with a fixed latency
// plus a bandwidth term per access, DMI grants (the whole array, with a per-access latency), and
// debug transport. Addresses are local (the router translates).
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <tlm_utils/simple_target_socket.h>
#include <systemc>
#include <tlm>

namespace soc {

struct MemoryTiming {
  sc_core::sc_time latency{10, sc_core::SC_NS};      // per b_transport
  double bytes_per_ns = 32.0;                        // bandwidth term: len / bytes_per_ns
  sc_core::sc_time dmi_latency{18, sc_core::SC_NS};  // per DMI access (granted with the pointer)
  bool allow_dmi = true;
};

class Memory : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<Memory> socket;

  Memory(const sc_core::sc_module_name& name, std::uint64_t size, const MemoryTiming& timing)
      : sc_core::sc_module(name), socket("socket"), t_(timing), bytes_(size, 0) {
    socket.register_b_transport(this, &Memory::b_transport);
    socket.register_get_direct_mem_ptr(this, &Memory::get_direct_mem_ptr);
    socket.register_transport_dbg(this, &Memory::transport_dbg);
  }
  const char* kind() const override { return "soc::Memory"; }

  std::uint64_t size() const { return bytes_.size(); }
  /// Backdoor for the testbench's loader (before the simulation or from a synchronised thread).
  unsigned char* data(std::uint64_t offset) { return &bytes_.at(offset); }

  std::uint64_t reads = 0, writes = 0, bytes_read = 0, bytes_written = 0, dmi_grants = 0,
                errors = 0;

 private:
  void b_transport(tlm::tlm_generic_payload& t, sc_core::sc_time& delay) {
    const std::uint64_t addr = t.get_address();
    const unsigned len = t.get_data_length();
    delay += t_.latency + sc_core::sc_time(len / t_.bytes_per_ns, sc_core::SC_NS);
    if (addr >= bytes_.size() || len > bytes_.size() - addr) {
      ++errors;
      t.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
      return;
    }
    if (t.get_byte_enable_ptr() != nullptr || t.get_streaming_width() != len) {
      ++errors;
      t.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
      return;
    }
    if (t.is_read()) {
      std::memcpy(t.get_data_ptr(), &bytes_[addr], len);
      ++reads;
      bytes_read += len;
    } else if (t.is_write()) {
      std::memcpy(&bytes_[addr], t.get_data_ptr(), len);
      ++writes;
      bytes_written += len;
    }
    t.set_dmi_allowed(t_.allow_dmi);
    t.set_response_status(tlm::TLM_OK_RESPONSE);
  }

  bool get_direct_mem_ptr(tlm::tlm_generic_payload&, tlm::tlm_dmi& dmi) {
    dmi.set_start_address(0);
    dmi.set_end_address(bytes_.size() - 1);
    if (!t_.allow_dmi) {
      dmi.set_granted_access(tlm::tlm_dmi::DMI_ACCESS_NONE);
      return false;
    }
    ++dmi_grants;
    dmi.set_dmi_ptr(bytes_.data());
    dmi.set_granted_access(tlm::tlm_dmi::DMI_ACCESS_READ_WRITE);
    dmi.set_read_latency(t_.dmi_latency);
    dmi.set_write_latency(t_.dmi_latency);
    return true;
  }

  unsigned transport_dbg(tlm::tlm_generic_payload& t) {
    const std::uint64_t addr = t.get_address();
    if (addr >= bytes_.size()) return 0;
    const auto n =
        static_cast<unsigned>(std::min<std::uint64_t>(t.get_data_length(), bytes_.size() - addr));
    if (t.is_read()) std::memcpy(t.get_data_ptr(), &bytes_[addr], n);
    if (t.is_write()) std::memcpy(&bytes_[addr], t.get_data_ptr(), n);
    return n;
  }

  MemoryTiming t_;
  std::vector<unsigned char> bytes_;
};

}  // namespace soc
