#pragma once
// One transformer layer's share of the accelerator: its heads (they hold this layer's KV cache
// and work in parallel on every step of the layer).
#include <memory_resource>

#include <systemc>

#include "gcattn/config/hardware_params.h"
#include "gcattn/systemc/head.h"

namespace gcattn::sc {

class Layer : public sc_core::sc_module {
 public:
  /// mem: where the heads keep their cells (the accelerator's arena); index: the layer's index
  /// (its devices' variation and noise).
  Layer(const sc_core::sc_module_name& name, const HardwareParams& p, int heads,
        std::pmr::memory_resource* mem = std::pmr::get_default_resource(), int index = 0)
      : sc_core::sc_module(name),
        heads("head", static_cast<std::size_t>(heads),
              [&p, mem, index](const char* n, std::size_t h) {
                return new Head(n, p, mem, index, static_cast<int>(h));
              }) {}
  const char* kind() const override { return "gcattn::sc::Layer"; }

  sc_core::sc_vector<Head> heads;
};

}  // namespace gcattn::sc
