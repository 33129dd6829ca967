#pragma once
// Bottom-up silicon area of the accelerator (docs/nonidealities.md, "Area"): per sub-tile the
// cells and the array periphery of its K and V arrays and its converters; per head its sub-tiles,
// DACs, digital adders and control plus a routing overhead; per layer its heads; per model its
// layers. Every unit area is a configuration parameter (cell.area_um2, area.*); the paper preset's
// are assumed and calibrated to the published ~0.5 mm^2 per head.
#include <string>
#include <vector>

#include "gcattn/config/config.h"
#include "gcattn/config/hardware_params.h"

namespace gcattn {

struct AreaParams {
  double cell_um2 = 1.0;
  double periphery_um2_per_row = 0.0, periphery_um2_per_col = 0.0;
  double cpc_um2 = 0.0, output_converter_um2 = 0.0;
  double query_dac_um2 = 0.0, kv_dac_um2 = 0.0;
  double digital_um2_per_head = 0.0;
  double routing_overhead = 0.0;  // fraction of a head's summed blocks
  static AreaParams from(const Config& cfg);
};

/// One line of the breakdown: count blocks of unit_um2 each.
struct AreaItem {
  std::string name;
  std::string key;  // the parameter giving unit_um2 ("" for derived lines)
  double count = 0.0;
  double unit_um2 = 0.0;
  double total_um2 = 0.0;
};

struct AreaBreakdown {
  std::vector<AreaItem> subtile;  // the blocks of one sub-tile
  std::vector<AreaItem> head;     // the blocks of one head (its sub-tiles as one line)
  double subtile_um2 = 0.0, head_um2 = 0.0, layer_um2 = 0.0, model_um2 = 0.0;
  int subtiles_per_head = 0, heads = 0, layers = 0;
};

/// The area of `layers` x `heads` heads of hardware hw.
AreaBreakdown area_of(const AreaParams& a, const HardwareParams& hw, int layers, int heads);

}  // namespace gcattn
