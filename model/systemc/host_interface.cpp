// The host interface's state, address decoding, error latching and interrupt line. The register
// file is host_registers.cpp, command and DMA sequencing host_commands.cpp, the TLM socket
// callbacks host_transport.cpp.
#include "gcattn/systemc/host_interface.h"

#include <sstream>

#include "host_detail.h"

namespace gcattn::sc {

using detail::hex;
using detail::kMsgType;
using regmap::ErrorCode;

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "the data windows hold little-endian float32; a big-endian host needs byte swapping");

HostInterface::HostInterface(const sc_core::sc_module_name& name, const AcceleratorParams& params,
                             Controller& controller, DmaEngine& dma, AcceleratorStatistics& stats)
    : sc_core::sc_module(name),
      socket("socket"),
      irq("irq"),
      p_(params),
      controller_(controller),
      dma_(dma),
      stats_(stats),
      k_(params.window_words(), 0.0f),
      v_(params.window_words(), 0.0f),
      q_(params.window_words(), 0.0f),
      out_(params.window_words(), 0.0f),
      scalers_(static_cast<std::size_t>(params.layers) * static_cast<std::size_t>(params.heads) *
               regmap::kScalerWords),
      last_written_(static_cast<std::size_t>(params.layers), -1),
      dma_k_(params.window_words(), 0.0f),
      dma_v_(params.window_words(), 0.0f),
      dma_q_(params.window_words(), 0.0f),
      peq_(this, &HostInterface::peq_cb) {
  socket.register_b_transport(this, &HostInterface::b_transport);
  socket.register_nb_transport_fw(this, &HostInterface::nb_transport_fw);
  socket.register_get_direct_mem_ptr(this, &HostInterface::get_direct_mem_ptr);
  socket.register_transport_dbg(this, &HostInterface::transport_dbg);
  SC_METHOD(drive_irq);
  sensitive << irq_ev_;
  dont_initialize();
  SC_METHOD(end_resp_effective);
  sensitive << resp_free_ev_;
  dont_initialize();
  reset_scalers();
  controller_.set_done_callback([this](const StepRecord& r) { on_step_done(r); });
  dma_.set_done_callback([this](const DmaResult& r) { on_dma_done(r); });
}

void HostInterface::reset_scalers() {
  const HeadScalers& d = p_.hw.default_scalers;
  for (std::size_t i = 0; i < scalers_.size(); i += regmap::kScalerWords) {
    regmap::pack_scalers(d, &scalers_[i]);
  }
}

HeadScalers HostInterface::scalers(int layer, int head) const {
  const float* s =
      &scalers_.at((static_cast<std::size_t>(layer) * static_cast<std::size_t>(p_.heads) +
                    static_cast<std::size_t>(head)) *
                   regmap::kScalerWords);
  return regmap::unpack_scalers(s);
}

// ---------------------------------------------------------------- address decoding

HostInterface::Target HostInterface::decode(std::uint64_t addr) const {
  const std::uint64_t data_bytes = p_.window_words() * sizeof(float);
  auto in = [addr](std::uint64_t base, std::uint64_t size) {
    return addr >= base && addr < base + size;
  };
  if (addr < regmap::kRegBlockEnd) return {Block::Registers, addr, regmap::kRegBlockEnd};
  if (addr >= regmap::kDmaBlock && addr < regmap::kDmaBlockEnd)
    return {Block::DmaRegisters, addr, regmap::kDmaBlockEnd};
  if (in(regmap::kKWindow, regmap::kDataWindowSize))
    return {Block::K, addr - regmap::kKWindow, data_bytes};
  if (in(regmap::kVWindow, regmap::kDataWindowSize))
    return {Block::V, addr - regmap::kVWindow, data_bytes};
  if (in(regmap::kQWindow, regmap::kDataWindowSize))
    return {Block::Q, addr - regmap::kQWindow, data_bytes};
  if (in(regmap::kOutWindow, regmap::kDataWindowSize)) {
    return {Block::Out, addr - regmap::kOutWindow, data_bytes};
  }
  if (in(regmap::kScalerWindow, regmap::kScalerWindowSize)) {
    return {Block::Scalers, addr - regmap::kScalerWindow, scalers_.size() * sizeof(float)};
  }
  return {};
}

float* HostInterface::window_data(Block b) {
  switch (b) {
    case Block::K:
      return k_.data();
    case Block::V:
      return v_.data();
    case Block::Q:
      return q_.data();
    case Block::Out:
      return out_.data();
    case Block::Scalers:
      return scalers_.data();
    default:
      return nullptr;
  }
}

std::uint64_t HostInterface::block_base(Block b) const {
  switch (b) {
    case Block::K:
      return regmap::kKWindow;
    case Block::V:
      return regmap::kVWindow;
    case Block::Q:
      return regmap::kQWindow;
    case Block::Out:
      return regmap::kOutWindow;
    case Block::Scalers:
      return regmap::kScalerWindow;
    default:
      return 0;
  }
}

// ---------------------------------------------------------------- errors and interrupt

void HostInterface::fail(tlm::tlm_generic_payload& trans, ErrorCode code,
                         tlm::tlm_response_status st, const sc_core::sc_time& at,
                         const char* what) {
  trans.set_response_status(st);
  error_code_ = static_cast<std::uint32_t>(code);
  error_addr_ = static_cast<std::uint32_t>(trans.get_address());
  set_irq_status(regmap::kIrqError, at);
  std::ostringstream os;
  os << name() << ": " << (trans.is_write() ? "write" : "read") << " of " << trans.get_data_length()
     << " bytes at " << hex(trans.get_address()) << ": " << regmap::error_name(code)
     << " (ERROR_CODE " << error_code_ << "): " << what;
  SC_REPORT_WARNING(kMsgType, os.str().c_str());
}

void HostInterface::raise_error(ErrorCode code, std::uint64_t addr, const std::string& what) {
  error_code_ = static_cast<std::uint32_t>(code);
  error_addr_ = static_cast<std::uint32_t>(addr);
  set_irq_status(regmap::kIrqError, sc_core::SC_ZERO_TIME);
  std::ostringstream os;
  os << name() << ": " << regmap::error_name(code) << " (ERROR_CODE " << error_code_
     << ") at system address " << hex(addr) << ": " << what;
  SC_REPORT_WARNING(kMsgType, os.str().c_str());
}

void HostInterface::set_irq_status(std::uint32_t bits, const sc_core::sc_time& at) {
  irq_status_ |= bits;
  schedule_irq(at);
}

void HostInterface::schedule_irq(const sc_core::sc_time& at) {
  irq_changes_.emplace(sc_core::sc_time_stamp() + at, (irq_status_ & irq_enable_) != 0);
  irq_ev_.notify(at);
}

void HostInterface::drive_irq() {
  const sc_core::sc_time now = sc_core::sc_time_stamp();
  bool changed = false, level = false;
  while (!irq_changes_.empty() && irq_changes_.begin()->first <= now) {
    level = irq_changes_.begin()->second;
    irq_changes_.erase(irq_changes_.begin());
    changed = true;
  }
  if (changed) {
    if (timeline_ && level != irq.read()) timeline_->irq(level, now);
    irq.write(level);
  }
  if (!irq_changes_.empty()) irq_ev_.notify(irq_changes_.begin()->first - now);
}

void HostInterface::invalidate_dmi() {
  if (!dmi_handed_out_) return;
  dmi_handed_out_ = false;
  socket->invalidate_direct_mem_ptr(regmap::kKWindow, regmap::kAddressSpace - 1);
}

}  // namespace gcattn::sc
