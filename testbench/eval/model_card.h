#pragma once
// What kind of attention a model directory's weights were trained for: DIR/gcattn.json, written
// by scripts/train_hw_gpt2.py. {"attention": "softmax"} or {"attention": "gaincell", "preset":
// P, "set": {key: value}, "scalers": "scalers.json", "training": {"decay_per_token": F, ...}}.
// A directory without the file is a softmax model (any Hugging Face GPT-2).
#include <map>
#include <string>

namespace gcattn::eval {

struct ModelCard {
  enum class Attention { Softmax, GainCell };
  Attention attention = Attention::Softmax;
  std::string preset = "paper";                  // the hardware the model was trained for
  std::map<std::string, std::string> overrides;  // --set key=value of that hardware
  std::string scalers_path;                      // absolute; empty for a softmax model
  double decay_per_token = 0.0;                  // leakage per token of age used in training
  std::string path;                              // the gcattn.json read ("" when absent)

  bool hardware() const { return attention == Attention::GainCell; }
  const char* attention_name() const { return hardware() ? "gaincell" : "softmax"; }
};

/// Reads DIR/gcattn.json; errors (InputError) name the file, the field and the fix. A
/// hardware model must name a scalers file that exists.
ModelCard read_model_card(const std::string& dir);

}  // namespace gcattn::eval
