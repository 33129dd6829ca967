#pragma once
// A TLM-2.0 initiator that drives the accelerator through its register map, for testbenches,
// the trace player and SoC examples. Methods block: call them from an SC_THREAD. Loosely timed
// (b_transport under a tlm_quantumkeeper with the global quantum) or approximately timed
// (nb_transport with BEGIN_REQ, END_REQ, BEGIN_RESP, END_RESP). Optional DMI for data windows.
// The per-step sequence (docs/register-map.md, "Command sequence") is step().
#include <cstdint>
#include <stdexcept>
#include <string>

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/tlm_quantumkeeper.h>
#include <systemc>
#include <tlm>

#include "gcattn/config/hardware_params.h"
#include "gcattn/systemc/register_map.h"

namespace gcattn::sc {

enum class Coding { LooselyTimed, ApproximatelyTimed };

/// A TLM error response; what() names the address, the TLM status and ERROR_CODE.
class HostAccessError : public std::runtime_error {
 public:
  HostAccessError(const std::string& msg, tlm::tlm_response_status status, regmap::ErrorCode code)
      : std::runtime_error(msg), status(status), code(code) {}
  tlm::tlm_response_status status;
  regmap::ErrorCode code;
};

class HostDriver : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<HostDriver> socket;
  /// Optional: bind to the accelerator's interrupt; unbound, wait_done() polls STATUS.
  sc_core::sc_port<sc_core::sc_signal_in_if<bool>, 1, sc_core::SC_ZERO_OR_MORE_BOUND> irq;

  HostDriver(const sc_core::sc_module_name& name, Coding coding = Coding::LooselyTimed);
  const char* kind() const override { return "gcattn::sc::HostDriver"; }

  struct Geometry {
    int layers = 0, heads = 0, dim = 0, window = 0;
    std::size_t words() const {
      return static_cast<std::size_t>(heads) * static_cast<std::size_t>(dim);
    }
  };
  /// Checks ID and VERSION and reads the geometry registers.
  Geometry identify();

  // Single accesses; throw HostAccessError on an error response.
  std::uint32_t read32(std::uint64_t addr);
  void write32(std::uint64_t addr, std::uint32_t value);
  void write_floats(std::uint64_t addr, const float* data, std::size_t n);
  void read_floats(std::uint64_t addr, float* data, std::size_t n);
  /// Any access; returns the response status instead of throwing (for error-path tests).
  tlm::tlm_response_status access(tlm::tlm_command cmd, std::uint64_t addr, unsigned char* data,
                                  unsigned int len);

  /// Writes the 8 scaler words of (layer, head).
  void set_scalers(int layer, int head, const HeadScalers& s);
  /// One command: K, V (for WRITE_KV), Q (for ATTEND) windows, LAYER, POSITION, COMMAND; waits
  /// for completion; reads OUT (for ATTEND) and clears the DONE interrupt. Arrays are
  /// [head][dim] (geometry().words() floats); unused ones may be null.
  void step(int layer, std::uint32_t position, std::uint32_t command, const float* k,
            const float* v, const float* q, float* out);
  /// Clears a latched DONE and enables the DONE interrupt (IRQ_CLEAR, IRQ_ENABLE), so that
  /// wait_done() waits on the irq port instead of polling; step() does this on first use. For
  /// callers that start commands themselves (e.g. write COMMAND, then wait_done()). Returns
  /// false, and writes nothing, when the irq port is unbound; calling it again is a no-op.
  bool enable_irq();
  /// Whether wait_done() waits on the interrupt (enable_irq() or step() has enabled it).
  bool irq_enabled() const { return irq_enabled_; }
  /// Waits until STATUS.BUSY clears (the interrupt when bound and enabled by step(), else
  /// polling). With the interrupt, a DONE left uncleared by the caller ends the wait at once.
  void wait_done();
  /// Brings simulated time up to the initiator's local time (LT quantum keeper).
  void sync();
  /// Current time as the initiator sees it (kernel time + local offset).
  sc_core::sc_time local_time() const;

  /// This initiator's time quantum (LT); default: tlm_global_quantum.
  void set_quantum(const sc_core::sc_time& q);
  void set_use_dmi(bool on) { use_dmi_ = on; }
  /// Number of DMI invalidations received (observation for tests).
  int dmi_invalidations() const { return dmi_invalidations_; }
  /// Polling interval of wait_done() without an interrupt.
  void set_poll_interval(const sc_core::sc_time& t) { poll_ = t; }

 private:
  void transport(tlm::tlm_generic_payload& trans);
  void transport_at(tlm::tlm_generic_payload& trans);
  tlm::tlm_sync_enum nb_transport_bw(tlm::tlm_generic_payload& trans, tlm::tlm_phase& phase,
                                     sc_core::sc_time& t);
  void invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end);
  bool dmi_copy(tlm::tlm_command cmd, std::uint64_t addr, unsigned char* data, unsigned int len);
  /// access() that throws HostAccessError (with ERROR_CODE read by transport_dbg) on failure.
  void checked_access(tlm::tlm_command cmd, std::uint64_t addr, unsigned char* data,
                      unsigned int len);

  /// A quantum keeper whose quantum may differ from the global one.
  class QuantumKeeper : public tlm_utils::tlm_quantumkeeper {
   public:
    bool own = false;
    sc_core::sc_time quantum;

   protected:
    sc_core::sc_time compute_local_quantum() override {
      if (!own) return tlm_utils::tlm_quantumkeeper::compute_local_quantum();
      if (quantum == sc_core::SC_ZERO_TIME) return sc_core::SC_ZERO_TIME;
      const sc_core::sc_time now = sc_core::sc_time_stamp();
      return quantum -
             sc_core::sc_time(static_cast<sc_dt::uint64>(now.value() % quantum.value()), false);
    }
  };

  Coding coding_;
  QuantumKeeper qk_;
  tlm::tlm_generic_payload trans_;
  Geometry geo_;
  bool irq_enabled_ = false;
  bool use_dmi_ = false;
  int dmi_invalidations_ = 0;
  sc_core::sc_time poll_;
  // AT handshake state.
  tlm::tlm_generic_payload* at_trans_ = nullptr;
  bool at_end_req_ = false, at_begin_resp_ = false;
  sc_core::sc_event at_ev_;
  // DMI cache (one region per data window).
  struct DmiRegion {
    bool valid = false;
    tlm::tlm_dmi dmi;
  };
  DmiRegion dmi_[5];
};

}  // namespace gcattn::sc
