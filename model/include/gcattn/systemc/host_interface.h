#pragma once
// The accelerator's host interface: a TLM-2.0 target socket serving the register map of
// register_map.h / docs/register-map.md. Loosely timed b_transport (annotated delays; safe under
// a quantum keeper: accesses that must observe a running command synchronise first),
// approximately timed nb_transport_fw/bw with the four base-protocol phases, DMI on the data
// windows (revoked while a command runs), transport_dbg, and a level interrupt output.
// Every bad access gets a TLM error response, sets ERROR_CODE/ERROR_ADDR and the ERROR interrupt.
// COMMAND.DMA commands move their K/V/Q rows in and OUT rows out through the DmaEngine (system
// memory addresses from the DMA descriptor registers); they stay BUSY until the write-back ends.
#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <tlm_utils/peq_with_cb_and_phase.h>
#include <tlm_utils/simple_target_socket.h>
#include <systemc>
#include <tlm>

#include "gcattn/systemc/accelerator_params.h"
#include "gcattn/systemc/controller.h"
#include "gcattn/systemc/dma_engine.h"
#include "gcattn/systemc/register_map.h"
#include "gcattn/systemc/statistics.h"
#include "gcattn/systemc/timeline_observer.h"

namespace gcattn::sc {

class HostInterface : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(HostInterface);
  HostInterface(const sc_core::sc_module_name& name, const AcceleratorParams& params,
                Controller& controller, DmaEngine& dma, AcceleratorStatistics& stats);
  const char* kind() const override { return "gcattn::sc::HostInterface"; }

  tlm_utils::simple_target_socket<HostInterface> socket;
  sc_core::sc_out<bool> irq;

  /// Per-head scalers as currently held in the scaler window (observation only).
  HeadScalers scalers(int layer, int head) const;
  regmap::ErrorCode error_code() const { return static_cast<regmap::ErrorCode>(error_code_); }
  /// STATUS.BUSY: a command is accepted and not finished (its DMA transfers included).
  bool busy() const { return controller_.busy() || dma_stage_ != DmaStage::None; }
  /// Receives every socket access and interrupt change (timeline); null: none.
  void set_timeline_observer(TimelineObserver* obs) { timeline_ = obs; }

 private:
  enum class Block { Registers, DmaRegisters, K, V, Q, Out, Scalers, Unmapped };
  enum class DmaStage { None, Fetch, Step, WriteBack };  // of the command in flight
  struct Target {
    Block block = Block::Unmapped;
    std::uint64_t offset = 0;  // from the block's base (register blocks: the address itself)
    std::uint64_t used = 0;    // bytes in use in the block
  };
  Target decode(std::uint64_t addr) const;
  float* window_data(Block b);
  std::uint64_t block_base(Block b) const;

  // TLM adapter (host_transport.cpp): socket callbacks, AT machinery, access checks.
  void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  tlm::tlm_sync_enum nb_transport_fw(tlm::tlm_generic_payload& trans, tlm::tlm_phase& phase,
                                     sc_core::sc_time& t);
  bool get_direct_mem_ptr(tlm::tlm_generic_payload& trans, tlm::tlm_dmi& dmi);
  unsigned int transport_dbg(tlm::tlm_generic_payload& trans);
  void peq_cb(tlm::tlm_generic_payload& trans, const tlm::tlm_phase& phase);
  void send_response(tlm::tlm_generic_payload& trans);
  /// The open response ended; its END_RESP takes effect `t` from now.
  void finish_response(const sc_core::sc_time& t);
  void end_resp_effective();  // SC_METHOD: an annotated END_RESP took effect
  void next_response();       // sends the oldest queued response, if any
  /// Performs an access at (now + offset); returns its latency. Sets the response status.
  /// Tells the timeline observer, if any.
  sc_core::sc_time execute(tlm::tlm_generic_payload& trans, const sc_core::sc_time& offset);
  sc_core::sc_time perform(tlm::tlm_generic_payload& trans, const sc_core::sc_time& offset);
  bool check_shape(tlm::tlm_generic_payload& trans, const Target& t, const sc_core::sc_time& at);
  /// The unmapped gap around `addr` (no register block or used window part), inclusive.
  std::pair<std::uint64_t, std::uint64_t> unmapped_span(std::uint64_t addr) const;

  // Register file (host_registers.cpp): one table entry per register word.
  struct RegisterWrite {
    tlm::tlm_generic_payload& trans;
    std::uint32_t value;
    const sc_core::sc_time& at;  // when the access takes effect, relative to now
  };
  struct Register {
    bool defined = false;                                           // false: reserved word
    std::uint32_t (*read)(const HostInterface&) = nullptr;          // null: reads 0
    void (*write)(HostInterface&, const RegisterWrite&) = nullptr;  // null: read-only
    const char* busy = nullptr;  // non-null: a write while busy is refused with this message
  };
  static const Register& find_register(std::uint64_t off);
  std::uint32_t phase_ps(std::size_t phase) const;  // PHASE_PS<phase>
  void read_register(std::uint64_t off, std::uint32_t& value) const;
  void write_register(tlm::tlm_generic_payload& trans, std::uint64_t off, std::uint32_t value,
                      const sc_core::sc_time& at);

  // Command sequencing (host_commands.cpp): COMMAND and CONTROL, the DMA stages.
  void write_command(tlm::tlm_generic_payload& trans, std::uint32_t value,
                     const sc_core::sc_time& at);
  void write_control(tlm::tlm_generic_payload& trans, std::uint32_t value,
                     const sc_core::sc_time& at);
  void fail(tlm::tlm_generic_payload& trans, regmap::ErrorCode code, tlm::tlm_response_status st,
            const sc_core::sc_time& at, const char* what);
  /// Latches an error (ERROR_CODE, ERROR_ADDR, IRQ_STATUS.ERROR) now; warns with `what`.
  void raise_error(regmap::ErrorCode code, std::uint64_t addr, const std::string& what);
  static bool is_register_block(Block b) {
    return b == Block::Registers || b == Block::DmaRegisters;
  }

  // DMA.
  /// Why the DMA descriptor cannot serve a command (empty: it can).
  std::string dma_descriptor_problem(bool write, bool attend) const;
  DmaSegment dma_segment(std::uint64_t base, float* data) const;
  void on_dma_done(const DmaResult& r);
  void dma_failed(const DmaResult& r);
  void complete_command();

  void on_step_done(const StepRecord& rec);
  void set_irq_status(std::uint32_t bits, const sc_core::sc_time& at);
  void schedule_irq(const sc_core::sc_time& at);
  void drive_irq();  // SC_METHOD: the one writer of the irq line
  void invalidate_dmi();
  void reset_scalers();
  void clear_kv();

  const AcceleratorParams& p_;
  Controller& controller_;
  DmaEngine& dma_;
  AcceleratorStatistics& stats_;

  std::vector<float> k_, v_, q_, out_, scalers_;
  std::vector<std::int64_t> last_written_;  // per layer, -1: none
  std::uint32_t layer_ = 0, position_ = 0, command_ = 0;
  std::uint32_t irq_enable_ = 0, irq_status_ = 0, error_code_ = 0, error_addr_ = 0;
  bool done_ = false;
  bool dmi_handed_out_ = false;  // a grant or refusal the initiators may have cached
  // The data or scaler windows may hold words that bypassed the per-burst NaN check (a DMI
  // pointer with write access was granted, or a debug write): COMMAND then checks the windows it
  // uses. Without it every word in them passed a check (bursts, DMA fetches) or is a reset zero.
  bool windows_unchecked_ = false;

  // DMA descriptor and status registers.
  std::uint64_t dma_k_addr_ = 0, dma_v_addr_ = 0, dma_q_addr_ = 0, dma_out_addr_ = 0;
  std::uint32_t dma_head_stride_ = 0, dma_layer_stride_ = 0;
  bool dma_bus_error_ = false, dma_used_dmi_ = false;
  std::uint64_t dma_error_addr_ = 0;
  std::uint32_t dma_error_resp_ = 0;
  std::uint64_t dma_bytes_ = 0;
  sc_core::sc_time dma_time_;
  // The DMA command in flight: its stage, the step it runs, what to restore on a failed fetch.
  DmaStage dma_stage_ = DmaStage::None;
  StepCommand dma_cmd_;
  std::int64_t dma_prev_last_written_ = -1;
  std::vector<float> dma_k_, dma_v_, dma_q_;  // fetch staging: committed only when complete
  std::array<DmaSegment, DmaEngine::kMaxSegments> dma_segs_{};

  sc_core::sc_event irq_ev_;
  std::multimap<sc_core::sc_time, bool> irq_changes_;  // absolute time -> level
  tlm_utils::peq_with_cb_and_phase<HostInterface> peq_;
  tlm::tlm_generic_payload* resp_in_progress_ = nullptr;
  std::deque<tlm::tlm_generic_payload*> resp_queue_;
  bool resp_blocked_ = false;  // an annotated END_RESP has not taken effect yet
  sc_core::sc_event resp_free_ev_;
  TimelineObserver* timeline_ = nullptr;
};

}  // namespace gcattn::sc
