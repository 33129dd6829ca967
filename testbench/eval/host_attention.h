#pragma once
// A hardware model's attention computed on the host by the numerics library (HeadModel per layer
// and head, no SystemC): the function the model was trained with (scripts/hw_attention.py), with
// leakage by token age. `gcattn eval --attention host` on a gain-cell model.
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "gcattn/config/hardware_params.h"
#include "gcattn/numerics/head.h"
#include "gcattn/parallel/worker_pool.h"
#include "gpt2/model.h"
#include "scalers/scalers.h"

namespace gcattn::eval {

class HostHardwareAttention : public gpt2::AttentionHook {
 public:
  /// hw: the hardware (its leakage as configured); scalers [layer][head]; heads run on pool.
  HostHardwareAttention(const HardwareParams& hw, const ScalerTable& scalers, WorkerPool& pool);
  void attend(int layer, std::size_t position, const float* q, const float* k, const float* v,
              float* out) override;
  /// Forgets every stored token (a new sequence).
  void clear();

 private:
  int layers_, heads_, dim_;
  WorkerPool& pool_;
  std::vector<HeadModel> heads_models_;   // [layer][head]
  std::vector<std::vector<double>> out_;  // per head scratch
};

struct ModelCard;

/// A gain-cell model's attention on the host with the pool it runs on (empty for a softmax
/// model, whose attention is the engine's own).
struct ModelAttention {
  std::unique_ptr<WorkerPool> pool;
  std::unique_ptr<HostHardwareAttention> hook;
  std::string name;  // for reports and trace metadata
};

/// The attention the model was trained with: hw with leakage per token of age at the card's
/// training rate (scripts/hw_attention.py), the scalers as the accelerator stores them.
ModelAttention model_attention(HardwareParams hw, const ModelCard& card, const ScalerTable& scalers,
                               int threads);
/// The same from the model card alone: its preset and overrides, its scalers file.
ModelAttention model_attention(const ModelCard& card, int layers, int heads, int threads);

}  // namespace gcattn::eval
