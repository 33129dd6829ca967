#pragma once
// Test fixture: an Accelerator driven by a HostDriver through real TLM sockets, with the
// interrupt wired; the test body runs in an SC_THREAD. One kernel per process: each TEST_CASE
// runs in its own process (catch_discover_tests).
#include <cstdint>
#include <exception>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include <systemc>

#include "gcattn/config/config.h"
#include "gcattn/systemc/accelerator.h"
#include "gcattn/systemc/host_driver.h"

namespace gcattn::test {

/// The paper preset with a small geometry (2 layers x 2 heads) and optional overrides.
inline Config small_config(const std::vector<std::string>& overrides = {}) {
  Config cfg = Config::paper();
  cfg.set("model.layers=2");
  cfg.set("model.heads=2");
  for (const auto& o : overrides) cfg.set(o);
  return cfg;
}

struct Bench : sc_core::sc_module {
  using Body = std::function<void(Bench&)>;
  sc::Accelerator accel;
  sc::HostDriver host;
  sc_core::sc_signal<bool> irq;
  Body body;
  bool finished = false;
  std::exception_ptr error;
  sc_core::sc_time end_time;

  SC_HAS_PROCESS(Bench);
  Bench(const sc_core::sc_module_name& name, const Config& cfg, Body b,
        sc::Coding coding = sc::Coding::LooselyTimed, bool wire_irq = true)
      : sc_core::sc_module(name),
        accel("accel", cfg),
        host("host", coding),
        irq("irq"),
        body(std::move(b)) {
    host.socket.bind(accel.socket());
    accel.irq(irq);
    if (wire_irq) host.irq(irq);
    SC_THREAD(run);
  }
  void run() {
    try {
      body(*this);
      host.sync();
    } catch (...) {
      error = std::current_exception();
    }
    end_time = sc_core::sc_time_stamp();
    finished = true;
  }
  /// Rethrows what the body threw (Catch assertion failures included).
  void check() const {
    if (error) std::rethrow_exception(error);
  }
};

/// Model-space data for n tokens of one layer: [token][head][dim].
struct Tokens {
  int heads, dim;
  std::vector<float> q, k, v;
  Tokens(int n, int heads_, int dim_, unsigned seed) : heads(heads_), dim(dim_) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> kv(0.0f, 0.25f);
    std::uniform_real_distribution<float> qd(0.0f, 1.0f);
    const std::size_t words = static_cast<std::size_t>(n) * heads * dim;
    q.resize(words);
    k.resize(words);
    v.resize(words);
    for (auto& x : q) x = qd(rng);
    for (auto& x : k) x = kv(rng);
    for (auto& x : v) x = kv(rng);
  }
  std::size_t stride() const { return static_cast<std::size_t>(heads) * dim; }
  const float* Q(int t) const { return &q[t * stride()]; }
  const float* K(int t) const { return &k[t * stride()]; }
  const float* V(int t) const { return &v[t * stride()]; }
};

}  // namespace gcattn::test
