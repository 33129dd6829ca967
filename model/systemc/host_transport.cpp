// The TLM-2.0 adapter of the host interface: b_transport, nb_transport (AT), DMI and debug
// accesses, and the shape checks every access goes through before the register file or a window.
#include "gcattn/systemc/host_interface.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <utility>

#include "gcattn/numerics/finite_scan.h"
#include "host_detail.h"

namespace gcattn::sc {

using detail::hex;
using detail::kMsgType;
using regmap::ErrorCode;

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
    const std::size_t bad = first_nonfinite_f32(data, len / 4);
    if (bad != len / 4) {
      fail(trans, ErrorCode::NanData, tlm::TLM_GENERIC_ERROR_RESPONSE, at,
           ("word " + std::to_string(bad) + " of the burst is NaN or infinite; nothing was written")
               .c_str());
      return latency;
    }
    std::memcpy(bytes, data, len);
  }
  trans.set_response_status(tlm::TLM_OK_RESPONSE);
  trans.set_dmi_allowed(t.block != Block::Out || trans.is_read());
  return latency;
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
    if (&trans != resp_in_progress_) {
      SC_REPORT_ERROR(
          kMsgType,
          (std::string(name()) + ": END_RESP for a transaction without an open response").c_str());
      return tlm::TLM_COMPLETED;
    }
    finish_response(t);
    return tlm::TLM_COMPLETED;
  }
  SC_REPORT_ERROR(kMsgType, (std::string(name()) +
                             ": nb_transport_fw: an initiator may only send BEGIN_REQ and END_RESP")
                                .c_str());
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
    if (resp_in_progress_ != nullptr || resp_blocked_) {
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
  if (s == tlm::TLM_COMPLETED || (s == tlm::TLM_UPDATED && ph == tlm::END_RESP)) {
    finish_response(t);
  }
}

void HostInterface::finish_response(const sc_core::sc_time& t) {
  tlm::tlm_generic_payload* done = resp_in_progress_;
  resp_in_progress_ = nullptr;
  if (done != nullptr && done->has_mm()) done->release();
  if (t != sc_core::SC_ZERO_TIME) {
    // The END_RESP takes effect t from now: no response may begin before then.
    resp_blocked_ = true;
    resp_free_ev_.notify(t);
    return;
  }
  next_response();
}

void HostInterface::end_resp_effective() {
  resp_blocked_ = false;
  next_response();
}

void HostInterface::next_response() {
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
    if (t.block != Block::Out) windows_unchecked_ = true;  // writes through it are not checked
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
  } else {  // unmapped: refused for the whole gap, so that it is asked for once
    const auto [lo, hi] = unmapped_span(addr);
    dmi.set_start_address(lo);
    dmi.set_end_address(hi);
  }
  return false;
}

std::pair<std::uint64_t, std::uint64_t> HostInterface::unmapped_span(std::uint64_t addr) const {
  const std::uint64_t data = p_.window_words() * sizeof(float);
  const std::pair<std::uint64_t, std::uint64_t> mapped[] = {
      // [start, end), ascending
      {0, regmap::kRegBlockEnd},
      {regmap::kDmaBlock, regmap::kDmaBlockEnd},
      {regmap::kKWindow, regmap::kKWindow + data},
      {regmap::kVWindow, regmap::kVWindow + data},
      {regmap::kQWindow, regmap::kQWindow + data},
      {regmap::kOutWindow, regmap::kOutWindow + data},
      {regmap::kScalerWindow, regmap::kScalerWindow + scalers_.size() * sizeof(float)}};
  if (addr >= regmap::kAddressSpace) return {regmap::kAddressSpace, ~std::uint64_t{0}};
  std::uint64_t lo = 0, hi = regmap::kAddressSpace - 1;
  for (const auto& [start, end] : mapped) {
    if (end <= addr) lo = std::max(lo, end);
    if (start > addr) hi = std::min(hi, start - 1);
  }
  return {lo, hi};
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
    windows_unchecked_ = true;
    return n;
  }
  return 0;
}

}  // namespace gcattn::sc
