#pragma once
// The example platform's interconnect: N initiators (target sockets) to M targets (initiator
// sockets) by an address map. Each access is decoded, its address translated to the target's
// local address (and restored on return), and charged a hop latency. DMI grants are translated
// back to system addresses and clipped to the region; invalidations from a target are
// translated and broadcast to every initiator. Unmapped addresses get
// TLM_ADDRESS_ERROR_RESPONSE.
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>
#include <systemc>
#include <tlm>

namespace soc {

class Router : public sc_core::sc_module {
 public:
  sc_core::sc_vector<tlm_utils::simple_target_socket_tagged<Router>> targ_socket;     // initiators
  sc_core::sc_vector<tlm_utils::simple_initiator_socket_tagged<Router>> init_socket;  // targets

  struct Region {
    std::string name;
    std::uint64_t base = 0, size = 0;
    unsigned port = 0;  // init_socket index
  };

  Router(const sc_core::sc_module_name& name, unsigned initiators, unsigned targets,
         const sc_core::sc_time& hop_latency)
      : sc_core::sc_module(name),
        targ_socket("targ_socket", initiators),
        init_socket("init_socket", targets),
        hop_(hop_latency) {
    for (unsigned i = 0; i < initiators; ++i) {
      targ_socket[i].register_b_transport(this, &Router::b_transport, static_cast<int>(i));
      targ_socket[i].register_get_direct_mem_ptr(this, &Router::get_direct_mem_ptr,
                                                 static_cast<int>(i));
      targ_socket[i].register_transport_dbg(this, &Router::transport_dbg, static_cast<int>(i));
    }
    for (unsigned i = 0; i < targets; ++i) {
      init_socket[i].register_invalidate_direct_mem_ptr(this, &Router::invalidate,
                                                        static_cast<int>(i));
    }
  }
  const char* kind() const override { return "soc::Router"; }

  /// Adds a region; regions must not overlap.
  void map(const std::string& region, std::uint64_t base, std::uint64_t size, unsigned port) {
    for (const Region& r : map_) {
      if (base < r.base + r.size && r.base < base + size) {
        SC_REPORT_ERROR("soc/router", ("region " + region + " overlaps " + r.name).c_str());
      }
    }
    map_.push_back({region, base, size, port});
  }
  const std::vector<Region>& address_map() const { return map_; }
  std::uint64_t decode_errors = 0;

 private:
  const Region* decode(std::uint64_t addr, unsigned len) const {
    for (const Region& r : map_) {
      if (addr >= r.base && addr - r.base < r.size && len <= r.size - (addr - r.base)) return &r;
    }
    return nullptr;
  }

  void b_transport(int, tlm::tlm_generic_payload& t, sc_core::sc_time& delay) {
    const std::uint64_t addr = t.get_address();
    delay += hop_;
    const Region* r = decode(addr, std::max(1u, t.get_data_length()));
    if (r == nullptr) {
      ++decode_errors;
      t.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
      return;
    }
    t.set_address(addr - r->base);
    init_socket[r->port]->b_transport(t, delay);
    t.set_address(addr);
  }

  bool get_direct_mem_ptr(int, tlm::tlm_generic_payload& t, tlm::tlm_dmi& dmi) {
    const std::uint64_t addr = t.get_address();
    const Region* r = decode(addr, 1);
    if (r == nullptr) {
      dmi.set_granted_access(tlm::tlm_dmi::DMI_ACCESS_NONE);
      dmi.set_start_address(addr);
      dmi.set_end_address(addr);
      return false;
    }
    t.set_address(addr - r->base);
    const bool ok = init_socket[r->port]->get_direct_mem_ptr(t, dmi);
    t.set_address(addr);
    // Back to system addresses, clipped to the region (a target may describe more).
    std::uint64_t start = dmi.get_start_address(), end = dmi.get_end_address();
    const std::uint64_t last = r->size - 1;
    if (start > last) start = last;
    if (end > last) end = last;
    if (ok && dmi.get_dmi_ptr() != nullptr)
      dmi.set_dmi_ptr(dmi.get_dmi_ptr() + (start - dmi.get_start_address()));
    dmi.set_start_address(r->base + start);
    dmi.set_end_address(r->base + end);
    dmi.set_read_latency(dmi.get_read_latency() + hop_);
    dmi.set_write_latency(dmi.get_write_latency() + hop_);
    return ok;
  }

  unsigned transport_dbg(int, tlm::tlm_generic_payload& t) {
    const std::uint64_t addr = t.get_address();
    const Region* r = decode(addr, 1);
    if (r == nullptr) return 0;
    t.set_address(addr - r->base);
    const unsigned n = init_socket[r->port]->transport_dbg(t);
    t.set_address(addr);
    return n;
  }

  void invalidate(int port, sc_dt::uint64 start, sc_dt::uint64 end) {
    for (const Region& r : map_) {
      if (r.port != static_cast<unsigned>(port) || start >= r.size) continue;
      const std::uint64_t s = r.base + start;
      const std::uint64_t e = r.base + std::min<std::uint64_t>(end, r.size - 1);
      for (auto& ts : targ_socket) ts->invalidate_direct_mem_ptr(s, e);
    }
  }

  sc_core::sc_time hop_;
  std::vector<Region> map_;
};

}  // namespace soc
