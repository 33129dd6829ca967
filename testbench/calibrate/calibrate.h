#pragma once
// Calibration of the per-head scalers (PAPER.md sections 3 and 8) on a prefix of a trace, with
// the numerics library's HeadModel as the hardware (no SystemC). Two methods:
//  - range: q is mapped from its [100-p, p] percentile range onto the query DAC's [0, 1]; k and v
//    from their p-th percentile magnitude onto the storable range symmetric about cell.v_mid_v
//    (zero stays at the zero-current voltage); the output scaler is the least-squares affine fit
//    of the float softmax attention of the same q, k, v to the configured hardware's digital sum.
//  - paper: the adaptation of the paper. The "intermediate model" is the configured hardware
//    with a linear cell; it gets range scalers (its output scaler matches the mean and standard
//    deviation of the softmax reference). Then the configured cell is swapped in and every
//    scaler (q, k, v, out) of every head is iterated: a <- a * sigma_target / sigma,
//    b <- b + mu_target - mu, damped by alpha (alpha_max to alpha_min over alpha_decay_steps),
//    until the statistics of each scaler's output match the intermediate model's within
//    tolerance * sigma_target. On a trace both models see the same q, k, v (no upstream layers
//    propagate differences), so the q, k, v statistics match from the start and the adaptation
//    acts on the output scalers.
#include <csignal>
#include <cstddef>
#include <string>
#include <vector>

#include "gcattn/config/config.h"
#include "gcattn/config/hardware_params.h"
#include "scalers/scalers.h"

namespace gcattn {
class WorkerPool;
}
namespace gcattn::trace {
class TraceReader;
}

namespace gcattn::calibrate {

enum class Method { Range, Paper };
const char* method_name(Method m);
/// "range" or "paper"; throws UsageError naming option otherwise.
Method parse_method(const std::string& name, const std::string& option = "--method");

struct Options {
  Method method = Method::Range;
  std::size_t tokens = 0;        // calibration prefix (clipped to the trace length); 0: all tokens
  double percentile = 99.9;      // range: clipping percentile of q, |k|, |v|
  double token_period_ns = 0.0;  // simulated time between tokens (leakage in time mode)
  // paper adaptation (defaults of the authors' calibration script)
  int max_iterations = 100;
  double alpha_max = 1.0, alpha_min = 0.1;
  int alpha_decay_steps = 50;
  double tolerance = 1e-4;     // relative to the target standard deviation
  WorkerPool* pool = nullptr;  // heads calibrated in parallel (null: on the calling thread)
  bool keep_softmax = false;   // return the softmax reference of every token (Result::softmax)
  // Set (e.g. by SIGINT): the heads not yet started are skipped and the result comes back
  // marked interrupted once the running ones finish.
  const volatile std::sig_atomic_t* stop = nullptr;
};

/// Accuracy of the configured hardware on the calibration prefix with the final scalers.
struct PrefixAccuracy {
  double cosine = 0.0;        // mean over tokens and heads of cos(hardware, softmax)
  double relative_rms = 0.0;  // pooled over tokens and heads
};

struct Result {
  bool interrupted = false;  // Options::stop was set: the scalers are incomplete, do not use them
  // With Options::keep_softmax: the softmax attention over the hardware's window of every
  // calibration token, [layer][head][token][d_head] floats (what the accuracy report compares
  // against, so that `gcattn run` computes it once).
  std::vector<float> softmax;
  ScalerTable scalers;
  Method method = Method::Range;
  std::size_t tokens = 0;
  int max_iterations_used = 0;  // paper: the most iterations any head needed
  int unconverged_heads = 0;    // paper: heads that hit max_iterations
  std::vector<PrefixAccuracy> per_layer;
  PrefixAccuracy overall;
};

/// Calibrates every (layer, head) of the trace; (layer, head) pairs run on opt.pool and the result
/// is the same for any thread count. hw is the configured hardware (its default_scalers are
/// ignored; its variation and noise too: the scalers are fitted on the nominal hardware). Throws
/// InputError when the trace does not fit hw
/// (d_head != array.rows) or is empty.
Result calibrate(const trace::TraceReader& trace, const HardwareParams& hw, const Options& opt);

/// Percentile p (0..100) of values by linear interpolation between order statistics.
double percentile(std::vector<double> values, double p);

}  // namespace gcattn::calibrate
