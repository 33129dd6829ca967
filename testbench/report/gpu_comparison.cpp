#include "report/gpu_comparison.h"

#include <sstream>

namespace gcattn::report {

double mean_window_occupancy(std::size_t tokens, int window) {
  if (tokens == 0) return 0.0;
  const std::size_t m = static_cast<std::size_t>(window);
  const std::size_t ramp = std::min(tokens, m);  // tokens 0 .. ramp-1 see t + 1
  const double ramp_sum = static_cast<double>(ramp) * static_cast<double>(ramp + 1) / 2.0;
  const double full = static_cast<double>(tokens - ramp) * static_cast<double>(m);
  return (ramp_sum + full) / static_cast<double>(tokens);
}

GpuComparison compare_gpus(const GpuInputs& in, const std::vector<GpuReference>& gpus) {
  GpuComparison c;
  c.accelerator_latency_per_token_ns = in.accelerator_latency_per_token_ns;
  c.accelerator_energy_per_token_pj = in.accelerator_energy_per_token_pj;
  c.layers = in.layers;
  c.heads = in.heads;
  c.d_head = in.d_head;
  c.mean_window_tokens = in.mean_window_tokens;
  c.kv_bytes_per_element = in.kv_bytes_per_element;
  const double per_token_elements =
      2.0 * in.layers * in.heads * in.d_head * in.kv_bytes_per_element;  // K and V
  c.kv_bytes_per_token = per_token_elements * in.mean_window_tokens;
  c.kv_bytes_full_window = per_token_elements * in.window_tokens;
  // The paper's GPU figures are per token for one 12-head layer: scale by layers x heads / 12.
  const double scale = static_cast<double>(in.layers) * in.heads / in.paper_heads;
  std::ostringstream scale_note;
  scale_note << "paper figure per 12-head layer x " << in.layers << " layers x " << in.heads << "/"
             << in.paper_heads << " heads";

  auto finish = [&](GpuRow& r) {
    if (in.accelerator_latency_per_token_ns > 0.0)
      r.speedup = r.latency_per_token_ns / in.accelerator_latency_per_token_ns;
    if (in.accelerator_energy_per_token_pj > 0.0)
      r.energy_ratio = r.energy_per_token_pj / in.accelerator_energy_per_token_pj;
    c.rows.push_back(r);
  };
  for (const auto& g : gpus) {
    if (g.measured) {
      GpuRow r;
      r.id = g.id;
      r.name = g.name;
      // The measurement is GPT-2 small's (12 heads of 64 per layer); other shapes get it scaled
      // by the head count, which is an estimate, not a measurement: labelled so.
      const bool same_shape = in.heads == in.paper_heads && in.d_head == 64;
      r.kind = same_shape ? "measured" : "measured_scaled";
      r.source = g.measured->source;
      r.note = (same_shape ? "" : "scaled, not measured for this shape: ") + scale_note.str() +
               "; " + g.measured->workload;
      r.latency_per_token_ns = g.measured->latency_per_layer_token_us * 1e3 * scale;
      r.energy_per_token_pj = g.measured->energy_per_layer_token_mj * 1e9 * scale;
      finish(r);
    } else if (g.paper_speedup || g.paper_energy_ratio) {
      GpuRow r;
      r.id = g.id;
      r.name = g.name;
      r.kind = "paper_ratio";
      r.source = g.paper_source;
      std::ostringstream note;
      note << "published ratio x the paper's accelerator figure (" << in.paper_latency_per_layer_ns
           << " ns, " << in.paper_energy_per_layer_pj / 1e3 << " nJ per layer); "
           << scale_note.str();
      r.note = note.str();
      if (g.paper_speedup)
        r.latency_per_token_ns = *g.paper_speedup * in.paper_latency_per_layer_ns * scale;
      if (g.paper_energy_ratio)
        r.energy_per_token_pj = *g.paper_energy_ratio * in.paper_energy_per_layer_pj * scale;
      finish(r);
    }
    if (g.peak_bandwidth_gbs) {
      GpuRow r;
      r.id = g.id;
      r.name = g.name;
      r.kind = "bandwidth_floor";
      r.source = g.memory_source;
      std::ostringstream note;
      note << "fp16 K and V of " << in.layers << " x " << in.heads << " heads x "
           << in.mean_window_tokens
           << " stored tokens (mean) read once per token at peak bandwidth";
      if (g.memory_energy_pj_per_bit) {
        note << ", " << *g.memory_energy_pj_per_bit << " pJ/bit";
      } else {
        note << "; no energy per bit in the GPU file, so no energy floor";
      }
      r.note = note.str();
      r.latency_per_token_ns = c.kv_bytes_per_token / (*g.peak_bandwidth_gbs * 1e9) * 1e9;
      if (g.memory_energy_pj_per_bit)
        r.energy_per_token_pj = c.kv_bytes_per_token * 8.0 * *g.memory_energy_pj_per_bit;
      finish(r);
    }
  }
  return c;
}

}  // namespace gcattn::report
