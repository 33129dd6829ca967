#pragma once
// Typed view of the configuration sections the SystemC model reads itself: the accelerator's
// geometry and mode (model.*) and the host-interface latencies (host.*). The array, converter,
// timing and energy sections are read by HardwareParams, PhaseSchedule and EnergyModel.
#include <cstdint>

#include <systemc>

#include "gcattn/config/config.h"
#include "gcattn/config/hardware_params.h"

namespace gcattn::sc {

struct HostTiming {
  sc_core::sc_time clock_period;
  int bus_width_bytes = 64;
  int register_access_cycles = 2;
  int window_access_cycles = 2;
  int dmi_access_cycles = 1;

  sc_core::sc_time register_latency() const { return clock_period * register_access_cycles; }
  /// A burst of `bytes` bytes: fixed cycles plus one cycle per bus word.
  sc_core::sc_time window_latency(std::uint64_t bytes) const {
    const std::uint64_t w = static_cast<std::uint64_t>(bus_width_bytes);
    return clock_period * static_cast<double>(static_cast<std::uint64_t>(window_access_cycles) +
                                              (bytes + w - 1) / w);
  }
  sc_core::sc_time dmi_latency() const { return clock_period * dmi_access_cycles; }
};

/// The accelerator's DMA engine (configuration section "dma", docs/register-map.md "DMA").
struct DmaTiming {
  int setup_cycles = 4;  // per transfer, cycles of HostTiming::clock_period
  std::uint32_t max_burst_bytes = 256;
  bool use_dmi = true;
  double energy_fj_per_bit = 0.0;
};

struct AcceleratorParams {
  HardwareParams hw;
  int layers = 12;
  int heads = 12;
  bool functional = true;
  double estimated_activity_fraction = 0.5;
  HostTiming host;
  DmaTiming dma;

  int dim() const { return hw.rows; }
  /// Floats of one data window (heads x dim).
  std::size_t window_words() const {
    return static_cast<std::size_t>(heads) * static_cast<std::size_t>(hw.rows);
  }

  /// Reads and checks the sections; throws ConfigError naming the keys when the geometry does
  /// not fit the register map's windows.
  static AcceleratorParams from(const Config& cfg);
};

}  // namespace gcattn::sc
