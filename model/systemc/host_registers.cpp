// The register file of the host interface as a table: one entry per 32-bit word of the register
// block and of the DMA register block, with its read value, its write action (none: read-only)
// and whether a write is refused while a command runs. Unlisted words are reserved.
#include <array>

#include "gcattn/systemc/host_interface.h"
#include "host_detail.h"

namespace gcattn::sc {

using detail::to_ps;
using regmap::ErrorCode;

namespace {

constexpr std::size_t kBlockWords = 64;  // each register block is 0x100 bytes
static_assert(regmap::kRegBlockEnd == 4 * kBlockWords &&
                  regmap::kDmaBlockEnd - regmap::kDmaBlock == 4 * kBlockWords,
              "the register table covers both register blocks word by word");

}  // namespace

const HostInterface::Register& HostInterface::find_register(std::uint64_t off) {
  using R = HostInterface;
  using W = RegisterWrite;
  namespace r = regmap;
  struct Tables {
    std::array<Register, kBlockWords> main{}, dma{};
  };
  // Captureless lambdas in a member function: function pointers with access to the members.
  static const Tables tables = [] {
    Tables t;
    auto reg = [&t](std::uint64_t o) -> Register& {
      Register& e = o >= r::kDmaBlock ? t.dma[(o - r::kDmaBlock) / 4] : t.main[o / 4];
      e.defined = true;
      return e;
    };
    auto ro = [&](std::uint64_t o, std::uint32_t (*read)(const R&)) { reg(o).read = read; };
    auto rw = [&](std::uint64_t o, std::uint32_t (*read)(const R&), void (*write)(R&, const W&),
                  const char* busy = nullptr) {
      Register& e = reg(o);
      e.read = read;
      e.write = write;
      e.busy = busy;
    };
    // Register block.
    ro(r::kId, [](const R&) { return r::kIdValue; });
    ro(r::kVersion, [](const R&) { return r::kVersionValue; });
    ro(r::kLayers, [](const R& h) { return static_cast<std::uint32_t>(h.p_.layers); });
    ro(r::kHeads, [](const R& h) { return static_cast<std::uint32_t>(h.p_.heads); });
    ro(r::kDim, [](const R& h) { return static_cast<std::uint32_t>(h.p_.hw.rows); });
    ro(r::kWindow, [](const R& h) { return static_cast<std::uint32_t>(h.p_.hw.window_tokens); });
    rw(
        r::kControl, nullptr, [](R& h, const W& w) { h.write_control(w.trans, w.value, w.at); },
        "CONTROL actions are refused while a command runs");
    ro(r::kStatus, [](const R& h) {
      return (h.busy() ? r::kStatusBusy : 0u) | (h.done_ ? r::kStatusDone : 0u) |
             (h.error_code_ != 0 ? r::kStatusError : 0u);
    });
    rw(
        r::kCommand, [](const R& h) { return h.command_; },
        [](R& h, const W& w) { h.write_command(w.trans, w.value, w.at); },
        "a command is already running; wait for the DONE interrupt or STATUS.BUSY = 0");
    rw(
        r::kLayer, [](const R& h) { return h.layer_; },
        [](R& h, const W& w) {
          if (w.value >= static_cast<std::uint32_t>(h.p_.layers)) {
            h.fail(w.trans, ErrorCode::LayerRange, tlm::TLM_GENERIC_ERROR_RESPONSE, w.at,
                   ("LAYER = " + std::to_string(w.value) + " but the accelerator holds layers 0.." +
                    std::to_string(h.p_.layers - 1) + " (model.layers)")
                       .c_str());
          } else {
            h.layer_ = w.value;
          }
        },
        "LAYER cannot change while a command runs");
    rw(
        r::kPosition, [](const R& h) { return h.position_; },
        [](R& h, const W& w) { h.position_ = w.value; },
        "POSITION cannot change while a command runs");
    rw(
        r::kIrqEnable, [](const R& h) { return h.irq_enable_; },
        [](R& h, const W& w) {
          if (w.value & ~r::kIrqMask) {
            h.fail(w.trans, ErrorCode::BadCommand, tlm::TLM_GENERIC_ERROR_RESPONSE, w.at,
                   "IRQ_ENABLE has bits 0 (DONE) and 1 (ERROR) only");
            return;
          }
          h.irq_enable_ = w.value;
          h.schedule_irq(w.at);
        });
    ro(r::kIrqStatus, [](const R& h) { return h.irq_status_; });
    rw(r::kIrqClear, nullptr, [](R& h, const W& w) {
      if (w.value & ~r::kIrqMask) {
        h.fail(w.trans, ErrorCode::BadCommand, tlm::TLM_GENERIC_ERROR_RESPONSE, w.at,
               "IRQ_CLEAR has bits 0 (DONE) and 1 (ERROR) only");
        return;
      }
      h.irq_status_ &= ~w.value;
      if (w.value & r::kIrqError) {  // acknowledges the error
        h.error_code_ = h.error_addr_ = 0;
        h.dma_bus_error_ = false;
        h.dma_error_addr_ = 0;
        h.dma_error_resp_ = 0;
      }
      h.schedule_irq(w.at);
    });
    ro(r::kErrorCode, [](const R& h) { return h.error_code_; });
    ro(r::kErrorAddr, [](const R& h) { return h.error_addr_; });
    ro(r::kStepCount, [](const R& h) { return static_cast<std::uint32_t>(h.stats_.steps()); });
    ro(r::kLastStepPs, [](const R& h) {
      const StepRecord& last = h.stats_.last_step();
      return h.stats_.steps() == 0 ? 0u : to_ps((last.end - last.start).to_seconds() * 1e9);
    });
    static constexpr std::uint32_t (*phase_ps[])(const R&) = {
        [](const R& h) { return h.phase_ps(0); }, [](const R& h) { return h.phase_ps(1); },
        [](const R& h) { return h.phase_ps(2); }, [](const R& h) { return h.phase_ps(3); },
        [](const R& h) { return h.phase_ps(4); }, [](const R& h) { return h.phase_ps(5); }};
    static_assert(std::size(phase_ps) == kPhaseCount);
    for (std::size_t i = 0; i < kPhaseCount; ++i) ro(r::kPhasePs0 + 4 * i, phase_ps[i]);

    // DMA register block: the descriptor (locked while busy), then the status of the last command.
    constexpr const char* kLocked =
        "the DMA descriptor cannot change while a command runs; wait for STATUS.DONE";
    // A 64-bit address as two words (a macro: the entries are captureless lambdas).
#define GCATTN_DMA_ADDR_REG(LO, HI, MEMBER)                                                  \
  rw(                                                                                        \
      LO, [](const R& h) { return static_cast<std::uint32_t>(h.MEMBER); },                   \
      [](R& h, const W& w) { h.MEMBER = (h.MEMBER & ~0xFFFFFFFFull) | w.value; }, kLocked);  \
  rw(                                                                                        \
      HI, [](const R& h) { return static_cast<std::uint32_t>(h.MEMBER >> 32); },             \
      [](R& h, const W& w) {                                                                 \
        h.MEMBER = (h.MEMBER & 0xFFFFFFFFull) | (static_cast<std::uint64_t>(w.value) << 32); \
      },                                                                                     \
      kLocked)
    GCATTN_DMA_ADDR_REG(r::kDmaKAddrLo, r::kDmaKAddrHi, dma_k_addr_);
    GCATTN_DMA_ADDR_REG(r::kDmaVAddrLo, r::kDmaVAddrHi, dma_v_addr_);
    GCATTN_DMA_ADDR_REG(r::kDmaQAddrLo, r::kDmaQAddrHi, dma_q_addr_);
    GCATTN_DMA_ADDR_REG(r::kDmaOutAddrLo, r::kDmaOutAddrHi, dma_out_addr_);
#undef GCATTN_DMA_ADDR_REG
    rw(
        r::kDmaHeadStride, [](const R& h) { return h.dma_head_stride_; },
        [](R& h, const W& w) { h.dma_head_stride_ = w.value; }, kLocked);
    rw(
        r::kDmaLayerStride, [](const R& h) { return h.dma_layer_stride_; },
        [](R& h, const W& w) { h.dma_layer_stride_ = w.value; }, kLocked);
    ro(r::kDmaStatus, [](const R& h) {
      return (h.dma_.busy() ? r::kDmaStatusActive : 0u) |
             (h.dma_bus_error_ ? r::kDmaStatusBusError : 0u) |
             (h.dma_used_dmi_ ? r::kDmaStatusDmi : 0u);
    });
    ro(r::kDmaErrorAddrLo,
       [](const R& h) { return static_cast<std::uint32_t>(h.dma_error_addr_); });
    ro(r::kDmaErrorAddrHi,
       [](const R& h) { return static_cast<std::uint32_t>(h.dma_error_addr_ >> 32); });
    ro(r::kDmaErrorResp, [](const R& h) { return h.dma_error_resp_; });
    ro(r::kDmaBytes, [](const R& h) {
      return h.dma_bytes_ > 0xFFFFFFFFull ? 0xFFFFFFFFu : static_cast<std::uint32_t>(h.dma_bytes_);
    });
    ro(r::kDmaLastPs, [](const R& h) { return to_ps(h.dma_time_.to_seconds() * 1e9); });
    return t;
  }();
  static const Register reserved{};
  if (off < regmap::kRegBlockEnd) return tables.main[off / 4];
  if (off >= regmap::kDmaBlock && off < regmap::kDmaBlockEnd) {
    return tables.dma[(off - regmap::kDmaBlock) / 4];
  }
  return reserved;
}

std::uint32_t HostInterface::phase_ps(std::size_t phase) const {
  if (stats_.steps() == 0) return 0u;
  // The duration the controller waited (rounded to the time resolution, as sc_time does), so
  // that the phases add up to LAST_STEP_PS and to the interrupt's time at any resolution.
  const sc_core::sc_time waited(stats_.last_step().phase_ns[phase], sc_core::SC_NS);
  return to_ps(waited.to_seconds() * 1e9);
}

void HostInterface::read_register(std::uint64_t off, std::uint32_t& value) const {
  const Register& e = find_register(off);
  value = e.read ? e.read(*this) : 0u;  // CONTROL, IRQ_CLEAR and reserved words read 0
}

void HostInterface::write_register(tlm::tlm_generic_payload& trans, std::uint64_t off,
                                   std::uint32_t value, const sc_core::sc_time& at) {
  const Register& e = find_register(off);
  const bool dma_block = off >= regmap::kDmaBlock;
  if (!e.defined) {
    fail(trans, ErrorCode::ReservedWrite, tlm::TLM_COMMAND_ERROR_RESPONSE, at,
         dma_block ? "reserved DMA register word" : "reserved register word");
  } else if (!e.write) {
    fail(trans, ErrorCode::ReadOnly, tlm::TLM_COMMAND_ERROR_RESPONSE, at,
         dma_block ? "read-only DMA status register" : "read-only register");
  } else if (e.busy && busy()) {
    fail(trans, ErrorCode::Busy, tlm::TLM_GENERIC_ERROR_RESPONSE, at, e.busy);
  } else {
    e.write(*this, RegisterWrite{trans, value, at});
  }
}

}  // namespace gcattn::sc
