#include "gcattn/systemc/accelerator_params.h"

#include <string>

#include "gcattn/systemc/register_map.h"

namespace gcattn::sc {

AcceleratorParams AcceleratorParams::from(const Config& cfg) {
  AcceleratorParams p;
  p.hw = HardwareParams::from(cfg);
  p.layers = static_cast<int>(cfg.integer("model.layers"));
  p.heads = static_cast<int>(cfg.integer("model.heads"));
  p.functional = cfg.boolean("model.functional");
  p.estimated_activity_fraction = cfg.number("model.estimated_activity_fraction");
  p.host.clock_period = sc_core::sc_time(cfg.number("host.clock_period_ns"), sc_core::SC_NS);
  p.host.bus_width_bytes = static_cast<int>(cfg.integer("host.bus_width_bytes"));
  p.host.register_access_cycles = static_cast<int>(cfg.integer("host.register_access_cycles"));
  p.host.window_access_cycles = static_cast<int>(cfg.integer("host.window_access_cycles"));
  p.host.dmi_access_cycles = static_cast<int>(cfg.integer("host.dmi_access_cycles"));
  p.dma.setup_cycles = static_cast<int>(cfg.integer("dma.setup_cycles"));
  p.dma.max_burst_bytes = static_cast<std::uint32_t>(cfg.integer("dma.max_burst_bytes"));
  p.dma.use_dmi = cfg.boolean("dma.use_dmi");
  p.dma.energy_fj_per_bit = cfg.number("dma.energy_fj_per_bit");
  if (p.dma.max_burst_bytes % 4 != 0) {
    throw ConfigError("dma.max_burst_bytes = " + std::to_string(p.dma.max_burst_bytes) +
                      " is not a multiple of 4: the DMA engine moves whole float32 words; use " +
                      std::to_string(p.dma.max_burst_bytes / 4 * 4 + 4));
  }
  if (p.host.clock_period == sc_core::SC_ZERO_TIME) {
    throw ConfigError(
        "host.clock_period_ns = " + std::to_string(cfg.number("host.clock_period_ns")) +
        " is below the simulation time resolution (" +
        sc_core::sc_get_time_resolution().to_string() + "); use a larger period");
  }
  const std::size_t window_bytes = p.window_words() * sizeof(float);
  if (window_bytes > regmap::kDataWindowSize) {
    throw ConfigError("model.heads = " + std::to_string(p.heads) +
                      " x array.rows = " + std::to_string(p.hw.rows) + " float32 words (" +
                      std::to_string(window_bytes) +
                      " bytes) exceed a data window of the register map (" +
                      std::to_string(regmap::kDataWindowSize) + " bytes); reduce model.heads");
  }
  const std::size_t scaler_bytes = static_cast<std::size_t>(p.layers) *
                                   static_cast<std::size_t>(p.heads) * regmap::kScalerWords *
                                   sizeof(float);
  if (scaler_bytes > regmap::kScalerWindowSize) {
    throw ConfigError(
        "model.layers x model.heads = " + std::to_string(p.layers * p.heads) + " heads need " +
        std::to_string(scaler_bytes) + " bytes of scalers, more than the scaler window (" +
        std::to_string(regmap::kScalerWindowSize) + " bytes); reduce model.layers or model.heads");
  }
  return p;
}

}  // namespace gcattn::sc
