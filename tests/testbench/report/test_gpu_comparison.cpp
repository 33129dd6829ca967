// GPU comparison rows against the hand values of PAPER.md section 7.
#include <catch2/catch.hpp>

#include "gcattn/power/gpu_reference.h"
#include "report/gpu_comparison.h"

using namespace gcattn;

namespace {

const report::GpuRow& row(const report::GpuComparison& c, const std::string& id,
                          const std::string& kind) {
  for (const auto& r : c.rows) {
    if (r.id == id && r.kind == kind) return r;
  }
  FAIL("no row " << id << " " << kind);
  throw;
}

}  // namespace

TEST_CASE(
    "GPU floor: GPT-2 small with a full window reads 37.7 MB of fp16 KV per token (PAPER.md "
    "section 7)",
    "[report][gpu]") {
  report::GpuInputs in;
  in.layers = 12;
  in.heads = 12;
  in.d_head = 64;
  in.window_tokens = 1024;
  in.mean_window_tokens = 1024;
  in.accelerator_latency_per_token_ns = 780.0;    // 12 x 65 ns
  in.accelerator_energy_per_token_pj = 885600.0;  // 12 x 73.8 nJ
  std::vector<GpuReference> gpus;
  for (const char* id : {"h100", "h200", "a100", "rtx4090", "jetson_nano"})
    gpus.push_back(GpuReference::load(id));
  const report::GpuComparison c = report::compare_gpus(in, gpus);
  CHECK(c.kv_bytes_per_token == Approx(37748736.0));  // 12*12*64*2*1024*2
  CHECK(c.kv_bytes_full_window == c.kv_bytes_per_token);
  // Bandwidth floors of PAPER.md: H100 11.3 us, H200 7.9 us, RTX 4090 37 us per token.
  CHECK(row(c, "h100", "bandwidth_floor").latency_per_token_ns == Approx(11270).epsilon(0.005));
  CHECK(row(c, "h200", "bandwidth_floor").latency_per_token_ns == Approx(7864).epsilon(0.005));
  CHECK(row(c, "rtx4090", "bandwidth_floor").latency_per_token_ns == Approx(37449).epsilon(0.005));
  // About 1 mJ per token at 3.4 pJ/bit (PAPER.md: 1-2 mJ at 3.4-7 pJ/bit).
  CHECK(row(c, "h100", "bandwidth_floor").energy_per_token_pj == Approx(37748736.0 * 8 * 3.4));
  CHECK(row(c, "h100", "bandwidth_floor").energy_per_token_pj * 1e-9 == Approx(1.03).epsilon(0.01));
  // Measured 4090: 22.4 us and 7.18 mJ per 12-head layer; x344 and x97,000 per PAPER.md.
  const auto& m = row(c, "rtx4090", "measured");
  CHECK(m.latency_per_token_ns == Approx(22.4e3 * 12));
  CHECK(m.energy_per_token_pj == Approx(7.18e9 * 12));
  CHECK(m.speedup == Approx(344.6).epsilon(0.002));
  CHECK(m.energy_ratio == Approx(97290).epsilon(0.002));
  const auto& j = row(c, "jetson_nano", "measured");
  CHECK(j.speedup == Approx(7523).epsilon(0.002));
  CHECK(j.energy_ratio == Approx(44038).epsilon(0.002));
  // H100: only the paper's ratios are published; they come back against the paper's figures.
  const auto& hr = row(c, "h100", "paper_ratio");
  CHECK(hr.speedup == Approx(100.0));
  CHECK(hr.energy_ratio == Approx(70000.0));
  // ... and against another accelerator they scale with it: twice as slow, four times the energy.
  report::GpuInputs slow = in;
  slow.accelerator_latency_per_token_ns *= 2.0;
  slow.accelerator_energy_per_token_pj *= 4.0;
  const report::GpuComparison cs = report::compare_gpus(slow, gpus);
  CHECK(row(cs, "h100", "paper_ratio").latency_per_token_ns == Approx(100.0 * 65.0 * 12));
  CHECK(row(cs, "h100", "paper_ratio").speedup == Approx(50.0));
  CHECK(row(cs, "h100", "paper_ratio").energy_ratio == Approx(17500.0));
  CHECK(row(cs, "rtx4090", "measured").speedup == Approx(344.6 / 2).epsilon(0.002));
  // No energy per bit in the Jetson file: no energy floor, never a guess.
  CHECK(std::isnan(row(c, "jetson_nano", "bandwidth_floor").energy_per_token_pj));
  CHECK(std::isnan(row(c, "jetson_nano", "bandwidth_floor").energy_ratio));
}

TEST_CASE("measured GPU rows for another shape than GPT-2 small are labelled scaled",
          "[report][gpu]") {
  report::GpuInputs in;
  in.layers = 4;
  in.heads = 4;
  in.d_head = 64;
  in.window_tokens = 1024;
  in.mean_window_tokens = 1024;
  in.accelerator_latency_per_token_ns = 260.0;
  in.accelerator_energy_per_token_pj = 51000.0;
  const report::GpuComparison c = report::compare_gpus(in, {GpuReference::load("rtx4090")});
  const auto& m = row(c, "rtx4090", "measured_scaled");
  CHECK(m.latency_per_token_ns == Approx(22.4e3 * 4 * 4 / 12.0));
  CHECK_THAT(m.note, Catch::Contains("scaled, not measured"));
  for (const auto& r : c.rows) CHECK(r.kind != "measured");
}

TEST_CASE("GPU floor scales with the window occupancy and the trace shape", "[report][gpu]") {
  CHECK(report::mean_window_occupancy(1, 1024) == 1.0);
  CHECK(report::mean_window_occupancy(4, 1024) == Approx(2.5));  // (1+2+3+4)/4
  CHECK(report::mean_window_occupancy(6, 4) == Approx((1 + 2 + 3 + 4 + 4 + 4) / 6.0));
  CHECK(report::mean_window_occupancy(1024, 1024) == Approx(512.5));
  report::GpuInputs in;
  in.layers = 2;
  in.heads = 3;
  in.d_head = 64;
  in.window_tokens = 1024;
  in.mean_window_tokens = 10;
  in.accelerator_latency_per_token_ns = 130;
  in.accelerator_energy_per_token_pj = 1e4;
  const auto c = report::compare_gpus(in, {GpuReference::load("rtx4090")});
  CHECK(c.kv_bytes_per_token == Approx(2.0 * 2 * 3 * 64 * 2 * 10));
  // The paper's per-layer (12 heads) figures scale by layers x heads / 12.
  CHECK(row(c, "rtx4090", "measured_scaled").latency_per_token_ns == Approx(22.4e3 * 2 * 3 / 12.0));
  CHECK(row(c, "rtx4090", "measured_scaled").speedup == Approx(22.4e3 * 0.5 / 130));
}
