/* Driver-side C code of the consumer: the register header from the installed package. */
#include <gcattn/gcattn_regs.h>

unsigned long consumer_c_reg_id(void) {
  return GCATTN_REG_ID;
}
unsigned long consumer_c_id_value(void) {
  return GCATTN_ID_VALUE;
}
unsigned long consumer_c_dma_step(void) {
  return GCATTN_CMD_DMA_STEP;
}
