#pragma once
// The host interface's address map as C++ constants. The values come from the plain C header
// gcattn/gcattn_regs.h (the single source of truth, also for bare-metal drivers);
// docs/register-map.md is checked against it by a test.
#include <cstdint>
#include <string>

#include <tlm>

#include "gcattn/config/hardware_params.h"

#include "gcattn/gcattn_regs.h"

namespace gcattn::sc::regmap {

// --- Register block: 0x0000 - 0x00FF (undefined words in it are reserved) ---
constexpr std::uint64_t kId = GCATTN_REG_ID;                 // RO  identification, kIdValue
constexpr std::uint64_t kVersion = GCATTN_REG_VERSION;       // RO  major << 16 | minor << 8 | patch
constexpr std::uint64_t kLayers = GCATTN_REG_LAYERS;         // RO  model.layers
constexpr std::uint64_t kHeads = GCATTN_REG_HEADS;           // RO  model.heads
constexpr std::uint64_t kDim = GCATTN_REG_DIM;               // RO  head dimension (array.rows)
constexpr std::uint64_t kWindow = GCATTN_REG_WINDOW;         // RO  window tokens M
constexpr std::uint64_t kControl = GCATTN_REG_CONTROL;       // RW  kCtrl* bits (self-clearing)
constexpr std::uint64_t kStatus = GCATTN_REG_STATUS;         // RO  kStatus* bits
constexpr std::uint64_t kCommand = GCATTN_REG_COMMAND;       // RW  kCmd* bits; a write starts it
constexpr std::uint64_t kLayer = GCATTN_REG_LAYER;           // RW  layer of the next command
constexpr std::uint64_t kPosition = GCATTN_REG_POSITION;     // RW  token position t
constexpr std::uint64_t kIrqEnable = GCATTN_REG_IRQ_ENABLE;  // RW  kIrq* bits
constexpr std::uint64_t kIrqStatus = GCATTN_REG_IRQ_STATUS;  // RO  kIrq* bits (latched)
constexpr std::uint64_t kIrqClear = GCATTN_REG_IRQ_CLEAR;    // WO  write 1 to clear kIrq* bits
constexpr std::uint64_t kErrorCode = GCATTN_REG_ERROR_CODE;  // RO  ErrorCode of the latest error
constexpr std::uint64_t kErrorAddr = GCATTN_REG_ERROR_ADDR;  // RO  address that caused it
constexpr std::uint64_t kStepCount = GCATTN_REG_STEP_COUNT;  // RO  completed commands
constexpr std::uint64_t kLastStepPs = GCATTN_REG_LAST_STEP_PS;  // RO  last command's step, ps
constexpr std::uint64_t kPhasePs0 = GCATTN_REG_PHASE_PS0;       // RO  6 words: phase durations, ps
constexpr std::uint64_t kRegBlockEnd = GCATTN_REGS_BASE + GCATTN_REGS_SIZE;

// --- DMA register block: 0x1000 - 0x10FF (descriptor RW, locked while busy; status RO) ---
constexpr std::uint64_t kDmaBlock = GCATTN_DMA_REGS_BASE;
constexpr std::uint64_t kDmaBlockEnd = GCATTN_DMA_REGS_BASE + GCATTN_DMA_REGS_SIZE;
constexpr std::uint64_t kDmaKAddrLo = GCATTN_REG_DMA_K_ADDR_LO;
constexpr std::uint64_t kDmaKAddrHi = GCATTN_REG_DMA_K_ADDR_HI;
constexpr std::uint64_t kDmaVAddrLo = GCATTN_REG_DMA_V_ADDR_LO;
constexpr std::uint64_t kDmaVAddrHi = GCATTN_REG_DMA_V_ADDR_HI;
constexpr std::uint64_t kDmaQAddrLo = GCATTN_REG_DMA_Q_ADDR_LO;
constexpr std::uint64_t kDmaQAddrHi = GCATTN_REG_DMA_Q_ADDR_HI;
constexpr std::uint64_t kDmaOutAddrLo = GCATTN_REG_DMA_OUT_ADDR_LO;
constexpr std::uint64_t kDmaOutAddrHi = GCATTN_REG_DMA_OUT_ADDR_HI;
constexpr std::uint64_t kDmaHeadStride = GCATTN_REG_DMA_HEAD_STRIDE;
constexpr std::uint64_t kDmaLayerStride = GCATTN_REG_DMA_LAYER_STRIDE;
constexpr std::uint64_t kDmaStatus = GCATTN_REG_DMA_STATUS;
constexpr std::uint64_t kDmaErrorAddrLo = GCATTN_REG_DMA_ERROR_ADDR_LO;
constexpr std::uint64_t kDmaErrorAddrHi = GCATTN_REG_DMA_ERROR_ADDR_HI;
constexpr std::uint64_t kDmaErrorResp = GCATTN_REG_DMA_ERROR_RESP;
constexpr std::uint64_t kDmaBytes = GCATTN_REG_DMA_BYTES;
constexpr std::uint64_t kDmaLastPs = GCATTN_REG_DMA_LAST_PS;

constexpr std::uint32_t kIdValue = GCATTN_ID_VALUE;            // "GCAT"
constexpr std::uint32_t kVersionValue = GCATTN_VERSION_VALUE;  // register map 1.1.0

// CONTROL bits (write 1 to trigger; they read back 0). Both rejected while busy.
constexpr std::uint32_t kCtrlClearKv = GCATTN_CONTROL_CLEAR_KV;      // forget every stored token
constexpr std::uint32_t kCtrlSoftReset = GCATTN_CONTROL_SOFT_RESET;  // clear KV, defaults, errors
constexpr std::uint32_t kCtrlMask = kCtrlClearKv | kCtrlSoftReset;

// STATUS bits.
constexpr std::uint32_t kStatusBusy = GCATTN_STATUS_BUSY;    // a command (or its DMA) in flight
constexpr std::uint32_t kStatusDone = GCATTN_STATUS_DONE;    // the last command finished
constexpr std::uint32_t kStatusError = GCATTN_STATUS_ERROR;  // ERROR_CODE != 0

// COMMAND bits (a write of 0, of DMA alone or of unknown bits is rejected).
constexpr std::uint32_t kCmdWriteKv = GCATTN_COMMAND_WRITE_KV;  // store K/V at slot POSITION mod M
constexpr std::uint32_t kCmdAttend = GCATTN_COMMAND_ATTEND;     // attend with Q at POSITION
constexpr std::uint32_t kCmdDma = GCATTN_COMMAND_DMA;           // K/V/Q in and OUT out by DMA
constexpr std::uint32_t kCmdMask = kCmdWriteKv | kCmdAttend | kCmdDma;

// Interrupt bits (IRQ_ENABLE, IRQ_STATUS, IRQ_CLEAR). irq = |(IRQ_STATUS & IRQ_ENABLE).
constexpr std::uint32_t kIrqDone = GCATTN_IRQ_DONE;
constexpr std::uint32_t kIrqError = GCATTN_IRQ_ERROR;
constexpr std::uint32_t kIrqMask = kIrqDone | kIrqError;

// DMA_STATUS bits.
constexpr std::uint32_t kDmaStatusActive = GCATTN_DMA_STATUS_ACTIVE;
constexpr std::uint32_t kDmaStatusBusError = GCATTN_DMA_STATUS_BUS_ERROR;
constexpr std::uint32_t kDmaStatusDmi = GCATTN_DMA_STATUS_DMI;

// --- Data windows (float32 words, any 4-byte aligned burst inside the used part) ---
constexpr std::uint64_t kKWindow = GCATTN_K_BASE;         // RW  K[head][dim] of the next WRITE_KV
constexpr std::uint64_t kVWindow = GCATTN_V_BASE;         // RW  V[head][dim]
constexpr std::uint64_t kQWindow = GCATTN_Q_BASE;         // RW  Q[head][dim] of the next ATTEND
constexpr std::uint64_t kOutWindow = GCATTN_OUT_BASE;     // RO  OUT[head][dim] of the last ATTEND
constexpr std::uint64_t kDataWindowSize = GCATTN_K_SIZE;  // bytes reserved per data window
constexpr std::uint64_t kScalerWindow = GCATTN_SCALER_BASE;  // RW  scalers[layer][head][8]
constexpr std::uint64_t kScalerWindowSize = GCATTN_SCALER_SIZE;
constexpr std::uint64_t kAddressSpace = GCATTN_ADDRESS_SPACE;  // everything above is unmapped
static_assert(GCATTN_V_SIZE == kDataWindowSize && GCATTN_Q_SIZE == kDataWindowSize &&
                  GCATTN_OUT_SIZE == kDataWindowSize,
              "the data windows share one size");

// Order of the per-head scaler words (x_hw = gain * x + offset).
enum ScalerWord : int {
  kQGain = GCATTN_SCALER_Q_GAIN,
  kQOffset = GCATTN_SCALER_Q_OFFSET,
  kKGain = GCATTN_SCALER_K_GAIN,
  kKOffset = GCATTN_SCALER_K_OFFSET,
  kVGain = GCATTN_SCALER_V_GAIN,
  kVOffset = GCATTN_SCALER_V_OFFSET,
  kOutGain = GCATTN_SCALER_OUT_GAIN,
  kOutOffset = GCATTN_SCALER_OUT_OFFSET
};
constexpr int kScalerWords = GCATTN_SCALER_WORDS;

/// ERROR_CODE values. The TLM response status of each is listed in docs/register-map.md.
enum class ErrorCode : std::uint32_t {
  None = GCATTN_ERR_NONE,
  UnmappedAddress = GCATTN_ERR_UNMAPPED_ADDRESS,  // outside every block, or past the used part
  AccessWidth = GCATTN_ERR_ACCESS_WIDTH,          // register access not 4 bytes; bad burst length
  Misaligned = GCATTN_ERR_MISALIGNED,             // address not 4-byte aligned
  ByteEnable = GCATTN_ERR_BYTE_ENABLE,            // byte enables are not supported
  ReadOnly = GCATTN_ERR_READ_ONLY,                // write to a read-only register or window
  ReservedWrite = GCATTN_ERR_RESERVED_WRITE,      // write to a reserved register word
  Busy = GCATTN_ERR_BUSY,                         // command, control or data write while busy
  LayerRange = GCATTN_ERR_LAYER_RANGE,            // LAYER >= model.layers
  PositionRange = GCATTN_ERR_POSITION_RANGE,      // POSITION violates the ordering rules
  NanData = GCATTN_ERR_NAN_DATA,                  // NaN or infinity in K/V/Q/scaler data
  BadCommand = GCATTN_ERR_BAD_COMMAND,            // COMMAND 0, DMA alone or unknown bits, ...
  DmaBusError = GCATTN_ERR_DMA_BUS_ERROR,         // a DMA burst got an error response
  DmaDescriptor = GCATTN_ERR_DMA_DESCRIPTOR,      // DMA addresses/strides unusable, or unbound
};
const char* error_name(ErrorCode e);

/// The kScalerWords float32 words of one head's scalers (ScalerWord order), and back.
void pack_scalers(const HeadScalers& s, float* words);
HeadScalers unpack_scalers(const float* words);

/// What an address holds, for traces and messages: a register name ("COMMAND", "PHASE_PS2",
/// "DMA_K_ADDR_LO"), a window name ("K", "V", "Q", "OUT", "SCALERS"; any offset inside it),
/// "reserved" inside a register block, "unmapped" elsewhere.
std::string address_name(std::uint64_t address);

/// Name of a TLM response status, for error messages of the host interface and its initiators.
const char* response_status_name(tlm::tlm_response_status s);

}  // namespace gcattn::sc::regmap
