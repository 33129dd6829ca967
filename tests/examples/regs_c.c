/* gcattn_regs.h compiled as plain C (C89 and C99, -pedantic -Werror): driver code can include
   it. Also checks a few invariants a driver relies on; exits non-zero when one fails. */
#include <stdio.h>

#include "gcattn/gcattn_regs.h"

static int failures = 0;

static void check(int ok, const char* what) {
  if (!ok) {
    printf("gcattn_regs.h: %s\n", what);
    ++failures;
  }
}

int main(void) {
  unsigned long commands[6];
  unsigned i;
  commands[0] = GCATTN_CMD_WRITE_KV;
  commands[1] = GCATTN_CMD_ATTEND;
  commands[2] = GCATTN_CMD_STEP;
  commands[3] = GCATTN_CMD_DMA_WRITE_KV;
  commands[4] = GCATTN_CMD_DMA_ATTEND;
  commands[5] = GCATTN_CMD_DMA_STEP;
  for (i = 0; i < 6; ++i) {
    check((commands[i] & ~(GCATTN_COMMAND_WRITE_KV | GCATTN_COMMAND_ATTEND | GCATTN_COMMAND_DMA)) ==
              0,
          "command values use COMMAND bits only");
    check((commands[i] & (GCATTN_COMMAND_WRITE_KV | GCATTN_COMMAND_ATTEND)) != 0,
          "every command writes or attends");
  }
  check(GCATTN_CMD_DMA_STEP == (GCATTN_CMD_STEP | GCATTN_COMMAND_DMA), "DMA_STEP = STEP | DMA");
  check(GCATTN_REG_PHASE_PS(GCATTN_PHASE_COUNT - 1u) < GCATTN_REGS_BASE + GCATTN_REGS_SIZE,
        "PHASE_PS inside the register block");
  check(GCATTN_REG_DMA_LAST_PS < GCATTN_DMA_REGS_BASE + GCATTN_DMA_REGS_SIZE,
        "DMA registers inside the DMA block");
  check(GCATTN_SCALER_ADDR(1u, 2u, 12u, GCATTN_SCALER_OUT_OFFSET) ==
            GCATTN_SCALER_BASE + 4u * ((1u * 12u + 2u) * 8u + 7u),
        "GCATTN_SCALER_ADDR");
  check((GCATTN_IRQ_DONE & GCATTN_IRQ_ERROR) == 0, "interrupt bits distinct");
  check(GCATTN_OUT_BASE + GCATTN_OUT_SIZE <= GCATTN_SCALER_BASE, "windows in order");
  check(GCATTN_SCALER_BASE + GCATTN_SCALER_SIZE == GCATTN_ADDRESS_SPACE, "address space end");
  return failures == 0 ? 0 : 1;
}
