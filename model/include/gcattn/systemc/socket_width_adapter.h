#pragma once
// Connects an initiator of another bus width to the accelerator's 32-bit target socket (or the
// DMA engine's 32-bit initiator socket to a bus of another width). TLM-2.0 bus widths only type
// the sockets: the generic payload carries the data length, so every call is forwarded
// unchanged (b_transport, nb_transport both ways, DMI with its invalidations, debug).
//
//   gcattn::sc::SocketWidthAdapter<64, 32> width("width");
//   cpu.socket.bind(width.target);            // a 64-bit initiator
//   width.initiator.bind(accel.socket());     // the accelerator's 32-bit target socket
#include <systemc>
#include <tlm>

namespace gcattn::sc {

template <unsigned int kTargetWidth, unsigned int kInitiatorWidth = 32>
class SocketWidthAdapter : public sc_core::sc_module,
                           public tlm::tlm_fw_transport_if<>,
                           public tlm::tlm_bw_transport_if<> {
 public:
  tlm::tlm_target_socket<kTargetWidth> target;           // bind the initiator side here
  tlm::tlm_initiator_socket<kInitiatorWidth> initiator;  // bind it to the target side

  explicit SocketWidthAdapter(const sc_core::sc_module_name& name)
      : sc_core::sc_module(name), target("target"), initiator("initiator") {
    target.bind(*this);
    initiator.bind(*this);
  }
  const char* kind() const override { return "gcattn::sc::SocketWidthAdapter"; }

  // Forward path.
  void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) override {
    initiator->b_transport(trans, delay);
  }
  tlm::tlm_sync_enum nb_transport_fw(tlm::tlm_generic_payload& trans, tlm::tlm_phase& phase,
                                     sc_core::sc_time& t) override {
    return initiator->nb_transport_fw(trans, phase, t);
  }
  bool get_direct_mem_ptr(tlm::tlm_generic_payload& trans, tlm::tlm_dmi& dmi) override {
    return initiator->get_direct_mem_ptr(trans, dmi);
  }
  unsigned int transport_dbg(tlm::tlm_generic_payload& trans) override {
    return initiator->transport_dbg(trans);
  }

  // Backward path.
  tlm::tlm_sync_enum nb_transport_bw(tlm::tlm_generic_payload& trans, tlm::tlm_phase& phase,
                                     sc_core::sc_time& t) override {
    return target->nb_transport_bw(trans, phase, t);
  }
  void invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end) override {
    target->invalidate_direct_mem_ptr(start, end);
  }
};

}  // namespace gcattn::sc
