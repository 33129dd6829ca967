/*
 * gcattn accelerator: register map for driver code (register map version 1.1.0).
 *
 * Plain C (C89 and later) and C++: object-like macros only, no types, no functions, so that
 * bare-metal drivers can include it as is. This file is the single source of truth of the
 * register map: the SystemC model's C++ constants (gcattn/systemc/register_map.h) are defined
 * from these macros, and the test "Register map document agrees with gcattn_regs.h" checks every
 * table of docs/register-map.md against this file (names, offsets, sizes, bits, codes).
 *
 * Addresses are byte offsets from the accelerator's base address on the system bus. Registers
 * are 32-bit words accessed one at a time; data windows hold little-endian IEEE float32 words.
 * Naming: GCATTN_REG_<name> register offsets, GCATTN_<register>_<field> single-bit fields
 * (GCATTN_IRQ_<field> for IRQ_ENABLE, IRQ_STATUS and IRQ_CLEAR), GCATTN_CMD_<name> command
 * values, GCATTN_ERR_<name> ERROR_CODE values, GCATTN_<block>_BASE/_SIZE the address space.
 */
#ifndef GCATTN_GCATTN_REGS_H
#define GCATTN_GCATTN_REGS_H

/* ---- Identification ------------------------------------------------------------------------ */
#define GCATTN_ID_VALUE 0x47434154u      /* ID register: "GCAT" */
#define GCATTN_VERSION_VALUE 0x00010100u /* VERSION register: major << 16 | minor << 8 | patch */

/* ---- Address space ------------------------------------------------------------------------- */
#define GCATTN_REGS_BASE 0x00000u /* control and status registers */
#define GCATTN_REGS_SIZE 0x00100u
#define GCATTN_DMA_REGS_BASE 0x01000u /* DMA descriptor and status registers */
#define GCATTN_DMA_REGS_SIZE 0x00100u
#define GCATTN_K_BASE 0x10000u /* K[head][dim] of the next WRITE_KV */
#define GCATTN_K_SIZE 0x10000u
#define GCATTN_V_BASE 0x20000u /* V[head][dim] of the next WRITE_KV */
#define GCATTN_V_SIZE 0x10000u
#define GCATTN_Q_BASE 0x30000u /* Q[head][dim] of the next ATTEND */
#define GCATTN_Q_SIZE 0x10000u
#define GCATTN_OUT_BASE 0x40000u /* OUT[head][dim] of the last ATTEND (read-only) */
#define GCATTN_OUT_SIZE 0x10000u
#define GCATTN_SCALER_BASE 0x80000u /* scalers[layer][head][GCATTN_SCALER_WORDS] */
#define GCATTN_SCALER_SIZE 0x80000u
#define GCATTN_ADDRESS_SPACE 0x100000u /* bytes decoded by the accelerator; above: unmapped */

/* ---- Registers ----------------------------------------------------------------------------- */
#define GCATTN_REG_ID 0x000u           /* RO  GCATTN_ID_VALUE */
#define GCATTN_REG_VERSION 0x004u      /* RO  GCATTN_VERSION_VALUE */
#define GCATTN_REG_LAYERS 0x008u       /* RO  layers held (model.layers) */
#define GCATTN_REG_HEADS 0x00Cu        /* RO  heads per layer (model.heads) */
#define GCATTN_REG_DIM 0x010u          /* RO  head dimension (array.rows) */
#define GCATTN_REG_WINDOW 0x014u       /* RO  window M in tokens (array.window_tokens) */
#define GCATTN_REG_CONTROL 0x018u      /* W1  GCATTN_CONTROL_* actions, reads 0 */
#define GCATTN_REG_STATUS 0x01Cu       /* RO  GCATTN_STATUS_* */
#define GCATTN_REG_COMMAND 0x020u      /* RW  GCATTN_COMMAND_* bits; a write starts the command */
#define GCATTN_REG_LAYER 0x024u        /* RW  layer of the next command */
#define GCATTN_REG_POSITION 0x028u     /* RW  token position of the next command */
#define GCATTN_REG_IRQ_ENABLE 0x02Cu   /* RW  GCATTN_IRQ_* */
#define GCATTN_REG_IRQ_STATUS 0x030u   /* RO  GCATTN_IRQ_* latched causes */
#define GCATTN_REG_IRQ_CLEAR 0x034u    /* WO  write GCATTN_IRQ_* bits to clear them */
#define GCATTN_REG_ERROR_CODE 0x038u   /* RO  GCATTN_ERR_* of the latest error */
#define GCATTN_REG_ERROR_ADDR 0x03Cu   /* RO  address (low 32 bits) that caused it */
#define GCATTN_REG_STEP_COUNT 0x040u   /* RO  completed commands */
#define GCATTN_REG_LAST_STEP_PS 0x044u /* RO  duration of the last command's step, ps */
#define GCATTN_REG_PHASE_PS0 0x048u    /* RO  GCATTN_PHASE_COUNT words: phase durations, ps */
#define GCATTN_PHASE_COUNT 6u
#define GCATTN_REG_PHASE_PS(i) (GCATTN_REG_PHASE_PS0 + 4u * (i))

/* DMA descriptor (RW, locked while BUSY) and DMA status (RO) registers. */
#define GCATTN_REG_DMA_K_ADDR_LO 0x1000u /* system address of head 0's K row, bits 31..0 */
#define GCATTN_REG_DMA_K_ADDR_HI 0x1004u /* bits 63..32 */
#define GCATTN_REG_DMA_V_ADDR_LO 0x1008u
#define GCATTN_REG_DMA_V_ADDR_HI 0x100Cu
#define GCATTN_REG_DMA_Q_ADDR_LO 0x1010u
#define GCATTN_REG_DMA_Q_ADDR_HI 0x1014u
#define GCATTN_REG_DMA_OUT_ADDR_LO 0x1018u
#define GCATTN_REG_DMA_OUT_ADDR_HI 0x101Cu
#define GCATTN_REG_DMA_HEAD_STRIDE 0x1020u   /* bytes from one head's row to the next */
#define GCATTN_REG_DMA_LAYER_STRIDE 0x1024u  /* bytes added per LAYER to every base address */
#define GCATTN_REG_DMA_STATUS 0x1028u        /* RO  GCATTN_DMA_STATUS_* */
#define GCATTN_REG_DMA_ERROR_ADDR_LO 0x102Cu /* RO  system address of the failed burst */
#define GCATTN_REG_DMA_ERROR_ADDR_HI 0x1030u
#define GCATTN_REG_DMA_ERROR_RESP 0x1034u /* RO  GCATTN_DMA_RESP_* of the failed burst */
#define GCATTN_REG_DMA_BYTES 0x1038u      /* RO  bytes the last DMA command moved */
#define GCATTN_REG_DMA_LAST_PS 0x103Cu    /* RO  DMA transfer time of the last command, ps */

/* ---- Bit fields ---------------------------------------------------------------------------- */
#define GCATTN_CONTROL_CLEAR_KV 0x1u   /* forget every stored token (a new sequence) */
#define GCATTN_CONTROL_SOFT_RESET 0x2u /* CLEAR_KV + scalers, windows, registers to reset */

#define GCATTN_STATUS_BUSY 0x1u  /* a command (or its DMA) is in flight */
#define GCATTN_STATUS_DONE 0x2u  /* the last command finished (OUT valid) */
#define GCATTN_STATUS_ERROR 0x4u /* ERROR_CODE != 0 */

#define GCATTN_COMMAND_WRITE_KV 0x1u /* store K/V at slot POSITION mod WINDOW */
#define GCATTN_COMMAND_ATTEND 0x2u   /* attend with Q at POSITION, result in OUT */
#define GCATTN_COMMAND_DMA 0x4u      /* fetch K/V/Q from and write OUT to system memory */

#define GCATTN_IRQ_DONE 0x1u /* IRQ_ENABLE, IRQ_STATUS, IRQ_CLEAR */
#define GCATTN_IRQ_ERROR 0x2u

#define GCATTN_DMA_STATUS_ACTIVE 0x1u    /* a DMA transfer is in flight */
#define GCATTN_DMA_STATUS_BUS_ERROR 0x2u /* the latest DMA command ended with a bus error */
#define GCATTN_DMA_STATUS_DMI 0x4u       /* the last DMA command used a DMI pointer */

/* ---- Commands (values of COMMAND) ---------------------------------------------------------- */
#define GCATTN_CMD_WRITE_KV 0x1u     /* K/V windows to the arrays */
#define GCATTN_CMD_ATTEND 0x2u       /* Q window through the arrays to OUT */
#define GCATTN_CMD_STEP 0x3u         /* WRITE_KV then ATTEND: one layer step */
#define GCATTN_CMD_DMA_WRITE_KV 0x5u /* fetch K, V by DMA, then WRITE_KV */
#define GCATTN_CMD_DMA_ATTEND 0x6u   /* fetch Q, ATTEND, write OUT by DMA */
#define GCATTN_CMD_DMA_STEP 0x7u     /* fetch K, V, Q, STEP, write OUT */

/* ---- ERROR_CODE values --------------------------------------------------------------------- */
#define GCATTN_ERR_NONE 0u
#define GCATTN_ERR_UNMAPPED_ADDRESS 1u
#define GCATTN_ERR_ACCESS_WIDTH 2u
#define GCATTN_ERR_MISALIGNED 3u
#define GCATTN_ERR_BYTE_ENABLE 4u
#define GCATTN_ERR_READ_ONLY 5u
#define GCATTN_ERR_RESERVED_WRITE 6u
#define GCATTN_ERR_BUSY 7u
#define GCATTN_ERR_LAYER_RANGE 8u
#define GCATTN_ERR_POSITION_RANGE 9u
#define GCATTN_ERR_NAN_DATA 10u
#define GCATTN_ERR_BAD_COMMAND 11u
#define GCATTN_ERR_DMA_BUS_ERROR 12u
#define GCATTN_ERR_DMA_DESCRIPTOR 13u

/* ---- DMA_ERROR_RESP values (the TLM response status of the failed burst, negated) ---------- */
#define GCATTN_DMA_RESP_NONE 0u
#define GCATTN_DMA_RESP_GENERIC_ERROR 1u
#define GCATTN_DMA_RESP_ADDRESS_ERROR 2u
#define GCATTN_DMA_RESP_COMMAND_ERROR 3u
#define GCATTN_DMA_RESP_BURST_ERROR 4u
#define GCATTN_DMA_RESP_BYTE_ENABLE_ERROR 5u
#define GCATTN_DMA_RESP_INCOMPLETE 6u

/* ---- Scaler words of one (layer, head): x_hw = gain * x + offset --------------------------- */
#define GCATTN_SCALER_Q_GAIN 0u
#define GCATTN_SCALER_Q_OFFSET 1u
#define GCATTN_SCALER_K_GAIN 2u
#define GCATTN_SCALER_K_OFFSET 3u
#define GCATTN_SCALER_V_GAIN 4u
#define GCATTN_SCALER_V_OFFSET 5u
#define GCATTN_SCALER_OUT_GAIN 6u
#define GCATTN_SCALER_OUT_OFFSET 7u
#define GCATTN_SCALER_WORDS 8u
/* Byte offset of scaler word w of (layer, head) with `heads` heads per layer (HEADS register). */
#define GCATTN_SCALER_ADDR(layer, head, heads, w) \
  (GCATTN_SCALER_BASE + 4u * (((layer) * (heads) + (head)) * GCATTN_SCALER_WORDS + (w)))

#endif /* GCATTN_GCATTN_REGS_H */
