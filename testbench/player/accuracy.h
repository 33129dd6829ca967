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
// The softmax and ideal references do not depend on the simulation: compute_references() runs
// them before it, head by head (a head's window stays in the caches) with the heads on the
// worker pool, in the single-precision kernels of gcattn/numerics/fast_reference.h (they agree
// with the double-precision models to about 1e-6), and keeps one float per output. Metrics: per
// head, the mean over tokens of the cosine similarity of the head output and the pooled relative
// RMS error sqrt(sum ||x - ref||^2 / sum ||ref||^2); per layer the same on the concatenated head
// outputs of the layer; overall pooled over layers. Per-head results are combined in head order,
// so the metrics do not depend on the thread count. No allocation per step.
#include <csignal>
#include <cstdint>
#include <vector>

#include "gcattn/config/hardware_params.h"
#include "gcattn/numerics/head.h"
#include "gcattn/parallel/worker_pool.h"
#include "report/report.h"
#include "scalers/scalers.h"

namespace gcattn::trace {
class TraceReader;
}

namespace gcattn::player {

struct AccuracyOptions {
  bool softmax = true;
  bool ideal = true;
  bool attn_out = true;  // only used when the trace has attn_out
  bool nominal = true;   // only used with variation or noise on
};

/// Reference outputs of tokens [0, tokens): [layer][head][token][d] floats (empty: not computed).
struct ReferenceOutputs {
  std::vector<float> softmax, ideal;
  std::size_t tokens = 0;
};

/// The softmax and ideal references of the first `tokens` tokens of a trace (as opt asks), heads
/// on the pool. softmax: reference outputs already computed for exactly these tokens (the
/// calibration in `gcattn run` computes them), or empty. A set stop flag skips the heads not yet
/// started (the caller stops anyway).
ReferenceOutputs compute_references(const trace::TraceReader& tr, const HardwareParams& hw,
                                    const ScalerTable& scalers, std::size_t tokens,
                                    const AccuracyOptions& opt, WorkerPool* pool,
                                    std::vector<float> softmax = {},
                                    const volatile std::sig_atomic_t* stop = nullptr);

class AccuracyTracker {
 public:
  /// refs: from compute_references for every token to be replayed. pool: runs the heads of a
  /// step (null: on the calling thread).
  AccuracyTracker(const HardwareParams& hw, const ScalerTable& scalers, AccuracyOptions opt,
                  ReferenceOutputs refs, WorkerPool* pool = nullptr);

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
  template <typename T>
  static Sums compare(const float* x, const T* ref, std::size_t d);

  int layers_, heads_, d_;
  AccuracyOptions opt_;
  ReferenceOutputs refs_;
  WorkerPool* pool_;
  std::vector<HeadModel> nominal_;     // [layer][head], with variation or noise on
  std::vector<Acc> head_acc_[kRefs];   // [layer][head]
  std::vector<Acc> layer_acc_[kRefs];  // [layer]
  std::vector<double> nominal_out_;    // [head][d] of the running step
  std::vector<Sums> sums_;             // [head][ref] of the running step
};

}  // namespace gcattn::player
