#pragma once
// Accuracy of the accelerator's outputs as the trace player receives them, against references
// computed on the host side from the same model-space q, k, v:
//  - softmax: softmax attention (scaled by 1/sqrt(d_head), as GPT-2) over the same window of
//    stored tokens (the last array.window_tokens tokens);
//  - ideal: the ideal hardware (linear cell, no quantisation, no leakage) with the same per-head
//    scalers as the accelerator (rounded to float32 as its scaler window);
//  - attn_out: the trace's recorded attention output, when the trace has one;
//  - nominal: only with device variation or noise on, gcattn::HeadModel (double precision) on the
//    same hardware without them (the chip as designed), with the same scalers.
// The softmax and ideal references are the single-precision kernels of
// gcattn/numerics/fast_reference.h (they agree with the double-precision models to about 1e-6;
// the metrics below to better than 1e-5). Metrics: per head, the mean over tokens of the cosine
// similarity of the head output and the pooled relative RMS error
// sqrt(sum ||x - ref||^2 / sum ||ref||^2); per layer the same on the concatenated head outputs of
// the layer; overall pooled over layers. The heads of a step run on the worker pool when one is
// given; per-head results are combined in head order, so the metrics do not depend on the thread
// count. No allocation per step.
#include <cstdint>
#include <memory>
#include <vector>

#include "gcattn/config/hardware_params.h"
#include "gcattn/numerics/fast_reference.h"
#include "gcattn/numerics/head.h"
#include "gcattn/parallel/worker_pool.h"
#include "player/scalers.h"
#include "report/report.h"

namespace gcattn::player {

/// Softmax references computed elsewhere (the calibration of `gcattn run` computes exactly these
/// on its prefix): [layer][head][token][d] floats for tokens [0, tokens).
struct SoftmaxCache {
  std::vector<float> values;
  std::size_t tokens = 0;
};

struct AccuracyOptions {
  bool softmax = true;
  bool ideal = true;
  bool attn_out = true;  // only used when the trace has attn_out
  bool nominal = true;   // only used with variation or noise on
};

class AccuracyTracker {
 public:
  /// pool: runs the heads of a step (null: on the calling thread). cache: softmax references
  /// of the first cache.tokens tokens; when they cover every token to be replayed (replay_tokens),
  /// the tracker keeps no window of its own.
  AccuracyTracker(const HardwareParams& hw, const ScalerTable& scalers, AccuracyOptions opt,
                  WorkerPool* pool = nullptr, SoftmaxCache cache = {},
                  std::size_t replay_tokens = 0);

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
    void add_layer(double xy, double xx, double yy, double err2, double ref2);
    report::Agreement result() const;
  };
  enum Ref { kSoftmax = 0, kIdeal = 1, kAttnOut = 2, kNominal = 3, kRefs = 4 };
  struct Sums {  // one head output against one reference
    double xy = 0, xx = 0, yy = 0, err2 = 0;
    Sums& operator+=(const Sums& o) {
      xy += o.xy, xx += o.xx, yy += o.yy, err2 += o.err2;
      return *this;
    }
  };
  static Sums compare(const float* x, const double* ref, std::size_t d);

  int layers_, heads_, d_, window_;
  AccuracyOptions opt_;
  WorkerPool* pool_;
  std::vector<IdealHeadF32> ideal_;  // [layer][head]
  std::vector<HeadModel> nominal_;   // [layer][head], with variation or noise on
  SoftmaxCache cache_;
  std::vector<float> kring_;           // [layer][head] raw k of the window, key_block_index layout
  std::size_t kring_stride_ = 0;       // floats per head
  std::vector<float> vring_;           // [layer][head][window][d] raw v of the window
  std::vector<Acc> head_acc_[kRefs];   // [layer][head]
  std::vector<Acc> layer_acc_[kRefs];  // [layer]
  // Per head of the running step, sized once: reference outputs, scores, sums.
  std::vector<double> ref_;          // [head][d]
  std::vector<double> nominal_out_;  // [head][d]
  std::vector<float> w_;             // [head][window + 8]
  std::vector<float> acc_;           // [head][d]
  std::vector<Sums> sums_;           // [head][ref]
};

}  // namespace gcattn::player
