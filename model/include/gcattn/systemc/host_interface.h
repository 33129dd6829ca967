#pragma once
// The accelerator's host interface: a TLM-2.0 target socket serving the register map of
// register_map.h / docs/register-map.md. Loosely timed b_transport (annotated delays; safe under
// a quantum keeper: accesses that must observe a running command synchronise first),
// approximately timed nb_transport_fw/bw with the four base-protocol phases, DMI on the data
// windows (revoked while a command runs), transport_dbg, and a level interrupt output.
// Every bad access gets a TLM error response, sets ERROR_CODE/ERROR_ADDR and the ERROR interrupt.
#include <cstdint>
#include <deque>
#include <map>
#include <vector>

#include <tlm_utils/peq_with_cb_and_phase.h>
#include <tlm_utils/simple_target_socket.h>
#include <systemc>
#include <tlm>

#include "gcattn/systemc/accelerator_params.h"
#include "gcattn/systemc/controller.h"
#include "gcattn/systemc/register_map.h"

namespace gcattn::sc {

class HostInterface : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(HostInterface);
  HostInterface(const sc_core::sc_module_name& name, const AcceleratorParams& params,
                Controller& controller, const AcceleratorStatistics& stats);
  const char* kind() const override { return "gcattn::sc::HostInterface"; }

  tlm_utils::simple_target_socket<HostInterface> socket;
  sc_core::sc_out<bool> irq;

  /// Per-head scalers as currently held in the scaler window (observation only).
  HeadScalers scalers(int layer, int head) const;
  regmap::ErrorCode error_code() const { return static_cast<regmap::ErrorCode>(error_code_); }

 private:
  enum class Block { Registers, K, V, Q, Out, Scalers, Unmapped };
  struct Target {
    Block block = Block::Unmapped;
    std::uint64_t offset = 0;  // from the block's base
    std::uint64_t used = 0;    // bytes in use in the block
  };
  Target decode(std::uint64_t addr) const;
  float* window_data(Block b);
  std::uint64_t block_base(Block b) const;

  // Socket callbacks.
  void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  tlm::tlm_sync_enum nb_transport_fw(tlm::tlm_generic_payload& trans, tlm::tlm_phase& phase,
                                     sc_core::sc_time& t);
  bool get_direct_mem_ptr(tlm::tlm_generic_payload& trans, tlm::tlm_dmi& dmi);
  unsigned int transport_dbg(tlm::tlm_generic_payload& trans);

  // AT machinery.
  void peq_cb(tlm::tlm_generic_payload& trans, const tlm::tlm_phase& phase);
  void send_response(tlm::tlm_generic_payload& trans);
  void finish_response();

  /// Performs an access at (now + offset); returns its latency. Sets the response status.
  sc_core::sc_time execute(tlm::tlm_generic_payload& trans, const sc_core::sc_time& offset);
  bool check_shape(tlm::tlm_generic_payload& trans, const Target& t, const sc_core::sc_time& at);
  void read_register(std::uint64_t off, std::uint32_t& value) const;
  // `at`: when the access takes effect, relative to the current simulated time.
  void write_register(tlm::tlm_generic_payload& trans, std::uint64_t off, std::uint32_t value,
                      const sc_core::sc_time& at);
  void write_command(tlm::tlm_generic_payload& trans, std::uint32_t value,
                     const sc_core::sc_time& at);
  void write_control(tlm::tlm_generic_payload& trans, std::uint32_t value,
                     const sc_core::sc_time& at);
  bool finite_words(const float* p, std::size_t n) const;
  void fail(tlm::tlm_generic_payload& trans, regmap::ErrorCode code, tlm::tlm_response_status st,
            const sc_core::sc_time& at, const char* what);
  bool busy() const { return controller_.busy(); }

  void on_step_done(const StepRecord& rec);
  void set_irq_status(std::uint32_t bits, const sc_core::sc_time& at);
  void schedule_irq(const sc_core::sc_time& at);
  void drive_irq();  // SC_METHOD: the one writer of the irq line
  void invalidate_dmi();
  void reset_scalers();
  void clear_kv();

  const AcceleratorParams& p_;
  Controller& controller_;
  const AcceleratorStatistics& stats_;

  std::vector<float> k_, v_, q_, out_, scalers_;
  std::vector<std::int64_t> last_written_;  // per layer, -1: none
  std::uint32_t layer_ = 0, position_ = 0, command_ = 0;
  std::uint32_t irq_enable_ = 0, irq_status_ = 0, error_code_ = 0, error_addr_ = 0;
  bool done_ = false;
  bool dmi_handed_out_ = false;  // a grant or refusal the initiators may have cached

  sc_core::sc_event irq_ev_;
  std::multimap<sc_core::sc_time, bool> irq_changes_;  // absolute time -> level
  tlm_utils::peq_with_cb_and_phase<HostInterface> peq_;
  tlm::tlm_generic_payload* resp_in_progress_ = nullptr;
  std::deque<tlm::tlm_generic_payload*> resp_queue_;
};

}  // namespace gcattn::sc
