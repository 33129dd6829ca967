#include "gcattn/systemc/host_driver.h"

#include <algorithm>
#include <cstring>
#include <sstream>

namespace gcattn::sc {
namespace {

constexpr const char* kMsgType = "gcattn/host_driver";

/// Index of the DMI cache entry of a data window address, or -1.
int dmi_slot(std::uint64_t addr) {
  if (addr >= regmap::kScalerWindow && addr < regmap::kScalerWindow + regmap::kScalerWindowSize)
    return 4;
  if (addr >= regmap::kKWindow && addr < regmap::kOutWindow + regmap::kDataWindowSize) {
    return static_cast<int>((addr - regmap::kKWindow) / regmap::kDataWindowSize);
  }
  return -1;
}

}  // namespace

HostDriver::HostDriver(const sc_core::sc_module_name& name, Coding coding)
    : sc_core::sc_module(name),
      socket("socket"),
      irq("irq"),
      coding_(coding),
      poll_(10, sc_core::SC_NS) {
  socket.register_nb_transport_bw(this, &HostDriver::nb_transport_bw);
  socket.register_invalidate_direct_mem_ptr(this, &HostDriver::invalidate_direct_mem_ptr);
  qk_.reset();
}

void HostDriver::set_quantum(const sc_core::sc_time& q) {
  qk_.own = true;
  qk_.quantum = q;
  qk_.reset();
}

sc_core::sc_time HostDriver::local_time() const {
  return coding_ == Coding::LooselyTimed ? qk_.get_current_time() : sc_core::sc_time_stamp();
}

void HostDriver::sync() {
  if (coding_ == Coding::LooselyTimed) qk_.sync();
}

void HostDriver::transport(tlm::tlm_generic_payload& trans) {
  if (coding_ == Coding::ApproximatelyTimed) {
    transport_at(trans);
    return;
  }
  sc_core::sc_time delay = qk_.get_local_time();
  socket->b_transport(trans, delay);
  qk_.set(delay);  // the target may have synchronised (delay shrunk) or added latency
  if (qk_.need_sync()) qk_.sync();
}

void HostDriver::transport_at(tlm::tlm_generic_payload& trans) {
  at_trans_ = &trans;
  at_end_req_ = at_begin_resp_ = false;
  tlm::tlm_phase ph = tlm::BEGIN_REQ;
  sc_core::sc_time t = sc_core::SC_ZERO_TIME;
  const tlm::tlm_sync_enum s = socket->nb_transport_fw(trans, ph, t);
  if (s == tlm::TLM_COMPLETED) {
    wait(t);
    at_trans_ = nullptr;
    return;
  }
  if (s == tlm::TLM_UPDATED) {
    if (ph == tlm::END_REQ) at_end_req_ = true;
    if (ph == tlm::BEGIN_RESP) at_end_req_ = at_begin_resp_ = true;
    if (t != sc_core::SC_ZERO_TIME) wait(t);
  }
  while (!at_begin_resp_) wait(at_ev_);
  ph = tlm::END_RESP;
  t = sc_core::SC_ZERO_TIME;
  socket->nb_transport_fw(trans, ph, t);
  at_trans_ = nullptr;
}

tlm::tlm_sync_enum HostDriver::nb_transport_bw(tlm::tlm_generic_payload& trans,
                                               tlm::tlm_phase& phase, sc_core::sc_time& t) {
  if (&trans != at_trans_) {
    SC_REPORT_ERROR(kMsgType, "nb_transport_bw for a transaction that is not outstanding");
    return tlm::TLM_COMPLETED;
  }
  if (phase == tlm::END_REQ) {
    at_end_req_ = true;
  } else if (phase == tlm::BEGIN_RESP) {
    at_end_req_ = at_begin_resp_ = true;  // BEGIN_RESP implies END_REQ
  } else {
    SC_REPORT_ERROR(kMsgType, "nb_transport_bw: a target may only send END_REQ and BEGIN_RESP");
  }
  at_ev_.notify(t);
  return tlm::TLM_ACCEPTED;  // END_RESP follows on the forward path
}

void HostDriver::invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end) {
  ++dmi_invalidations_;
  for (auto& r : dmi_) {
    if (r.valid && r.dmi.get_start_address() <= end && r.dmi.get_end_address() >= start)
      r.valid = false;
  }
}

bool HostDriver::dmi_copy(tlm::tlm_command cmd, std::uint64_t addr, unsigned char* data,
                          unsigned int len) {
  const int slot = dmi_slot(addr);
  if (slot < 0 || len == 0 || addr % 4 != 0 || len % 4 != 0) return false;
  DmiRegion& r = dmi_[slot];
  if (!r.valid) {
    tlm::tlm_generic_payload req;
    req.set_command(cmd);
    req.set_address(addr);
    r.dmi.init();
    r.valid = socket->get_direct_mem_ptr(req, r.dmi);
    if (!r.valid) return false;
  }
  const bool allowed =
      cmd == tlm::TLM_READ_COMMAND ? r.dmi.is_read_allowed() : r.dmi.is_write_allowed();
  if (!allowed || addr < r.dmi.get_start_address() || addr + len - 1 > r.dmi.get_end_address())
    return false;
  unsigned char* p = r.dmi.get_dmi_ptr() + (addr - r.dmi.get_start_address());
  if (cmd == tlm::TLM_READ_COMMAND) {
    std::memcpy(data, p, len);
  } else {
    std::memcpy(p, data, len);
  }
  // One DMI access per burst copy.
  const sc_core::sc_time lat =
      cmd == tlm::TLM_READ_COMMAND ? r.dmi.get_read_latency() : r.dmi.get_write_latency();
  if (coding_ == Coding::LooselyTimed) {
    qk_.inc(lat);
    if (qk_.need_sync()) qk_.sync();
  } else {
    wait(lat);
  }
  return true;
}

tlm::tlm_response_status HostDriver::access(tlm::tlm_command cmd, std::uint64_t addr,
                                            unsigned char* data, unsigned int len) {
  if (use_dmi_ && dmi_copy(cmd, addr, data, len)) return tlm::TLM_OK_RESPONSE;
  tlm::tlm_generic_payload& trans = trans_;  // reused: a payload allocates its extension array
  trans.set_command(cmd);
  trans.set_address(addr);
  trans.set_data_ptr(data);
  trans.set_data_length(len);
  trans.set_streaming_width(len);
  trans.set_byte_enable_ptr(nullptr);
  trans.set_byte_enable_length(0);
  trans.set_dmi_allowed(false);
  trans.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  transport(trans);
  return trans.get_response_status();
}

namespace {

std::string describe(tlm::tlm_command cmd, std::uint64_t addr, tlm::tlm_response_status st,
                     std::uint32_t code) {
  std::ostringstream os;
  os << (cmd == tlm::TLM_READ_COMMAND ? "read" : "write") << " at 0x" << std::hex << addr
     << std::dec << " failed: " << regmap::response_status_name(st) << ", ERROR_CODE " << code
     << " (" << regmap::error_name(static_cast<regmap::ErrorCode>(code)) << ")";
  return os.str();
}

}  // namespace

void HostDriver::checked_access(tlm::tlm_command cmd, std::uint64_t addr, unsigned char* data,
                                unsigned int len) {
  const tlm::tlm_response_status st = access(cmd, addr, data, len);
  if (st == tlm::TLM_OK_RESPONSE) return;
  std::uint32_t code = 0;
  tlm::tlm_generic_payload dbg;
  dbg.set_command(tlm::TLM_READ_COMMAND);
  dbg.set_address(regmap::kErrorCode);
  dbg.set_data_ptr(reinterpret_cast<unsigned char*>(&code));
  dbg.set_data_length(4);
  socket->transport_dbg(dbg);
  throw HostAccessError(describe(cmd, addr, st, code), st, static_cast<regmap::ErrorCode>(code));
}

std::uint32_t HostDriver::read32(std::uint64_t addr) {
  std::uint32_t v = 0;
  checked_access(tlm::TLM_READ_COMMAND, addr, reinterpret_cast<unsigned char*>(&v), 4);
  return v;
}

void HostDriver::write32(std::uint64_t addr, std::uint32_t value) {
  checked_access(tlm::TLM_WRITE_COMMAND, addr, reinterpret_cast<unsigned char*>(&value), 4);
}

void HostDriver::write_floats(std::uint64_t addr, const float* data, std::size_t n) {
  // The payload's data pointer is non-const; a write only reads from it.
  auto* p = reinterpret_cast<unsigned char*>(const_cast<float*>(data));
  checked_access(tlm::TLM_WRITE_COMMAND, addr, p, static_cast<unsigned>(n * sizeof(float)));
}

void HostDriver::read_floats(std::uint64_t addr, float* data, std::size_t n) {
  checked_access(tlm::TLM_READ_COMMAND, addr, reinterpret_cast<unsigned char*>(data),
                 static_cast<unsigned>(n * sizeof(float)));
}

HostDriver::Geometry HostDriver::identify() {
  const std::uint32_t id = read32(regmap::kId);
  if (id != regmap::kIdValue) {
    std::ostringstream os;
    os << "ID register reads 0x" << std::hex << id << ", expected 0x" << regmap::kIdValue
       << ": the socket is not bound to a gcattn accelerator";
    throw HostAccessError(os.str(), tlm::TLM_OK_RESPONSE, regmap::ErrorCode::None);
  }
  const std::uint32_t version = read32(regmap::kVersion);
  if ((version >> 16) != (regmap::kVersionValue >> 16)) {
    throw HostAccessError("register map major version " + std::to_string(version >> 16) +
                              ", driver supports " + std::to_string(regmap::kVersionValue >> 16),
                          tlm::TLM_OK_RESPONSE, regmap::ErrorCode::None);
  }
  geo_.layers = static_cast<int>(read32(regmap::kLayers));
  geo_.heads = static_cast<int>(read32(regmap::kHeads));
  geo_.dim = static_cast<int>(read32(regmap::kDim));
  geo_.window = static_cast<int>(read32(regmap::kWindow));
  return geo_;
}

void HostDriver::set_scalers(int layer, int head, const HeadScalers& s) {
  if (geo_.heads == 0) identify();
  float w[regmap::kScalerWords];
  regmap::pack_scalers(s, w);
  const std::uint64_t index =
      static_cast<std::uint64_t>(layer) * static_cast<std::uint64_t>(geo_.heads) +
      static_cast<std::uint64_t>(head);
  write_floats(regmap::kScalerWindow + index * regmap::kScalerWords * sizeof(float), w,
               regmap::kScalerWords);
}

void HostDriver::step(int layer, std::uint32_t position, std::uint32_t command, const float* k,
                      const float* v, const float* q, float* out) {
  if (geo_.heads == 0) identify();
  if (!irq_enabled_ && irq.size() > 0) enable_irq();
  const std::size_t n = geo_.words();
  if (command & regmap::kCmdWriteKv) {
    write_floats(regmap::kKWindow, k, n);
    write_floats(regmap::kVWindow, v, n);
  }
  if (command & regmap::kCmdAttend) write_floats(regmap::kQWindow, q, n);
  write32(regmap::kLayer, static_cast<std::uint32_t>(layer));
  write32(regmap::kPosition, position);
  write32(regmap::kCommand, command);
  wait_done();
  if ((command & regmap::kCmdAttend) && out != nullptr) read_floats(regmap::kOutWindow, out, n);
  if (irq_enabled_) write32(regmap::kIrqClear, regmap::kIrqDone);
}

bool HostDriver::enable_irq() {
  if (irq.size() == 0) return false;
  if (irq_enabled_) return true;
  write32(regmap::kIrqClear, regmap::kIrqDone);  // a DONE latched earlier would fire at once
  write32(regmap::kIrqEnable, regmap::kIrqDone);
  irq_enabled_ = true;
  return true;
}

void HostDriver::wait_done() {
  if (irq.size() > 0 && irq_enabled_) {
    sync();
    while (!irq->read()) wait(irq->value_changed_event());
    return;
  }
  while (read32(regmap::kStatus) & regmap::kStatusBusy) {
    if (coding_ == Coding::LooselyTimed) {
      qk_.inc(poll_);
      if (qk_.need_sync()) qk_.sync();
    } else {
      wait(poll_);
    }
  }
}

}  // namespace gcattn::sc
