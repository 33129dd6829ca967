/*
 * A bare-metal style driver for the gcattn accelerator, written only against the C register
 * header <gcattn/gcattn_regs.h> (C99). It runs KV-cache layer steps by DMA: the K, V, Q rows
 * of every token live in system memory as [token][layer][head][dim] float32 tensors, the
 * accelerator fetches them and writes OUT back, and the driver sleeps until the interrupt.
 *
 * The platform provides the services declared below (in the example: cpu.cpp, a SystemC
 * initiator turning them into TLM b_transport calls under a quantum keeper).
 */
#ifndef GCATTN_SOC_DRIVER_H
#define GCATTN_SOC_DRIVER_H

#include <stdint.h>

#include "gcattn/gcattn_regs.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Platform services ---- */
uint32_t reg_read32(uint64_t addr);                     /* one 32-bit MMIO read */
void reg_write32(uint64_t addr, uint32_t value);        /* one 32-bit MMIO write */
void platform_wait_for_interrupt(void);                 /* returns when the irq line is high */
void platform_cpu_work(uint32_t token, uint32_t layer); /* host work after a layer step */
int platform_bus_fault(void);                           /* nonzero once an MMIO access failed */

/* ---- Driver ---- */
enum {
  GCATTN_DRV_OK = 0,
  GCATTN_DRV_ENODEV = -1,   /* no gcattn accelerator at the base address (ID) */
  GCATTN_DRV_EVERSION = -2, /* register map major version not supported */
  GCATTN_DRV_EDEVICE = -3,  /* the accelerator reported an error (see gcattn_error) */
  GCATTN_DRV_EBUS = -4      /* an MMIO access got a bus error */
};

typedef struct gcattn_dev {
  uint64_t base; /* system address of the accelerator's register block */
  uint32_t layers, heads, dim, window;
} gcattn_dev;

/* Token-major tensors [token][layer][head][dim] of float32 in system memory. */
typedef struct gcattn_tensors {
  uint64_t k, v, q, out; /* system addresses of token 0, layer 0, head 0 */
  uint64_t token_stride; /* bytes per token: layers * heads * dim * 4 */
  uint32_t layer_stride; /* bytes per layer: heads * dim * 4 */
  uint32_t head_stride;  /* bytes per head: dim * 4 */
} gcattn_tensors;

typedef struct gcattn_error {
  uint32_t error_code; /* GCATTN_ERR_* */
  uint32_t error_addr;
  uint32_t dma_status;     /* GCATTN_DMA_STATUS_* */
  uint32_t dma_error_resp; /* GCATTN_DMA_RESP_* */
  uint64_t dma_error_addr;
  uint32_t token, layer; /* the step that failed */
} gcattn_error;

/* Reads ID, VERSION and the geometry. */
int gcattn_probe(gcattn_dev* dev, uint64_t base);
/* Writes the scalers of every (layer, head): scalers[(layer * heads + head) * 8 + word]. */
int gcattn_load_scalers(const gcattn_dev* dev, const float* scalers);
/* Strides and interrupt enables for DMA steps over the tensors. */
int gcattn_dma_setup(const gcattn_dev* dev, const gcattn_tensors* t);
/* Every layer of one token: DMA_STEP, wait for the interrupt, acknowledge, host work. */
int gcattn_dma_token(const gcattn_dev* dev, const gcattn_tensors* t, uint32_t token,
                     gcattn_error* err);

#ifdef __cplusplus
}
#endif

#endif /* GCATTN_SOC_DRIVER_H */
