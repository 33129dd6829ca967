#pragma once
// The accelerator's DMA engine: a loosely timed TLM-2.0 initiator that moves the rows of one
// COMMAND.DMA between system memory and the host interface's buffers (docs/register-map.md,
// "DMA"). One SC_THREAD; bursts go out through b_transport with the engine's local time offset
// under a tlm_quantumkeeper (temporal decoupling), or through a DMI pointer when the target
// allows it. A transfer ends at its first error response; the engine then reports the failing
// address and TLM status. The engine never interprets the data: the host interface checks and
// commits it.
#include <array>
#include <cstdint>
#include <functional>

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/tlm_quantumkeeper.h>
#include <systemc>
#include <tlm>

#include "gcattn/systemc/accelerator_params.h"
#include "gcattn/systemc/timeline_observer.h"

namespace gcattn::sc {

/// The socket type of the DMA engine: binding it is optional (SC_ZERO_OR_MORE_BOUND), so
/// platforms without system memory elaborate unchanged; a DMA command is then refused.
using DmaSocket =
    tlm::tlm_initiator_socket<32, tlm::tlm_base_protocol_types, 1, sc_core::SC_ZERO_OR_MORE_BOUND>;

/// One buffer of a transfer: `rows` rows of `row_bytes` bytes, row r at system address
/// `address + r * stride`, held at `data + r * row_bytes` on the accelerator side.
struct DmaSegment {
  std::uint64_t address = 0;
  std::uint64_t stride = 0;
  unsigned rows = 0;
  unsigned row_bytes = 0;
  unsigned char* data = nullptr;
};

/// Outcome of one transfer (a fetch or a write-back).
struct DmaResult {
  bool ok = true;
  std::uint64_t error_address = 0;  // start of the burst that failed
  tlm::tlm_response_status status = tlm::TLM_OK_RESPONSE;
  std::uint64_t bytes = 0;  // bytes moved before the end (all of them when ok)
  std::uint64_t bursts = 0;
  std::uint64_t dmi_bursts = 0;  // of which through a DMI pointer
  sc_core::sc_time start, end;   // simulated time: acceptance to completion
};

class DmaEngine : public sc_core::sc_module {
 public:
  static constexpr std::size_t kMaxSegments = 3;  // K, V, Q of a fetch
  using Callback = std::function<void(const DmaResult&)>;

  SC_HAS_PROCESS(DmaEngine);
  DmaEngine(const sc_core::sc_module_name& name, const AcceleratorParams& params);
  const char* kind() const override { return "gcattn::sc::DmaEngine"; }

  tlm_utils::simple_initiator_socket_optional<DmaEngine> socket;

  /// True when the socket is bound to a target (a DMA command is possible).
  bool bound() const { return socket.size() > 0; }
  /// True from start() until the callback of the transfer has been called.
  bool busy() const { return busy_; }
  /// Called in the engine's thread at the end of every transfer (after busy() turned false);
  /// it may start the next transfer. Set once (the host interface).
  void set_done_callback(Callback cb) { done_ = std::move(cb); }
  /// Receives every burst (timeline); null: none.
  void set_timeline_observer(TimelineObserver* obs) { timeline_ = obs; }
  /// Starts a transfer `delay` after the current simulated time: reads (write = false) system
  /// memory into the segments or writes the segments to it. Only while idle and bound.
  void start(const DmaSegment* segments, std::size_t count, bool write,
             const sc_core::sc_time& delay);
  /// 0 idle, 1 reading, 2 writing: a signal for waveform tracing.
  const sc_core::sc_signal<int>& state() const { return state_; }
  /// DMI regions currently cached (observation for tests).
  int dmi_regions() const;

 private:
  /// SC_REPORT_ERROR with the module type and this instance's hierarchical name.
  void report_error(const char* what) const;
  void run();
  bool burst(std::uint64_t addr, unsigned char* data, unsigned len, DmaResult& r);
  bool dmi_copy(std::uint64_t addr, unsigned char* data, unsigned len);
  void report_burst(const sc_core::sc_time& start, std::uint64_t addr, unsigned len, bool dmi,
                    tlm::tlm_response_status status);
  void invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end);

  const AcceleratorParams& p_;
  bool busy_ = false;
  bool write_ = false;
  std::array<DmaSegment, kMaxSegments> seg_{};
  std::size_t nseg_ = 0;
  Callback done_;
  TimelineObserver* timeline_ = nullptr;
  sc_core::sc_event start_ev_;
  sc_core::sc_signal<int> state_;
  tlm_utils::tlm_quantumkeeper qk_;
  tlm::tlm_generic_payload trans_;  // reused: a payload allocates its extension array
  struct DmiRegion {
    bool valid = false;
    tlm::tlm_dmi dmi;
  };
  std::array<DmiRegion, 4> dmi_{};
  std::size_t dmi_next_ = 0;  // round-robin replacement
  // Ranges the target refused DMI for: not asked again until invalidated.
  struct Refusal {
    bool valid = false;
    std::uint64_t start = 0, end = 0;
  };
  std::array<Refusal, 4> refused_{};
  std::size_t refused_next_ = 0;
  bool dmi_refused(std::uint64_t addr) const;
};

}  // namespace gcattn::sc
