#include "gcattn/systemc/host_interface.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <sstream>

namespace gcattn::sc {

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "the data windows hold little-endian float32; a big-endian host needs byte swapping");

namespace {

constexpr const char* kMsgType = "gcattn/host_interface";
using regmap::ErrorCode;

std::string hex(std::uint64_t v) {
  std::ostringstream os;
  os << "0x" << std::hex << v;
  return os.str();
}

std::uint32_t to_ps(double ns) {
  const double ps = std::round(ns * 1e3);
  return ps >= 4294967295.0 ? 0xFFFFFFFFu : static_cast<std::uint32_t>(ps);
}

}  // namespace

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
  os << (trans.is_write() ? "write" : "read") << " of " << trans.get_data_length() << " bytes at "
     << hex(trans.get_address()) << ": " << regmap::error_name(code) << " (ERROR_CODE "
     << error_code_ << "): " << what;
  SC_REPORT_WARNING(kMsgType, os.str().c_str());
}

void HostInterface::raise_error(ErrorCode code, std::uint64_t addr, const std::string& what) {
  error_code_ = static_cast<std::uint32_t>(code);
  error_addr_ = static_cast<std::uint32_t>(addr);
  set_irq_status(regmap::kIrqError, sc_core::SC_ZERO_TIME);
  std::ostringstream os;
  os << regmap::error_name(code) << " (ERROR_CODE " << error_code_ << ") at system address "
     << hex(addr) << ": " << what;
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

void HostInterface::on_step_done(const StepRecord&) {
  if (dma_stage_ == DmaStage::Step) {
    if (dma_cmd_.command & regmap::kCmdAttend) {  // OUT goes back to system memory first
      dma_stage_ = DmaStage::WriteBack;
      dma_segs_[0] = dma_segment(dma_out_addr_, out_.data());
      ++stats_.dma_for_update().transfers;
      dma_.start(dma_segs_.data(), 1, /*write=*/true, sc_core::SC_ZERO_TIME);
      return;
    }
    dma_stage_ = DmaStage::None;
  }
  complete_command();
}

void HostInterface::complete_command() {
  done_ = true;
  invalidate_dmi();  // OUT changed; refusals given while busy may be retried now
  set_irq_status(regmap::kIrqDone, sc_core::SC_ZERO_TIME);
}

// ---------------------------------------------------------------- DMA

DmaSegment HostInterface::dma_segment(std::uint64_t base, float* data) const {
  DmaSegment g;
  g.address = base + static_cast<std::uint64_t>(layer_) * dma_layer_stride_;
  g.stride = dma_head_stride_;
  g.rows = static_cast<unsigned>(p_.heads);
  g.row_bytes = static_cast<unsigned>(p_.hw.rows) * sizeof(float);
  g.data = reinterpret_cast<unsigned char*>(data);
  return g;
}

std::string HostInterface::dma_descriptor_problem(bool write, bool attend) const {
  if (!dma_.bound()) {
    return "COMMAND.DMA but the accelerator's DMA initiator socket (Accelerator::dma_socket()) "
           "is not bound to a system bus; bind it, or write the windows from the host";
  }
  const std::uint64_t row = static_cast<std::uint64_t>(p_.hw.rows) * sizeof(float);
  if (dma_head_stride_ % 4 != 0 || (p_.heads > 1 && dma_head_stride_ < row)) {
    return "DMA_HEAD_STRIDE = " + std::to_string(dma_head_stride_) +
           " bytes: it must be a multiple of 4 and at least one head's row (DIM x 4 = " +
           std::to_string(row) + " bytes) so that rows do not overlap";
  }
  if (dma_layer_stride_ % 4 != 0) {
    return "DMA_LAYER_STRIDE = " + std::to_string(dma_layer_stride_) +
           " bytes is not a multiple of 4";
  }
  struct Base {
    bool used;
    const char* name;
    std::uint64_t base;
  };
  const Base bases[] = {{write, "DMA_K_ADDR", dma_k_addr_},
                        {write, "DMA_V_ADDR", dma_v_addr_},
                        {attend, "DMA_Q_ADDR", dma_q_addr_},
                        {attend, "DMA_OUT_ADDR", dma_out_addr_}};
  for (const auto& [used, name, base] : bases) {
    if (!used) continue;
    if (base % 4 != 0) {
      return std::string(name) + " = " + hex(base) + " is not 4-byte aligned (float32 rows)";
    }
    // Last byte: base + LAYER * layer stride + (heads - 1) * head stride + row - 1.
    std::uint64_t a = 0, b = 0, last = 0;
    const bool overflow =
        __builtin_mul_overflow(static_cast<std::uint64_t>(layer_), dma_layer_stride_, &a) ||
        __builtin_mul_overflow(static_cast<std::uint64_t>(p_.heads - 1), dma_head_stride_, &b) ||
        __builtin_add_overflow(base, a, &last) || __builtin_add_overflow(last, b, &last) ||
        __builtin_add_overflow(last, row - 1, &last);
    if (overflow) {
      return std::string(name) + " = " + hex(base) + " with LAYER " + std::to_string(layer_) +
             " and the strides runs past the 64-bit address space";
    }
  }
  return {};
}

void HostInterface::dma_failed(const DmaResult& r) {
  dma_bus_error_ = true;
  dma_error_addr_ = r.error_address;
  // TLM error statuses are negative; TLM_INCOMPLETE_RESPONSE (0): the target did not answer.
  dma_error_resp_ = r.status == tlm::TLM_INCOMPLETE_RESPONSE
                        ? GCATTN_DMA_RESP_INCOMPLETE
                        : static_cast<std::uint32_t>(-static_cast<int>(r.status));
  raise_error(ErrorCode::DmaBusError, r.error_address,
              std::string(dma_stage_ == DmaStage::WriteBack ? "OUT write-back" : "K/V/Q fetch") +
                  " burst got " + regmap::response_status_name(r.status) +
                  (dma_stage_ == DmaStage::WriteBack
                       ? "; the step ran (OUT window valid), system memory is partly written"
                       : "; the command was aborted before any array changed"));
}

void HostInterface::on_dma_done(const DmaResult& r) {
  DmaStatistics& st = stats_.dma_for_update();
  const bool writing = dma_stage_ == DmaStage::WriteBack;
  (writing ? st.bytes_written : st.bytes_read) += r.bytes;
  st.bursts += r.bursts;
  st.dmi_bursts += r.dmi_bursts;
  st.busy_ns += (r.end - r.start).to_seconds() * 1e9;
  if (!r.ok) ++st.errors;
  dma_bytes_ += r.bytes;
  dma_time_ += r.end - r.start;
  dma_used_dmi_ = dma_used_dmi_ || r.dmi_bursts > 0;
  controller_.charge_dma(dma_cmd_.layer, 8.0 * static_cast<double>(r.bytes) / p_.heads);

  if (writing) {
    if (!r.ok) {
      dma_failed(r);  // names the write-back: reads dma_stage_
      dma_stage_ = DmaStage::None;
      invalidate_dmi();
      return;
    }
    dma_stage_ = DmaStage::None;
    complete_command();
    return;
  }
  // Fetch: nothing has changed yet; a failure leaves the accelerator as before the command.
  auto abort = [this]() {
    last_written_[static_cast<std::size_t>(dma_cmd_.layer)] = dma_prev_last_written_;
    dma_stage_ = DmaStage::None;
    invalidate_dmi();
  };
  if (!r.ok) {
    dma_failed(r);
    abort();
    return;
  }
  const bool write = dma_cmd_.command & regmap::kCmdWriteKv;
  const bool attend = dma_cmd_.command & regmap::kCmdAttend;
  const std::size_t words = p_.window_words();
  struct Staged {
    bool used;
    const std::vector<float>& data;
    std::uint64_t base;
    const char* name;
  };
  const Staged staged[] = {{write, dma_k_, dma_k_addr_, "K"},
                           {write, dma_v_, dma_v_addr_, "V"},
                           {attend, dma_q_, dma_q_addr_, "Q"}};
  for (const Staged& b : staged) {
    if (!b.used) continue;
    for (std::size_t i = 0; i < words; ++i) {
      if (std::isfinite(b.data[i])) continue;
      const std::size_t head = i / static_cast<std::size_t>(p_.hw.rows);
      const std::size_t d = i % static_cast<std::size_t>(p_.hw.rows);
      const DmaSegment g = dma_segment(b.base, nullptr);
      const std::uint64_t addr = g.address + head * g.stride + d * sizeof(float);
      dma_error_addr_ = addr;
      dma_error_resp_ = GCATTN_DMA_RESP_NONE;
      raise_error(ErrorCode::NanData, addr,
                  std::string("the ") + b.name + " row of head " + std::to_string(head) +
                      " fetched by DMA holds NaN or infinity at dimension " + std::to_string(d) +
                      "; the command was aborted before any array changed");
      abort();
      return;
    }
  }
  if (write) {
    std::copy(dma_k_.begin(), dma_k_.end(), k_.begin());
    std::copy(dma_v_.begin(), dma_v_.end(), v_.begin());
  }
  if (attend) std::copy(dma_q_.begin(), dma_q_.end(), q_.begin());
  dma_stage_ = DmaStage::Step;
  controller_.start(dma_cmd_, sc_core::SC_ZERO_TIME);
}

void HostInterface::invalidate_dmi() {
  if (!dmi_handed_out_) return;
  dmi_handed_out_ = false;
  socket->invalidate_direct_mem_ptr(regmap::kKWindow, regmap::kAddressSpace - 1);
}

// ---------------------------------------------------------------- access execution

bool HostInterface::check_shape(tlm::tlm_generic_payload& trans, const Target& t,
                                const sc_core::sc_time& at) {
  const std::uint64_t addr = trans.get_address();
  const unsigned len = trans.get_data_length();
  if (trans.get_byte_enable_ptr() != nullptr) {
    fail(trans, ErrorCode::ByteEnable, tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE, at,
         "byte enables are not supported; access whole 32-bit words");
    return false;
  }
  if (trans.get_streaming_width() != len) {
    fail(trans, ErrorCode::AccessWidth, tlm::TLM_BURST_ERROR_RESPONSE, at,
         "streaming bursts are not supported; set streaming width = data length");
    return false;
  }
  if (t.block == Block::Unmapped) {
    fail(trans, ErrorCode::UnmappedAddress, tlm::TLM_ADDRESS_ERROR_RESPONSE, at,
         "no register or window at this address (docs/register-map.md)");
    return false;
  }
  if (addr % 4 != 0) {
    fail(trans, ErrorCode::Misaligned, tlm::TLM_ADDRESS_ERROR_RESPONSE, at,
         "addresses must be 4-byte aligned");
    return false;
  }
  if (is_register_block(t.block)) {
    if (len != 4) {
      fail(trans, ErrorCode::AccessWidth, tlm::TLM_BURST_ERROR_RESPONSE, at,
           "registers are accessed as single 32-bit words");
      return false;
    }
    return true;
  }
  if (len == 0 || len % 4 != 0) {
    fail(trans, ErrorCode::AccessWidth, tlm::TLM_BURST_ERROR_RESPONSE, at,
         "window bursts must be a non-zero multiple of 4 bytes (float32 words)");
    return false;
  }
  if (t.offset + len > t.used) {
    fail(trans, ErrorCode::UnmappedAddress, tlm::TLM_ADDRESS_ERROR_RESPONSE, at,
         "burst runs past the used part of the window (heads x dim words, or layers x heads x 8 "
         "scalers)");
    return false;
  }
  return true;
}

sc_core::sc_time HostInterface::execute(tlm::tlm_generic_payload& trans,
                                        const sc_core::sc_time& offset) {
  const sc_core::sc_time latency = perform(trans, offset);
  if (timeline_ && trans.get_command() != tlm::TLM_IGNORE_COMMAND) {
    timeline_->host_access(HostAccessEvent{
        sc_core::sc_time_stamp() + offset, latency, trans.is_write(), trans.get_address(),
        trans.get_data_length(), trans.get_data_ptr(), trans.get_response_status()});
  }
  return latency;
}

sc_core::sc_time HostInterface::perform(tlm::tlm_generic_payload& trans,
                                        const sc_core::sc_time& offset) {
  const Target t = decode(trans.get_address());
  const unsigned len = trans.get_data_length();
  const sc_core::sc_time latency = (is_register_block(t.block) || t.block == Block::Unmapped)
                                       ? p_.host.register_latency()
                                       : p_.host.window_latency(len);
  const sc_core::sc_time at = offset + latency;  // when the access takes effect
  trans.set_dmi_allowed(false);
  if (trans.get_command() == tlm::TLM_IGNORE_COMMAND) {
    trans.set_response_status(tlm::TLM_OK_RESPONSE);
    return latency;
  }
  if (!check_shape(trans, t, at)) return latency;
  unsigned char* data = trans.get_data_ptr();

  if (is_register_block(t.block)) {
    if (trans.is_read()) {
      std::uint32_t value = 0;
      read_register(t.offset, value);
      std::memcpy(data, &value, 4);
      trans.set_response_status(tlm::TLM_OK_RESPONSE);
    } else {
      std::uint32_t value = 0;
      std::memcpy(&value, data, 4);
      trans.set_response_status(tlm::TLM_OK_RESPONSE);
      write_register(trans, t.offset, value, at);
    }
    return latency;
  }

  // Data windows.
  float* base = window_data(t.block);
  unsigned char* bytes = reinterpret_cast<unsigned char*>(base) + t.offset;
  if (trans.is_read()) {
    if (t.block == Block::Out && busy()) {
      fail(trans, ErrorCode::Busy, tlm::TLM_GENERIC_ERROR_RESPONSE, at,
           "OUT is rewritten by the running command; wait for STATUS.DONE");
      return latency;
    }
    std::memcpy(data, bytes, len);
  } else {
    if (t.block == Block::Out) {
      fail(trans, ErrorCode::ReadOnly, tlm::TLM_COMMAND_ERROR_RESPONSE, at,
           "the OUT window is read-only");
      return latency;
    }
    if (busy()) {
      fail(trans, ErrorCode::Busy, tlm::TLM_GENERIC_ERROR_RESPONSE, at,
           "data and scaler windows are in use by the running command; wait for STATUS.DONE");
      return latency;
    }
    // A branch-free scan first (it vectorises; every step writes about 2,300 words), the
    // word-by-word search for the message only when it found something.
    std::uint32_t nonfinite = 0;
    for (unsigned i = 0; i + 4 <= len; i += 4) {
      std::uint32_t b;
      std::memcpy(&b, data + i, 4);
      nonfinite |= static_cast<std::uint32_t>((b & 0x7f800000u) == 0x7f800000u);
    }
    for (unsigned i = 0; nonfinite != 0 && i < len; i += 4) {
      float f;
      std::memcpy(&f, data + i, 4);
      if (!std::isfinite(f)) {
        fail(trans, ErrorCode::NanData, tlm::TLM_GENERIC_ERROR_RESPONSE, at,
             ("word " + std::to_string(i / 4) +
              " of the burst is NaN or infinite; nothing was written")
                 .c_str());
        return latency;
      }
    }
    std::memcpy(bytes, data, len);
  }
  trans.set_response_status(tlm::TLM_OK_RESPONSE);
  trans.set_dmi_allowed(t.block != Block::Out || trans.is_read());
  return latency;
}

void HostInterface::read_register(std::uint64_t off, std::uint32_t& value) const {
  namespace r = regmap;
  const StepRecord& last = stats_.last_step();
  if (off >= r::kPhasePs0 && off < r::kPhasePs0 + 4 * kPhaseCount) {
    value = stats_.steps() == 0 ? 0 : to_ps(last.phase_ns[(off - r::kPhasePs0) / 4]);
    return;
  }
  switch (off) {
    case r::kId:
      value = r::kIdValue;
      break;
    case r::kVersion:
      value = r::kVersionValue;
      break;
    case r::kLayers:
      value = static_cast<std::uint32_t>(p_.layers);
      break;
    case r::kHeads:
      value = static_cast<std::uint32_t>(p_.heads);
      break;
    case r::kDim:
      value = static_cast<std::uint32_t>(p_.hw.rows);
      break;
    case r::kWindow:
      value = static_cast<std::uint32_t>(p_.hw.window_tokens);
      break;
    case r::kStatus:
      value = (busy() ? r::kStatusBusy : 0u) | (done_ ? r::kStatusDone : 0u) |
              (error_code_ != 0 ? r::kStatusError : 0u);
      break;
    case r::kCommand:
      value = command_;
      break;
    case r::kLayer:
      value = layer_;
      break;
    case r::kPosition:
      value = position_;
      break;
    case r::kIrqEnable:
      value = irq_enable_;
      break;
    case r::kIrqStatus:
      value = irq_status_;
      break;
    case r::kErrorCode:
      value = error_code_;
      break;
    case r::kErrorAddr:
      value = error_addr_;
      break;
    case r::kStepCount:
      value = static_cast<std::uint32_t>(stats_.steps());
      break;
    case r::kLastStepPs:
      value = stats_.steps() == 0 ? 0 : to_ps((last.end - last.start).to_seconds() * 1e9);
      break;
    case r::kDmaKAddrLo:
      value = static_cast<std::uint32_t>(dma_k_addr_);
      break;
    case r::kDmaKAddrHi:
      value = static_cast<std::uint32_t>(dma_k_addr_ >> 32);
      break;
    case r::kDmaVAddrLo:
      value = static_cast<std::uint32_t>(dma_v_addr_);
      break;
    case r::kDmaVAddrHi:
      value = static_cast<std::uint32_t>(dma_v_addr_ >> 32);
      break;
    case r::kDmaQAddrLo:
      value = static_cast<std::uint32_t>(dma_q_addr_);
      break;
    case r::kDmaQAddrHi:
      value = static_cast<std::uint32_t>(dma_q_addr_ >> 32);
      break;
    case r::kDmaOutAddrLo:
      value = static_cast<std::uint32_t>(dma_out_addr_);
      break;
    case r::kDmaOutAddrHi:
      value = static_cast<std::uint32_t>(dma_out_addr_ >> 32);
      break;
    case r::kDmaHeadStride:
      value = dma_head_stride_;
      break;
    case r::kDmaLayerStride:
      value = dma_layer_stride_;
      break;
    case r::kDmaStatus:
      value = (dma_.busy() ? r::kDmaStatusActive : 0u) |
              (dma_bus_error_ ? r::kDmaStatusBusError : 0u) |
              (dma_used_dmi_ ? r::kDmaStatusDmi : 0u);
      break;
    case r::kDmaErrorAddrLo:
      value = static_cast<std::uint32_t>(dma_error_addr_);
      break;
    case r::kDmaErrorAddrHi:
      value = static_cast<std::uint32_t>(dma_error_addr_ >> 32);
      break;
    case r::kDmaErrorResp:
      value = dma_error_resp_;
      break;
    case r::kDmaBytes:
      value = dma_bytes_ > 0xFFFFFFFFull ? 0xFFFFFFFFu : static_cast<std::uint32_t>(dma_bytes_);
      break;
    case r::kDmaLastPs:
      value = to_ps(dma_time_.to_seconds() * 1e9);
      break;
    default:
      value = 0;
      break;  // CONTROL, IRQ_CLEAR and reserved words read 0
  }
}

void HostInterface::write_register(tlm::tlm_generic_payload& trans, std::uint64_t off,
                                   std::uint32_t value, const sc_core::sc_time& at) {
  namespace r = regmap;
  switch (off) {
    case r::kControl:
      write_control(trans, value, at);
      return;
    case r::kCommand:
      write_command(trans, value, at);
      return;
    case r::kLayer:
      if (busy()) {
        fail(trans, ErrorCode::Busy, tlm::TLM_GENERIC_ERROR_RESPONSE, at,
             "LAYER cannot change while a command runs");
      } else if (value >= static_cast<std::uint32_t>(p_.layers)) {
        fail(trans, ErrorCode::LayerRange, tlm::TLM_GENERIC_ERROR_RESPONSE, at,
             ("LAYER = " + std::to_string(value) + " but the accelerator holds layers 0.." +
              std::to_string(p_.layers - 1) + " (model.layers)")
                 .c_str());
      } else {
        layer_ = value;
      }
      return;
    case r::kPosition:
      if (busy()) {
        fail(trans, ErrorCode::Busy, tlm::TLM_GENERIC_ERROR_RESPONSE, at,
             "POSITION cannot change while a command runs");
      } else {
        position_ = value;
      }
      return;
    case r::kIrqEnable:
      if (value & ~r::kIrqMask) {
        fail(trans, ErrorCode::BadCommand, tlm::TLM_GENERIC_ERROR_RESPONSE, at,
             "IRQ_ENABLE has bits 0 (DONE) and 1 (ERROR) only");
      } else {
        irq_enable_ = value;
        schedule_irq(at);
      }
      return;
    case r::kIrqClear:
      if (value & ~r::kIrqMask) {
        fail(trans, ErrorCode::BadCommand, tlm::TLM_GENERIC_ERROR_RESPONSE, at,
             "IRQ_CLEAR has bits 0 (DONE) and 1 (ERROR) only");
      } else {
        irq_status_ &= ~value;
        if (value & r::kIrqError) {  // acknowledges the error
          error_code_ = error_addr_ = 0;
          dma_bus_error_ = false;
          dma_error_addr_ = 0;
          dma_error_resp_ = 0;
        }
        schedule_irq(at);
      }
      return;
    default:
      break;
  }
  if (off >= r::kDmaBlock && off < r::kDmaBlockEnd) {
    write_dma_register(trans, off, value, at);
    return;
  }
  const bool read_only = off <= r::kWindow || off == r::kStatus || off == r::kIrqStatus ||
                         off == r::kErrorCode || off == r::kErrorAddr || off == r::kStepCount ||
                         off == r::kLastStepPs ||
                         (off >= r::kPhasePs0 && off < r::kPhasePs0 + 4 * kPhaseCount);
  if (read_only) {
    fail(trans, ErrorCode::ReadOnly, tlm::TLM_COMMAND_ERROR_RESPONSE, at, "read-only register");
  } else {
    fail(trans, ErrorCode::ReservedWrite, tlm::TLM_COMMAND_ERROR_RESPONSE, at,
         "reserved register word");
  }
}

void HostInterface::write_dma_register(tlm::tlm_generic_payload& trans, std::uint64_t off,
                                       std::uint32_t value, const sc_core::sc_time& at) {
  namespace r = regmap;
  auto set_lo = [value](std::uint64_t& a) { a = (a & ~0xFFFFFFFFull) | value; };
  auto set_hi = [value](std::uint64_t& a) {
    a = (a & 0xFFFFFFFFull) | (static_cast<std::uint64_t>(value) << 32);
  };
  const bool descriptor = off >= r::kDmaKAddrLo && off <= r::kDmaLayerStride;
  if (descriptor && busy()) {
    fail(trans, ErrorCode::Busy, tlm::TLM_GENERIC_ERROR_RESPONSE, at,
         "the DMA descriptor cannot change while a command runs; wait for STATUS.DONE");
    return;
  }
  switch (off) {
    case r::kDmaKAddrLo:
      set_lo(dma_k_addr_);
      return;
    case r::kDmaKAddrHi:
      set_hi(dma_k_addr_);
      return;
    case r::kDmaVAddrLo:
      set_lo(dma_v_addr_);
      return;
    case r::kDmaVAddrHi:
      set_hi(dma_v_addr_);
      return;
    case r::kDmaQAddrLo:
      set_lo(dma_q_addr_);
      return;
    case r::kDmaQAddrHi:
      set_hi(dma_q_addr_);
      return;
    case r::kDmaOutAddrLo:
      set_lo(dma_out_addr_);
      return;
    case r::kDmaOutAddrHi:
      set_hi(dma_out_addr_);
      return;
    case r::kDmaHeadStride:
      dma_head_stride_ = value;
      return;
    case r::kDmaLayerStride:
      dma_layer_stride_ = value;
      return;
    case r::kDmaStatus:
    case r::kDmaErrorAddrLo:
    case r::kDmaErrorAddrHi:
    case r::kDmaErrorResp:
    case r::kDmaBytes:
    case r::kDmaLastPs:
      fail(trans, ErrorCode::ReadOnly, tlm::TLM_COMMAND_ERROR_RESPONSE, at,
           "read-only DMA status register");
      return;
    default:
      fail(trans, ErrorCode::ReservedWrite, tlm::TLM_COMMAND_ERROR_RESPONSE, at,
           "reserved DMA register word");
      return;
  }
}

bool HostInterface::finite_words(const float* p, std::size_t n) const {
  // Branch-free (an all-ones exponent is NaN or infinity) so that it vectorises: every command
  // checks its windows, about 2,300 words per GPT-2-small step.
  std::uint32_t bad = 0;
  for (std::size_t i = 0; i < n; ++i) {
    std::uint32_t b;
    std::memcpy(&b, p + i, sizeof b);
    bad |= static_cast<std::uint32_t>((b & 0x7f800000u) == 0x7f800000u);
  }
  return bad == 0;
}

void HostInterface::write_control(tlm::tlm_generic_payload& trans, std::uint32_t value,
                                  const sc_core::sc_time& at) {
  if (busy()) {
    fail(trans, ErrorCode::Busy, tlm::TLM_GENERIC_ERROR_RESPONSE, at,
         "CONTROL actions are refused while a command runs");
    return;
  }
  if (value & ~regmap::kCtrlMask) {
    fail(trans, ErrorCode::BadCommand, tlm::TLM_GENERIC_ERROR_RESPONSE, at,
         "CONTROL has bits 0 (CLEAR_KV) and 1 (SOFT_RESET) only");
    return;
  }
  if (value & (regmap::kCtrlClearKv | regmap::kCtrlSoftReset)) {
    controller_.clear_kv();
    std::fill(last_written_.begin(), last_written_.end(), -1);
  }
  if (value & regmap::kCtrlSoftReset) {
    reset_scalers();
    std::fill(k_.begin(), k_.end(), 0.0f);
    std::fill(v_.begin(), v_.end(), 0.0f);
    std::fill(q_.begin(), q_.end(), 0.0f);
    std::fill(out_.begin(), out_.end(), 0.0f);
    layer_ = position_ = command_ = 0;
    irq_enable_ = irq_status_ = error_code_ = error_addr_ = 0;
    done_ = false;
    dma_k_addr_ = dma_v_addr_ = dma_q_addr_ = dma_out_addr_ = 0;
    dma_head_stride_ = dma_layer_stride_ = 0;
    dma_bus_error_ = dma_used_dmi_ = false;
    dma_error_addr_ = dma_bytes_ = 0;
    dma_error_resp_ = 0;
    dma_time_ = sc_core::SC_ZERO_TIME;
    schedule_irq(at);
  }
}

void HostInterface::write_command(tlm::tlm_generic_payload& trans, std::uint32_t value,
                                  const sc_core::sc_time& at) {
  if (busy()) {
    fail(trans, ErrorCode::Busy, tlm::TLM_GENERIC_ERROR_RESPONSE, at,
         "a command is already running; wait for the DONE interrupt or STATUS.BUSY = 0");
    return;
  }
  if ((value & ~regmap::kCmdMask) || (value & (regmap::kCmdWriteKv | regmap::kCmdAttend)) == 0) {
    fail(trans, ErrorCode::BadCommand, tlm::TLM_GENERIC_ERROR_RESPONSE, at,
         ("COMMAND = " + hex(value) +
          "; valid: 1 (WRITE_KV), 2 (ATTEND), 3 (both), each optionally | 4 (DMA)")
             .c_str());
    return;
  }
  const bool write = value & regmap::kCmdWriteKv;
  const bool attend = value & regmap::kCmdAttend;
  const bool dma = value & regmap::kCmdDma;
  const std::size_t words = p_.window_words();
  const std::size_t scaler_off =
      static_cast<std::size_t>(layer_) * static_cast<std::size_t>(p_.heads) * regmap::kScalerWords;
  // Data written through DMI bypassed the per-access checks: check what the command will use
  // (a DMA command checks its rows when they arrive).
  const char* bad = nullptr;
  if (!dma && write && !finite_words(k_.data(), words)) bad = "the K window";
  if (!dma && write && !finite_words(v_.data(), words)) bad = "the V window";
  if (!dma && attend && !finite_words(q_.data(), words)) bad = "the Q window";
  if (!finite_words(&scalers_[scaler_off],
                    static_cast<std::size_t>(p_.heads) * regmap::kScalerWords)) {
    bad = "the scalers of this layer";
  }
  if (bad) {
    fail(trans, ErrorCode::NanData, tlm::TLM_GENERIC_ERROR_RESPONSE, at,
         (std::string(bad) + " holds NaN or infinity (written through DMI?); command refused")
             .c_str());
    return;
  }
  const std::int64_t pos = position_;
  const std::int64_t last = last_written_[layer_];
  if (write && last >= 0 && pos <= last) {
    fail(trans, ErrorCode::PositionRange, tlm::TLM_GENERIC_ERROR_RESPONSE, at,
         ("POSITION = " + std::to_string(pos) + " must exceed the last position written to layer " +
          std::to_string(layer_) + " (" + std::to_string(last) +
          "): tokens are written in order; CONTROL.CLEAR_KV starts a new sequence")
             .c_str());
    return;
  }
  if (!write && last >= 0 && pos < last) {
    fail(trans, ErrorCode::PositionRange, tlm::TLM_GENERIC_ERROR_RESPONSE, at,
         ("ATTEND at POSITION = " + std::to_string(pos) + " is older than token " +
          std::to_string(last) + " already stored in layer " + std::to_string(layer_) +
          " (it would see future tokens)")
             .c_str());
    return;
  }
  if (dma) {
    const std::string problem = dma_descriptor_problem(write, attend);
    if (!problem.empty()) {
      fail(trans, ErrorCode::DmaDescriptor, tlm::TLM_GENERIC_ERROR_RESPONSE, at, problem.c_str());
      return;
    }
  }
  command_ = value;
  done_ = false;
  dma_prev_last_written_ = last;
  if (write) last_written_[layer_] = pos;
  invalidate_dmi();  // the windows belong to the command until it completes
  StepCommand cmd;
  cmd.layer = static_cast<int>(layer_);
  cmd.position = pos;
  cmd.command = value;
  cmd.k = k_.data();
  cmd.v = v_.data();
  cmd.q = q_.data();
  cmd.scalers = &scalers_[scaler_off];
  cmd.out = out_.data();
  if (!dma) {
    controller_.start(cmd, at);
    return;
  }
  // DMA: fetch the rows into staging buffers first; on_dma_done() commits them and starts the
  // step, whose completion starts the OUT write-back.
  dma_cmd_ = cmd;
  dma_stage_ = DmaStage::Fetch;
  dma_bytes_ = 0;
  dma_time_ = sc_core::SC_ZERO_TIME;
  dma_used_dmi_ = false;
  std::size_t n = 0;
  if (write) {
    dma_segs_[n++] = dma_segment(dma_k_addr_, dma_k_.data());
    dma_segs_[n++] = dma_segment(dma_v_addr_, dma_v_.data());
  }
  if (attend) dma_segs_[n++] = dma_segment(dma_q_addr_, dma_q_.data());
  DmaStatistics& st = stats_.dma_for_update();
  ++st.commands;
  ++st.transfers;
  dma_.start(dma_segs_.data(), n, /*write=*/false, at);
}

// ---------------------------------------------------------------- LT

void HostInterface::b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
  // Under temporal decoupling the initiator may run ahead of a running command: catch up first
  // so that STATUS, OUT and busy checks see the state at the access's own time.
  if (busy() && delay != sc_core::SC_ZERO_TIME) {
    wait(delay);
    delay = sc_core::SC_ZERO_TIME;
  }
  delay += execute(trans, delay);
}

// ---------------------------------------------------------------- AT

tlm::tlm_sync_enum HostInterface::nb_transport_fw(tlm::tlm_generic_payload& trans,
                                                  tlm::tlm_phase& phase, sc_core::sc_time& t) {
  if (phase == tlm::BEGIN_REQ) {
    if (trans.has_mm()) trans.acquire();
    peq_.notify(trans, phase, t);
    return tlm::TLM_ACCEPTED;
  }
  if (phase == tlm::END_RESP) {
    // Handled here: after TLM_COMPLETED the initiator may reuse or destroy the payload.
    (void)t;
    if (&trans != resp_in_progress_) {
      SC_REPORT_ERROR(kMsgType, "END_RESP for a transaction without an open response");
      return tlm::TLM_COMPLETED;
    }
    finish_response();
    return tlm::TLM_COMPLETED;
  }
  SC_REPORT_ERROR(kMsgType, "nb_transport_fw: an initiator may only send BEGIN_REQ and END_RESP");
  return tlm::TLM_COMPLETED;
}

void HostInterface::peq_cb(tlm::tlm_generic_payload& trans, const tlm::tlm_phase& phase) {
  if (phase == tlm::BEGIN_REQ) {
    tlm::tlm_phase ph = tlm::END_REQ;
    sc_core::sc_time t = sc_core::SC_ZERO_TIME;
    socket->nb_transport_bw(trans, ph, t);  // accept the request at once
    const sc_core::sc_time latency = execute(trans, sc_core::SC_ZERO_TIME);
    tlm::tlm_phase resp = tlm::BEGIN_RESP;
    peq_.notify(trans, resp, latency);
  } else if (phase == tlm::BEGIN_RESP) {
    if (resp_in_progress_ != nullptr) {
      resp_queue_.push_back(&trans);  // response exclusion rule
    } else {
      send_response(trans);
    }
  }
}

void HostInterface::send_response(tlm::tlm_generic_payload& trans) {
  resp_in_progress_ = &trans;
  tlm::tlm_phase ph = tlm::BEGIN_RESP;
  sc_core::sc_time t = sc_core::SC_ZERO_TIME;
  const tlm::tlm_sync_enum s = socket->nb_transport_bw(trans, ph, t);
  if (s == tlm::TLM_COMPLETED || (s == tlm::TLM_UPDATED && ph == tlm::END_RESP)) finish_response();
}

void HostInterface::finish_response() {
  tlm::tlm_generic_payload* done = resp_in_progress_;
  resp_in_progress_ = nullptr;
  if (done != nullptr && done->has_mm()) done->release();
  if (!resp_queue_.empty()) {  // the next response goes out in a later delta cycle
    tlm::tlm_generic_payload* next = resp_queue_.front();
    resp_queue_.pop_front();
    tlm::tlm_phase ph = tlm::BEGIN_RESP;
    peq_.notify(*next, ph, sc_core::SC_ZERO_TIME);
  }
}

// ---------------------------------------------------------------- DMI and debug

bool HostInterface::get_direct_mem_ptr(tlm::tlm_generic_payload& trans, tlm::tlm_dmi& dmi) {
  const std::uint64_t addr = trans.get_address();
  const Target t = decode(addr);
  dmi_handed_out_ = true;  // a refusal may be cached too: invalidate later either way
  const bool window = !is_register_block(t.block) && t.block != Block::Unmapped;
  if (window && t.offset < t.used && !busy()) {
    const std::uint64_t base = block_base(t.block);
    dmi.set_dmi_ptr(reinterpret_cast<unsigned char*>(window_data(t.block)));
    dmi.set_start_address(base);
    dmi.set_end_address(base + t.used - 1);
    dmi.set_granted_access(t.block == Block::Out ? tlm::tlm_dmi::DMI_ACCESS_READ
                                                 : tlm::tlm_dmi::DMI_ACCESS_READ_WRITE);
    dmi.set_read_latency(p_.host.dmi_latency());
    dmi.set_write_latency(p_.host.dmi_latency());
    return true;
  }
  dmi.set_granted_access(tlm::tlm_dmi::DMI_ACCESS_NONE);
  if (window && t.offset < t.used) {  // busy: refused for the window until the command ends
    dmi.set_start_address(block_base(t.block));
    dmi.set_end_address(block_base(t.block) + t.used - 1);
  } else if (t.block == Block::Registers) {
    dmi.set_start_address(0);
    dmi.set_end_address(regmap::kRegBlockEnd - 1);
  } else if (t.block == Block::DmaRegisters) {
    dmi.set_start_address(regmap::kDmaBlock);
    dmi.set_end_address(regmap::kDmaBlockEnd - 1);
  } else {
    dmi.set_start_address(addr);
    dmi.set_end_address(addr);
  }
  return false;
}

unsigned int HostInterface::transport_dbg(tlm::tlm_generic_payload& trans) {
  const std::uint64_t addr = trans.get_address();
  const unsigned len = trans.get_data_length();
  unsigned char* data = trans.get_data_ptr();
  const Target t = decode(addr);
  trans.set_response_status(tlm::TLM_OK_RESPONSE);
  if (t.block == Block::Unmapped) {
    trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return 0;
  }
  if (is_register_block(t.block)) {
    if (!trans.is_read()) return 0;  // debug writes would have side effects: not supported
    const unsigned n = static_cast<unsigned>(std::min<std::uint64_t>(len, t.used - addr));
    for (unsigned i = 0; i < n; ++i) {
      std::uint32_t word = 0;
      read_register((addr + i) & ~std::uint64_t{3}, word);
      data[i] = static_cast<unsigned char>(word >> (8 * ((addr + i) & 3)));
    }
    return n;
  }
  if (t.offset >= t.used) {
    trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return 0;
  }
  const unsigned n = static_cast<unsigned>(std::min<std::uint64_t>(len, t.used - t.offset));
  unsigned char* bytes = reinterpret_cast<unsigned char*>(window_data(t.block)) + t.offset;
  if (trans.is_read()) {
    std::memcpy(data, bytes, n);
    return n;
  }
  if (trans.is_write() && t.block != Block::Out) {
    std::memcpy(bytes, data, n);  // NaN reaches the command-time check
    return n;
  }
  return 0;
}

}  // namespace gcattn::sc
