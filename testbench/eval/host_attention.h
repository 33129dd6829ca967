#pragma once
// A hardware model's attention computed on the host by the numerics library (HeadModel per layer
// and head, no SystemC): the function the model was trained with (scripts/hw_attention.py), with
// leakage by token age. `gcattn eval --attention host` on a gain-cell model.
#include <cstddef>
#include <vector>

#include "gcattn/config/hardware_params.h"
#include "gcattn/numerics/head.h"
#include "gcattn/parallel/worker_pool.h"
#include "gpt2/model.h"
#include "player/scalers.h"

namespace gcattn::eval {

class HostHardwareAttention : public gpt2::AttentionHook {
 public:
  /// hw: the hardware (its leakage as configured); scalers [layer][head]; heads run on pool.
  HostHardwareAttention(const HardwareParams& hw, const player::ScalerTable& scalers,
                        WorkerPool& pool);
  void attend(int layer, std::size_t position, const float* q, const float* k, const float* v,
              float* out) override;
  /// Forgets every stored token (a new sequence).
  void clear();

 private:
  int layers_, heads_, dim_;
  WorkerPool& pool_;
  std::vector<HeadModel> heads_models_;    // [layer][head]
  std::vector<std::vector<double>> out_;  // per head scratch
};

}  // namespace gcattn::eval
