// Reads of one full 64 x 64 grid-coded gain-cell array (the paper's sub-tile, time-mode leakage):
// read_rows (the K array's Q.K score read) and read_cols (the V array's phi(S).V read), the two
// kernels that take most of a functional run (docs/performance.md).
//   build/release/bin/gcattn_bench --benchmark_filter=ArrayRead
#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <vector>

#include "gcattn/config/config.h"
#include "gcattn/numerics/gain_cell_array.h"

namespace {

using namespace gcattn;

HardwareParams params(const char* leakage) {
  Config cfg = Config::paper();
  cfg.set(leakage);
  return HardwareParams::from(cfg);
}

struct FullArray {
  HardwareParams p;
  GainCellArrayModel a;
  std::vector<double> rin, cin, out;
  explicit FullArray(Unit unit, const char* leakage = "leakage.mode=time")
      : p(params(leakage)), a(make_array(p, unit)) {
    std::mt19937 rng(1);
    const int levels = 8;
    std::vector<std::uint8_t> code(static_cast<std::size_t>(p.rows));
    for (int c = 0; c < p.cols; ++c) {
      for (auto& x : code) x = static_cast<std::uint8_t>(rng() % levels);
      a.write_codes(c, code.data(), 1e-9 * c, c);
    }
    std::uniform_real_distribution<double> u(0.0, 1.0);
    rin.resize(static_cast<std::size_t>(p.rows));
    cin.resize(static_cast<std::size_t>(p.cols));
    for (auto& x : rin) x = u(rng);
    for (auto& x : cin) x = u(rng);
    out.resize(static_cast<std::size_t>(std::max(p.rows, p.cols)));
  }
};

// Unit::KArray: read_rows (pulses on the rows, one score per column); Unit::VArray: read_cols.
template <Unit U>
void BM_ArrayRead(benchmark::State& state) {
  FullArray f(U, state.range(0) ? "leakage.mode=time" : "leakage.mode=off");
  const double* in = U == Unit::KArray ? f.rin.data() : f.cin.data();
  double now = 1e-6;
  for (auto _ : state) {
    benchmark::DoNotOptimize(U == Unit::KArray ? f.a.read_rows(in, now, 100, f.out.data())
                                               : f.a.read_cols(in, now, 100, f.out.data()));
    now += 1e-9;
  }
  state.SetItemsProcessed(state.iterations() * f.p.cols);  // columns (tokens) per second
}
void BM_ArrayReadRows(benchmark::State& state) {
  BM_ArrayRead<Unit::KArray>(state);
}
void BM_ArrayReadCols(benchmark::State& state) {
  BM_ArrayRead<Unit::VArray>(state);
}

}  // namespace

// Argument: 1 with leakage in simulated time (the default: one exp per column and read), 0 without.
BENCHMARK(BM_ArrayReadRows)->Arg(1)->Arg(0)->Unit(benchmark::kNanosecond)->MinTime(1.0);
BENCHMARK(BM_ArrayReadCols)->Arg(1)->Arg(0)->Unit(benchmark::kNanosecond)->MinTime(1.0);
