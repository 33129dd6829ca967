#pragma once
// Accuracy of the accelerator's outputs as the trace player receives them, against references
// computed on the host side from the same model-space q, k, v:
//  - softmax: float softmax attention (scaled by 1/sqrt(d_head), as GPT-2) over the same window
//    of stored tokens (the last array.window_tokens tokens);
//  - ideal: gcattn::HeadModel on ideal hardware (linear cell, no quantisation, no leakage) with
//    the same per-head scalers as the accelerator (rounded to float32 as its scaler window);
//  - attn_out: the trace's recorded attention output, when the trace has one;
//  - nominal: only with device variation or noise on, gcattn::HeadModel on the same hardware
//    without them (the chip as designed), with the same scalers.
// Metrics: per head, the mean over tokens of the cosine similarity of the head output and the
// pooled relative RMS error sqrt(sum ||x - ref||^2 / sum ||ref||^2); per layer the same on the
// concatenated head outputs of the layer; overall pooled over layers. Reference models are
// precomputed structures stepped once per layer step; no allocation per step.
#include <cstdint>
#include <memory>
#include <vector>

#include "gcattn/config/hardware_params.h"
#include "gcattn/numerics/head.h"
#include "player/scalers.h"
#include "report/report.h"

namespace gcattn::player {

struct AccuracyOptions {
  bool softmax = true;
  bool ideal = true;
  bool attn_out = true;  // only used when the trace has attn_out
  bool nominal = true;   // only used with variation or noise on
};

class AccuracyTracker {
 public:
  AccuracyTracker(const HardwareParams& hw, const ScalerTable& scalers, AccuracyOptions opt);

  /// One layer step at token position `token`: q, k, v, attn_out (may be null) are the layer's
  /// model-space rows [head][d]; out is what the accelerator returned, [head][d].
  void step(int layer, std::int64_t token, const float* q, const float* k, const float* v,
            const float* attn_out, const float* out);

  report::AccuracySet overall() const;
  report::AccuracySet layer(int l) const;
  report::AccuracySet head(int l, int h) const;
  const AccuracyOptions& options() const { return opt_; }

 private:
  struct Acc {
    double cos_sum = 0.0, err2 = 0.0, ref2 = 0.0;
    std::uint64_t n = 0;
    void add(const float* x, const double* ref, std::size_t d);
    void add_layer(double xy, double xx, double yy, double err2, double ref2);
    report::Agreement result() const;
  };
  enum Ref { kSoftmax = 0, kIdeal = 1, kAttnOut = 2, kNominal = 3, kRefs = 4 };
  struct LayerTmp {
    double xy = 0, xx = 0, yy = 0, err2 = 0, ref2 = 0;
  };
  void softmax(const float* q, const float* kring, const float* vring, int n, double* out);

  int layers_, heads_, d_, window_;
  AccuracyOptions opt_;
  std::vector<HeadModel> ideal_;       // [layer][head]
  std::vector<HeadModel> nominal_;     // [layer][head], with variation or noise on
  std::vector<float> kring_, vring_;   // [layer][head][window][d] raw k, v of the window
  std::vector<Acc> head_acc_[kRefs];   // [layer][head]
  std::vector<Acc> layer_acc_[kRefs];  // [layer]
  // Scratch, sized once.
  std::vector<double> ref_, w_, ideal_out_;
  std::vector<float> ideal_f_;
};

}  // namespace gcattn::player
