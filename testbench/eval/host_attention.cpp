#include "eval/host_attention.h"

#include <sstream>

#include "base/errors.h"
#include "eval/model_card.h"
#include "gcattn/config/config.h"

namespace gcattn::eval {

HostHardwareAttention::HostHardwareAttention(const HardwareParams& hw, const ScalerTable& scalers,
                                             WorkerPool& pool)
    : layers_(scalers.layers), heads_(scalers.heads), dim_(hw.rows), pool_(pool) {
  heads_models_.reserve(static_cast<std::size_t>(layers_ * heads_));
  for (int l = 0; l < layers_; ++l) {
    for (int h = 0; h < heads_; ++h) heads_models_.emplace_back(hw, scalers.at(l, h), l, h);
  }
  out_.assign(static_cast<std::size_t>(heads_),
              std::vector<double>(static_cast<std::size_t>(dim_)));
}

void HostHardwareAttention::attend(int layer, std::size_t position, const float* q, const float* k,
                                   const float* v, float* out) {
  const auto t = static_cast<std::int64_t>(position);
  pool_.for_each(heads_, [&](int h) {
    HeadModel& m = heads_models_[static_cast<std::size_t>(layer * heads_ + h)];
    const std::size_t off = static_cast<std::size_t>(h * dim_);
    // Token-age leakage: the time argument is not used by the decay, only recorded.
    m.write_token(t, k + off, v + off, 0.0);
    std::vector<double>& o = out_[static_cast<std::size_t>(h)];
    m.attend(t, q + off, 0.0, o.data());
    for (int d = 0; d < dim_; ++d)
      out[off + static_cast<std::size_t>(d)] = static_cast<float>(o[d]);
  });
}

void HostHardwareAttention::clear() {
  for (auto& m : heads_models_) m.clear();
}

}  // namespace gcattn::eval

namespace gcattn::eval {

ModelAttention model_attention(HardwareParams hw, const ModelCard& card, const ScalerTable& scalers,
                               int threads) {
  ModelAttention a;
  if (!card.hardware()) return a;
  hw.leakage_mode = LeakageMode::TokenAge;
  hw.decay_per_token = card.decay_per_token;
  a.pool = std::make_unique<WorkerPool>(threads);
  a.hook = std::make_unique<HostHardwareAttention>(hw, scalers.rounded_to_float(), *a.pool);
  std::ostringstream os;
  os << "gain-cell numerics, preset " << card.preset << ", leakage per token of age "
     << card.decay_per_token;
  a.name = os.str();
  return a;
}

ModelAttention model_attention(const ModelCard& card, int layers, int heads, int threads) {
  if (!card.hardware()) return {};
  Config cfg = Config::load(card.preset);
  for (const auto& [k, v] : card.overrides) cfg.set(k, v, "model card " + card.path);
  cfg.set("model.layers", std::to_string(layers), "model");
  cfg.set("model.heads", std::to_string(heads), "model");
  const ScalerTable t = read_scalers(card.scalers_path);
  if (t.layers != layers || t.heads != heads) {
    throw InputError(card.scalers_path + ": scalers for " + std::to_string(t.layers) +
                     " layers x " + std::to_string(t.heads) + " heads, but the model has " +
                     std::to_string(layers) + " x " + std::to_string(heads));
  }
  return model_attention(HardwareParams::from(cfg), card, t, threads);
}

}  // namespace gcattn::eval
