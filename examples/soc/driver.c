/* The gcattn driver (see driver.h): register sequences of docs/register-map.md, "DMA". */
#include "driver.h"

#include <string.h>

static uint64_t reg(const gcattn_dev* dev, uint32_t offset) {
  return dev->base + offset;
}

static void write64(const gcattn_dev* dev, uint32_t lo_offset, uint64_t value) {
  reg_write32(reg(dev, lo_offset), (uint32_t)(value & 0xFFFFFFFFu));
  reg_write32(reg(dev, lo_offset + 4u), (uint32_t)(value >> 32));
}

int gcattn_probe(gcattn_dev* dev, uint64_t base) {
  dev->base = base;
  if (reg_read32(reg(dev, GCATTN_REG_ID)) != GCATTN_ID_VALUE) return GCATTN_DRV_ENODEV;
  if ((reg_read32(reg(dev, GCATTN_REG_VERSION)) >> 16) != (GCATTN_VERSION_VALUE >> 16))
    return GCATTN_DRV_EVERSION;
  dev->layers = reg_read32(reg(dev, GCATTN_REG_LAYERS));
  dev->heads = reg_read32(reg(dev, GCATTN_REG_HEADS));
  dev->dim = reg_read32(reg(dev, GCATTN_REG_DIM));
  dev->window = reg_read32(reg(dev, GCATTN_REG_WINDOW));
  return platform_bus_fault() ? GCATTN_DRV_EBUS : GCATTN_DRV_OK;
}

int gcattn_load_scalers(const gcattn_dev* dev, const float* scalers) {
  uint32_t l, h, w;
  for (l = 0; l < dev->layers; ++l) {
    for (h = 0; h < dev->heads; ++h) {
      for (w = 0; w < GCATTN_SCALER_WORDS; ++w) {
        uint32_t bits;
        memcpy(&bits, &scalers[(l * dev->heads + h) * GCATTN_SCALER_WORDS + w], sizeof bits);
        reg_write32(reg(dev, GCATTN_SCALER_ADDR(l, h, dev->heads, w)), bits);
      }
    }
  }
  return platform_bus_fault() ? GCATTN_DRV_EBUS : GCATTN_DRV_OK;
}

int gcattn_dma_setup(const gcattn_dev* dev, const gcattn_tensors* t) {
  reg_write32(reg(dev, GCATTN_REG_IRQ_CLEAR), GCATTN_IRQ_DONE | GCATTN_IRQ_ERROR);
  reg_write32(reg(dev, GCATTN_REG_IRQ_ENABLE), GCATTN_IRQ_DONE | GCATTN_IRQ_ERROR);
  reg_write32(reg(dev, GCATTN_REG_DMA_HEAD_STRIDE), t->head_stride);
  reg_write32(reg(dev, GCATTN_REG_DMA_LAYER_STRIDE), t->layer_stride);
  return platform_bus_fault() ? GCATTN_DRV_EBUS : GCATTN_DRV_OK;
}

static int device_error(const gcattn_dev* dev, uint32_t token, uint32_t layer, gcattn_error* err) {
  if (err) {
    err->error_code = reg_read32(reg(dev, GCATTN_REG_ERROR_CODE));
    err->error_addr = reg_read32(reg(dev, GCATTN_REG_ERROR_ADDR));
    err->dma_status = reg_read32(reg(dev, GCATTN_REG_DMA_STATUS));
    err->dma_error_resp = reg_read32(reg(dev, GCATTN_REG_DMA_ERROR_RESP));
    err->dma_error_addr = (uint64_t)reg_read32(reg(dev, GCATTN_REG_DMA_ERROR_ADDR_LO)) |
                          ((uint64_t)reg_read32(reg(dev, GCATTN_REG_DMA_ERROR_ADDR_HI)) << 32);
    err->token = token;
    err->layer = layer;
  }
  reg_write32(reg(dev, GCATTN_REG_IRQ_CLEAR), GCATTN_IRQ_DONE | GCATTN_IRQ_ERROR);
  return GCATTN_DRV_EDEVICE;
}

int gcattn_dma_token(const gcattn_dev* dev, const gcattn_tensors* t, uint32_t token,
                     gcattn_error* err) {
  const uint64_t off = (uint64_t)token * t->token_stride;
  uint32_t layer;
  /* Layer 0's rows of this token; LAYER adds DMA_LAYER_STRIDE for the others. */
  write64(dev, GCATTN_REG_DMA_K_ADDR_LO, t->k + off);
  write64(dev, GCATTN_REG_DMA_V_ADDR_LO, t->v + off);
  write64(dev, GCATTN_REG_DMA_Q_ADDR_LO, t->q + off);
  write64(dev, GCATTN_REG_DMA_OUT_ADDR_LO, t->out + off);
  reg_write32(reg(dev, GCATTN_REG_POSITION), token);
  for (layer = 0; layer < dev->layers; ++layer) {
    uint32_t cause;
    reg_write32(reg(dev, GCATTN_REG_LAYER), layer);
    reg_write32(reg(dev, GCATTN_REG_COMMAND), GCATTN_CMD_DMA_STEP);
    if (platform_bus_fault()) return GCATTN_DRV_EBUS;
    platform_wait_for_interrupt();
    cause = reg_read32(reg(dev, GCATTN_REG_IRQ_STATUS));
    if (cause & GCATTN_IRQ_ERROR) return device_error(dev, token, layer, err);
    reg_write32(reg(dev, GCATTN_REG_IRQ_CLEAR), cause);
    if (platform_bus_fault()) return GCATTN_DRV_EBUS;
    /* OUT of this layer is in memory now: the host's projections and MLP use it. */
    platform_cpu_work(token, layer);
  }
  return GCATTN_DRV_OK;
}
