#include "gcattn/systemc/register_map.h"

#include <utility>

#include "gcattn/timing/phase_schedule.h"

namespace gcattn::sc::regmap {

const char* error_name(ErrorCode e) {
  switch (e) {
    case ErrorCode::None:
      return "none";
    case ErrorCode::UnmappedAddress:
      return "unmapped address";
    case ErrorCode::AccessWidth:
      return "access width";
    case ErrorCode::Misaligned:
      return "misaligned address";
    case ErrorCode::ByteEnable:
      return "byte enables not supported";
    case ErrorCode::ReadOnly:
      return "write to read-only location";
    case ErrorCode::ReservedWrite:
      return "write to reserved register";
    case ErrorCode::Busy:
      return "busy";
    case ErrorCode::LayerRange:
      return "layer out of range";
    case ErrorCode::PositionRange:
      return "position out of range";
    case ErrorCode::NanData:
      return "NaN or infinity in data";
    case ErrorCode::BadCommand:
      return "bad command";
    case ErrorCode::DmaBusError:
      return "DMA bus error";
    case ErrorCode::DmaDescriptor:
      return "bad DMA descriptor";
  }
  return "unknown";
}

const char* response_status_name(tlm::tlm_response_status s) {
  switch (s) {
    case tlm::TLM_OK_RESPONSE:
      return "TLM_OK_RESPONSE";
    case tlm::TLM_INCOMPLETE_RESPONSE:
      return "TLM_INCOMPLETE_RESPONSE (the target did not set a response)";
    case tlm::TLM_GENERIC_ERROR_RESPONSE:
      return "TLM_GENERIC_ERROR_RESPONSE";
    case tlm::TLM_ADDRESS_ERROR_RESPONSE:
      return "TLM_ADDRESS_ERROR_RESPONSE";
    case tlm::TLM_COMMAND_ERROR_RESPONSE:
      return "TLM_COMMAND_ERROR_RESPONSE";
    case tlm::TLM_BURST_ERROR_RESPONSE:
      return "TLM_BURST_ERROR_RESPONSE";
    case tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE:
      return "TLM_BYTE_ENABLE_ERROR_RESPONSE";
  }
  return "an unknown TLM response";
}

std::string address_name(std::uint64_t a) {
  static constexpr std::pair<std::uint64_t, const char*> kRegisters[] = {
      {kId, "ID"},
      {kVersion, "VERSION"},
      {kLayers, "LAYERS"},
      {kHeads, "HEADS"},
      {kDim, "DIM"},
      {kWindow, "WINDOW"},
      {kControl, "CONTROL"},
      {kStatus, "STATUS"},
      {kCommand, "COMMAND"},
      {kLayer, "LAYER"},
      {kPosition, "POSITION"},
      {kIrqEnable, "IRQ_ENABLE"},
      {kIrqStatus, "IRQ_STATUS"},
      {kIrqClear, "IRQ_CLEAR"},
      {kErrorCode, "ERROR_CODE"},
      {kErrorAddr, "ERROR_ADDR"},
      {kStepCount, "STEP_COUNT"},
      {kLastStepPs, "LAST_STEP_PS"},
      {kDmaKAddrLo, "DMA_K_ADDR_LO"},
      {kDmaKAddrHi, "DMA_K_ADDR_HI"},
      {kDmaVAddrLo, "DMA_V_ADDR_LO"},
      {kDmaVAddrHi, "DMA_V_ADDR_HI"},
      {kDmaQAddrLo, "DMA_Q_ADDR_LO"},
      {kDmaQAddrHi, "DMA_Q_ADDR_HI"},
      {kDmaOutAddrLo, "DMA_OUT_ADDR_LO"},
      {kDmaOutAddrHi, "DMA_OUT_ADDR_HI"},
      {kDmaHeadStride, "DMA_HEAD_STRIDE"},
      {kDmaLayerStride, "DMA_LAYER_STRIDE"},
      {kDmaStatus, "DMA_STATUS"},
      {kDmaErrorAddrLo, "DMA_ERROR_ADDR_LO"},
      {kDmaErrorAddrHi, "DMA_ERROR_ADDR_HI"},
      {kDmaErrorResp, "DMA_ERROR_RESP"},
      {kDmaBytes, "DMA_BYTES"},
      {kDmaLastPs, "DMA_LAST_PS"}};
  for (const auto& [addr, name] : kRegisters) {
    if (a == addr) return name;
  }
  if (a >= kPhasePs0 && a < kPhasePs0 + 4 * gcattn::kPhaseCount && a % 4 == 0)
    return "PHASE_PS" + std::to_string((a - kPhasePs0) / 4);
  if (a < kRegBlockEnd || (a >= kDmaBlock && a < kDmaBlockEnd)) return "reserved";
  static constexpr std::pair<std::uint64_t, const char*> kWindows[] = {
      {kKWindow, "K"}, {kVWindow, "V"}, {kQWindow, "Q"}, {kOutWindow, "OUT"}};
  for (const auto& [base, name] : kWindows) {
    if (a >= base && a < base + kDataWindowSize) return name;
  }
  if (a >= kScalerWindow && a < kScalerWindow + kScalerWindowSize) return "SCALERS";
  return "unmapped";
}

void pack_scalers(const HeadScalers& s, float* w) {
  w[kQGain] = static_cast<float>(s.q.gain);
  w[kQOffset] = static_cast<float>(s.q.offset);
  w[kKGain] = static_cast<float>(s.k.gain);
  w[kKOffset] = static_cast<float>(s.k.offset);
  w[kVGain] = static_cast<float>(s.v.gain);
  w[kVOffset] = static_cast<float>(s.v.offset);
  w[kOutGain] = static_cast<float>(s.out.gain);
  w[kOutOffset] = static_cast<float>(s.out.offset);
}

HeadScalers unpack_scalers(const float* w) {
  HeadScalers h;
  h.q = {w[kQGain], w[kQOffset]};
  h.k = {w[kKGain], w[kKOffset]};
  h.v = {w[kVGain], w[kVOffset]};
  h.out = {w[kOutGain], w[kOutOffset]};
  return h;
}

}  // namespace gcattn::sc::regmap
