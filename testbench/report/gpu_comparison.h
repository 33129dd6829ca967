#pragma once
// GPU comparison rows of a run report (PAPER.md section 7): the paper's measured GPUs scaled to
// the trace's shape, the published ratios where only ratios exist (H100), and a first-principles
// bandwidth floor per GPU: the fp16 K and V bytes a GPU must read per token for the trace's shape
// and window occupancy, divided by its peak memory bandwidth, times the memory's energy per bit.
#include <string>
#include <vector>

#include "gcattn/power/gpu_reference.h"
#include "report/report.h"

namespace gcattn::report {

struct GpuInputs {
  int layers = 0, heads = 0, d_head = 0;
  double mean_window_tokens = 0.0;  // stored tokens a query attends to, mean over the run
  int window_tokens = 0;            // full window
  int kv_bytes_per_element = 2;     // fp16 KV cache
  double accelerator_latency_per_token_ns = 0.0;
  double accelerator_energy_per_token_pj = 0.0;
  // The paper's accelerator figures its ratios refer to (per token and 12-head layer).
  double paper_latency_per_layer_ns = 65.0;
  double paper_energy_per_layer_pj = 73800.0;
  int paper_heads = 12;
};

/// Rows for each reference GPU: measured (when published), paper ratios (when only ratios are
/// published), bandwidth floor (when the peak bandwidth is known; energy only with pJ/bit).
GpuComparison compare_gpus(const GpuInputs& in, const std::vector<GpuReference>& gpus);

/// Mean of min(t + 1, window) over tokens t = 0 .. tokens - 1 (the attended tokens per query).
double mean_window_occupancy(std::size_t tokens, int window);

}  // namespace gcattn::report
