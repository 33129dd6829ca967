#include "gcattn/systemc/dma_engine.h"

#include <algorithm>
#include <cstring>
#include <string>

namespace gcattn::sc {
namespace {

constexpr const char* kMsgType = "gcattn/dma_engine";

}  // namespace

void DmaEngine::report_error(const char* what) const {
  SC_REPORT_ERROR(kMsgType, (std::string(name()) + ": " + what).c_str());
}

DmaEngine::DmaEngine(const sc_core::sc_module_name& name, const AcceleratorParams& params)
    : sc_core::sc_module(name), socket("socket"), p_(params), state_("state", 0) {
  socket.register_invalidate_direct_mem_ptr(this, &DmaEngine::invalidate_direct_mem_ptr);
  SC_THREAD(run);
}

void DmaEngine::start(const DmaSegment* segments, std::size_t count, bool write,
                      const sc_core::sc_time& delay) {
  if (busy_) report_error("start() while a transfer runs (host interface bug)");
  if (!bound()) report_error("start() with an unbound socket (host interface bug)");
  if (count > kMaxSegments) report_error("start(): too many segments");
  std::copy_n(segments, count, seg_.begin());
  nseg_ = count;
  write_ = write;
  busy_ = true;
  start_ev_.notify(delay);
}

int DmaEngine::dmi_regions() const {
  return static_cast<int>(
      std::count_if(dmi_.begin(), dmi_.end(), [](const DmiRegion& r) { return r.valid; }));
}

void DmaEngine::invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end) {
  for (auto& r : dmi_) {
    if (r.valid && r.dmi.get_start_address() <= end && r.dmi.get_end_address() >= start)
      r.valid = false;
  }
  for (auto& r : refused_) {
    if (r.valid && r.start <= end && r.end >= start) r.valid = false;
  }
}

bool DmaEngine::dmi_refused(std::uint64_t addr) const {
  return std::any_of(refused_.begin(), refused_.end(), [addr](const Refusal& r) {
    return r.valid && r.start <= addr && addr <= r.end;
  });
}

bool DmaEngine::dmi_copy(std::uint64_t addr, unsigned char* data, unsigned len) {
  const std::uint64_t last = addr + len - 1;
  for (auto& r : dmi_) {
    if (!r.valid || addr < r.dmi.get_start_address() || last > r.dmi.get_end_address()) continue;
    if (write_ ? !r.dmi.is_write_allowed() : !r.dmi.is_read_allowed()) continue;
    unsigned char* p = r.dmi.get_dmi_ptr() + (addr - r.dmi.get_start_address());
    if (write_) {
      std::memcpy(p, data, len);
    } else {
      std::memcpy(data, p, len);
    }
    // One pointer access per burst, like HostDriver's DMI copies.
    const sc_core::sc_time start = sc_core::sc_time_stamp() + qk_.get_local_time();
    qk_.inc(write_ ? r.dmi.get_write_latency() : r.dmi.get_read_latency());
    if (timeline_) report_burst(start, addr, len, true, tlm::TLM_OK_RESPONSE);
    if (qk_.need_sync()) qk_.sync();
    return true;
  }
  return false;
}

void DmaEngine::report_burst(const sc_core::sc_time& start, std::uint64_t addr, unsigned len,
                             bool dmi, tlm::tlm_response_status status) {
  timeline_->dma_burst(DmaBurstEvent{start, sc_core::sc_time_stamp() + qk_.get_local_time(), write_,
                                     addr, len, dmi, status});
}

bool DmaEngine::burst(std::uint64_t addr, unsigned char* data, unsigned len, DmaResult& r) {
  if (p_.dma.use_dmi && dmi_copy(addr, data, len)) {
    r.bytes += len;
    ++r.bursts;
    ++r.dmi_bursts;
    return true;
  }
  tlm::tlm_generic_payload& t = trans_;
  t.set_command(write_ ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
  t.set_address(addr);
  t.set_data_ptr(data);
  t.set_data_length(len);
  t.set_streaming_width(len);
  t.set_byte_enable_ptr(nullptr);
  t.set_byte_enable_length(0);
  t.set_dmi_allowed(false);
  t.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  sc_core::sc_time delay = qk_.get_local_time();
  const sc_core::sc_time start = sc_core::sc_time_stamp() + delay;
  socket->b_transport(t, delay);
  qk_.set(delay);  // the target may have synchronised (delay shrunk) or added its latency
  if (timeline_) report_burst(start, addr, len, false, t.get_response_status());
  if (qk_.need_sync()) qk_.sync();
  if (!t.is_response_ok()) {
    r.ok = false;
    r.error_address = addr;
    r.status = t.get_response_status();
    return false;
  }
  r.bytes += len;
  ++r.bursts;
  if (p_.dma.use_dmi && t.is_dmi_allowed() && !dmi_refused(addr)) {
    // The target offers direct access: ask for a pointer for the next bursts.
    DmiRegion& slot = dmi_[dmi_next_];
    slot.dmi.init();
    t.set_address(addr);
    slot.valid = socket->get_direct_mem_ptr(t, slot.dmi);
    if (slot.valid) {
      dmi_next_ = (dmi_next_ + 1) % dmi_.size();
    } else {
      // A refusal holds for its range until the target invalidates it (TLM-2.0 DMI rules); a
      // range that does not contain the address is taken as the address alone.
      Refusal& r = refused_[refused_next_];
      const bool covers =
          slot.dmi.get_start_address() <= addr && addr <= slot.dmi.get_end_address();
      r = {true, covers ? slot.dmi.get_start_address() : addr,
           covers ? slot.dmi.get_end_address() : addr};
      refused_next_ = (refused_next_ + 1) % refused_.size();
    }
  }
  return true;
}

void DmaEngine::run() {
  const sc_core::sc_time setup = p_.host.clock_period * p_.dma.setup_cycles;
  const std::uint64_t max_burst = p_.dma.max_burst_bytes;
  for (;;) {
    wait(start_ev_);
    DmaResult r;
    r.start = sc_core::sc_time_stamp();
    state_.write(write_ ? 2 : 1);
    qk_.reset();
    qk_.inc(setup);
    for (std::size_t s = 0; s < nseg_ && r.ok; ++s) {
      const DmaSegment& g = seg_[s];
      const bool contiguous = g.rows <= 1 || g.stride == g.row_bytes;
      const unsigned runs = contiguous ? 1u : g.rows;  // address-contiguous pieces
      const std::uint64_t run_bytes =
          contiguous ? std::uint64_t{g.rows} * g.row_bytes : std::uint64_t{g.row_bytes};
      for (unsigned i = 0; i < runs && r.ok; ++i) {
        const std::uint64_t base = g.address + std::uint64_t{i} * g.stride;
        unsigned char* data = g.data + std::uint64_t{i} * g.row_bytes;
        for (std::uint64_t off = 0; off < run_bytes && r.ok; off += max_burst) {
          const auto len = static_cast<unsigned>(std::min(max_burst, run_bytes - off));
          burst(base + off, data + off, len, r);
        }
      }
    }
    qk_.sync();  // the transfer ends at the engine's local time
    r.end = sc_core::sc_time_stamp();
    state_.write(0);
    busy_ = false;
    if (done_) done_(r);
  }
}

}  // namespace gcattn::sc
