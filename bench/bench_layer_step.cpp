// Simulated layer steps per second for the GPT-2-small shape (12 layers x 12 heads, window
// 1024 full), with the array arithmetic (functional) and without it (timing + energy only).
// Each step is the complete host sequence through the TLM socket (K, V, Q windows, LAYER,
// POSITION, COMMAND, interrupt, OUT, IRQ_CLEAR), as the trace player will run it.
//   build/release/bin/gcattn_bench [--benchmark_filter=...] [--set key=value ...]
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstring>
#include <iostream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <systemc>

#include "gcattn/config/config.h"
#include "gcattn/systemc/accelerator.h"
#include "gcattn/systemc/host_driver.h"

namespace {

using namespace gcattn;
namespace rm = gcattn::sc::regmap;

/// Runs one layer step (all heads of the next layer, token after token) per request.
struct Traffic : sc_core::sc_module {
  sc::Accelerator accel;
  sc::HostDriver host;
  sc_core::sc_signal<bool> irq;
  std::vector<float> q, k, v, out;
  int layers;
  int layer = 0;
  std::uint32_t position = 0;
  std::uint64_t pending = 0;
  sc_core::sc_event go;

  SC_HAS_PROCESS(Traffic);
  Traffic(const sc_core::sc_module_name& n, const Config& cfg)
      : sc_core::sc_module(n),
        accel("accel", cfg),
        host("host"),
        irq("irq"),
        layers(accel.params().layers) {
    host.socket.bind(accel.socket());
    accel.irq(irq);
    host.irq(irq);
    const std::size_t words = accel.params().window_words();
    std::mt19937 rng(1);
    std::normal_distribution<float> kv(0.0f, 0.25f);
    std::uniform_real_distribution<float> qd(0.0f, 1.0f);
    for (auto* vec : {&q, &k, &v, &out}) vec->resize(words);
    for (auto& x : q) x = qd(rng);
    for (auto& x : k) x = kv(rng);
    for (auto& x : v) x = kv(rng);
    SC_THREAD(run);
  }
  void run() {
    for (;;) {
      if (pending == 0) host.sync();  // LT discipline: catch up before waiting on others
      while (pending == 0) wait(go);
      --pending;
      host.step(layer, position, rm::kCmdWriteKv | rm::kCmdAttend, k.data(), v.data(), q.data(),
                out.data());
      if (++layer == layers) {
        layer = 0;
        ++position;
      }
    }
  }
  /// Simulates n more layer steps.
  void steps(std::uint64_t n) {
    pending += n;
    go.notify(sc_core::SC_ZERO_TIME);
    sc_core::sc_start();  // returns when the traffic thread starves
  }
};

Traffic* g_traffic = nullptr;

void run_steps(benchmark::State& state, bool functional) {
  Traffic& t = *g_traffic;
  t.accel.set_functional(functional);
  const std::uint64_t steps0 = t.accel.statistics().steps();
  const sc_core::sc_time sim0 = sc_core::sc_time_stamp();
  for (auto _ : state) t.steps(1);
  const double n = static_cast<double>(t.accel.statistics().steps() - steps0);
  state.counters["layer_steps_per_s"] = benchmark::Counter(n, benchmark::Counter::kIsRate);
  state.counters["sim_ns_per_step"] = (sc_core::sc_time_stamp() - sim0).to_seconds() * 1e9 / n;
  state.counters["heads"] = t.accel.params().heads;
  state.counters["window_tokens"] = t.accel.params().hw.window_tokens;
}

void BM_LayerStepFunctional(benchmark::State& state) {
  run_steps(state, true);
}
void BM_LayerStepTimingOnly(benchmark::State& state) {
  run_steps(state, false);
}
BENCHMARK(BM_LayerStepFunctional)->Unit(benchmark::kMicrosecond)->MinTime(2.0);
BENCHMARK(BM_LayerStepTimingOnly)->Unit(benchmark::kMicrosecond)->MinTime(2.0);

}  // namespace

int sc_main(int argc, char* argv[]) {
  benchmark::Initialize(&argc, argv);
  Config cfg = Config::paper();  // model.layers = model.heads = 12: GPT-2 small
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], "--set") == 0) cfg.set(argv[++i]);
  }
  // Loosely timed with a 1 us quantum, as a virtual platform would run the host.
  tlm::tlm_global_quantum::instance().set(sc_core::sc_time(1, sc_core::SC_US));
  Traffic traffic("traffic", cfg);
  g_traffic = &traffic;
  // Fill the whole window of every layer first (timing-only: stores K/V, skips the reads), so
  // the benchmarks measure the steady state of a full KV cache.
  const auto& p = traffic.accel.params();
  traffic.accel.keep_kv_in_timing_only(true);  // the functional benchmark reads them
  traffic.accel.set_functional(false);
  traffic.steps(static_cast<std::uint64_t>(p.hw.window_tokens) *
                static_cast<std::uint64_t>(p.layers));
  std::cerr << "gcattn_bench: " << p.layers << " layers x " << p.heads << " heads, window "
            << p.hw.window_tokens << " tokens filled at simulated time " << sc_core::sc_time_stamp()
            << "\n";
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
