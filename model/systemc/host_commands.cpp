// Command sequencing of the host interface: COMMAND and CONTROL writes, the step's completion,
// and the stages of a COMMAND.DMA (fetch, step, write-back).
#include "gcattn/systemc/host_interface.h"

#include <algorithm>
#include <string>

#include "gcattn/numerics/finite_scan.h"
#include "host_detail.h"

namespace gcattn::sc {

using detail::hex;
using detail::kMsgType;
using regmap::ErrorCode;

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
    const std::size_t i = first_nonfinite_f32(b.data.data(), words);
    if (i == words) continue;
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
  if (write) {
    std::copy(dma_k_.begin(), dma_k_.end(), k_.begin());
    std::copy(dma_v_.begin(), dma_v_.end(), v_.begin());
  }
  if (attend) std::copy(dma_q_.begin(), dma_q_.end(), q_.begin());
  dma_stage_ = DmaStage::Step;
  controller_.start(dma_cmd_, sc_core::SC_ZERO_TIME);
}

// Called by the register table, which refuses CONTROL and COMMAND writes while busy.
void HostInterface::write_control(tlm::tlm_generic_payload& trans, std::uint32_t value,
                                  const sc_core::sc_time& at) {
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
  // Data written through DMI (or debug writes) bypassed the per-access checks: check what the
  // command will use (a DMA command checks its rows when they arrive). Without such a write
  // since the last accepted command every word passed a burst's check: nothing to scan.
  const char* bad = nullptr;
  auto finite = [](const float* p, std::size_t n) { return first_nonfinite_f32(p, n) == n; };
  if (windows_unchecked_) {
    if (!dma && write && !finite(k_.data(), words)) bad = "the K window";
    if (!dma && write && !finite(v_.data(), words)) bad = "the V window";
    if (!dma && attend && !finite(q_.data(), words)) bad = "the Q window";
    if (!finite(&scalers_[scaler_off], static_cast<std::size_t>(p_.heads) * regmap::kScalerWords)) {
      bad = "the scalers of this layer";
    }
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
  // No DMI pointer is left to write through: once K, V, Q (checked above) and every layer's
  // scalers are known finite, later commands need not scan them again until the next DMI grant
  // or debug write. Otherwise the flag stays for the next command.
  if (windows_unchecked_ && !dma && write && attend && finite(scalers_.data(), scalers_.size())) {
    windows_unchecked_ = false;
  }
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

}  // namespace gcattn::sc
