#pragma once
// The host interface's address map (docs/register-map.md is the prose version; keep both in
// sync). Registers are 32-bit words; data windows hold float32 little-endian words.
#include <cstdint>

namespace gcattn::sc::regmap {

// --- Register block: 0x0000 - 0x00FF (undefined words in it are reserved) ---
constexpr std::uint64_t kId = 0x000;           // RO  identification, kIdValue
constexpr std::uint64_t kVersion = 0x004;      // RO  major << 16 | minor << 8 | patch
constexpr std::uint64_t kLayers = 0x008;       // RO  model.layers
constexpr std::uint64_t kHeads = 0x00C;        // RO  model.heads
constexpr std::uint64_t kDim = 0x010;          // RO  head dimension (array.rows)
constexpr std::uint64_t kWindow = 0x014;       // RO  window tokens M (array.window_tokens)
constexpr std::uint64_t kControl = 0x018;      // RW  kCtrl* bits (self-clearing actions)
constexpr std::uint64_t kStatus = 0x01C;       // RO  kStatus* bits
constexpr std::uint64_t kCommand = 0x020;      // RW  kCmd* bits; a write starts the command
constexpr std::uint64_t kLayer = 0x024;        // RW  layer of the next command
constexpr std::uint64_t kPosition = 0x028;     // RW  token position t of the next command
constexpr std::uint64_t kIrqEnable = 0x02C;    // RW  kIrq* bits
constexpr std::uint64_t kIrqStatus = 0x030;    // RO  kIrq* bits (latched)
constexpr std::uint64_t kIrqClear = 0x034;     // WO  write 1 to clear kIrq* bits (reads 0)
constexpr std::uint64_t kErrorCode = 0x038;    // RO  ErrorCode of the latest error (0: none)
constexpr std::uint64_t kErrorAddr = 0x03C;    // RO  address of the access that caused it
constexpr std::uint64_t kStepCount = 0x040;    // RO  completed commands (wraps at 2^32)
constexpr std::uint64_t kLastStepPs = 0x044;   // RO  duration of the last command in ps
constexpr std::uint64_t kPhasePs0 = 0x048;     // RO  6 words: last command's phase durations, ps
constexpr std::uint64_t kRegBlockEnd = 0x100;  // first address after the register block

constexpr std::uint32_t kIdValue = 0x47434154;       // "GCAT"
constexpr std::uint32_t kVersionValue = 0x00010000;  // register map 1.0.0

// CONTROL bits (write 1 to trigger; they read back 0). Both rejected while busy.
constexpr std::uint32_t kCtrlClearKv = 1u << 0;    // forget every stored token (new sequence)
constexpr std::uint32_t kCtrlSoftReset = 1u << 1;  // clear KV, scalers to defaults, errors, irq
constexpr std::uint32_t kCtrlMask = kCtrlClearKv | kCtrlSoftReset;

// STATUS bits.
constexpr std::uint32_t kStatusBusy = 1u << 0;   // a command is accepted and not finished
constexpr std::uint32_t kStatusDone = 1u << 1;   // the last command finished (OUT valid)
constexpr std::uint32_t kStatusError = 1u << 2;  // ERROR_CODE != 0

// COMMAND bits (a write of 0 or of unknown bits is rejected).
constexpr std::uint32_t kCmdWriteKv = 1u << 0;  // store K/V windows at slot POSITION mod M
constexpr std::uint32_t kCmdAttend = 1u << 1;   // attend with the Q window at POSITION
constexpr std::uint32_t kCmdMask = kCmdWriteKv | kCmdAttend;

// Interrupt bits (IRQ_ENABLE, IRQ_STATUS, IRQ_CLEAR). irq = |(IRQ_STATUS & IRQ_ENABLE).
constexpr std::uint32_t kIrqDone = 1u << 0;
constexpr std::uint32_t kIrqError = 1u << 1;
constexpr std::uint32_t kIrqMask = kIrqDone | kIrqError;

// --- Data windows (float32 words, any 4-byte aligned burst inside the used part) ---
constexpr std::uint64_t kKWindow = 0x10000;         // RW  K[head][dim] of the next WRITE_KV
constexpr std::uint64_t kVWindow = 0x20000;         // RW  V[head][dim]
constexpr std::uint64_t kQWindow = 0x30000;         // RW  Q[head][dim] of the next ATTEND
constexpr std::uint64_t kOutWindow = 0x40000;       // RO  OUT[head][dim] of the last ATTEND
constexpr std::uint64_t kDataWindowSize = 0x10000;  // bytes reserved per data window
constexpr std::uint64_t kScalerWindow = 0x80000;    // RW  scalers[layer][head][kScalerWords]
constexpr std::uint64_t kScalerWindowSize = 0x80000;
constexpr std::uint64_t kAddressSpace = 0x100000;  // everything above is unmapped

// Order of the per-head scaler words (x_hw = gain * x + offset).
enum ScalerWord : int {
  kQGain = 0,
  kQOffset,
  kKGain,
  kKOffset,
  kVGain,
  kVOffset,
  kOutGain,
  kOutOffset
};
constexpr int kScalerWords = 8;

/// ERROR_CODE values. The TLM response status of each is listed in docs/register-map.md.
enum class ErrorCode : std::uint32_t {
  None = 0,
  UnmappedAddress = 1,  // outside every block, or past the used part of a window
  AccessWidth = 2,      // register access not 4 bytes; window burst not a multiple of 4
  Misaligned = 3,       // address not 4-byte aligned
  ByteEnable = 4,       // byte enables or a streaming width are not supported
  ReadOnly = 5,         // write to a read-only register or window
  ReservedWrite = 6,    // write to a reserved register word
  Busy = 7,             // command, control or data write while a command runs
  LayerRange = 8,       // LAYER >= model.layers
  PositionRange = 9,    // POSITION violates the ordering rules of docs/register-map.md
  NanData = 10,         // NaN or infinity in K/V/Q/scaler data
  BadCommand = 11,      // COMMAND 0 or with unknown bits, or CONTROL with unknown bits
};
const char* error_name(ErrorCode e);

}  // namespace gcattn::sc::regmap
