#include "gcattn/area/area_model.h"

namespace gcattn {

AreaParams AreaParams::from(const Config& cfg) {
  AreaParams a;
  a.cell_um2 = cfg.number("cell.area_um2");
  a.periphery_um2_per_row = cfg.number("area.periphery_um2_per_row");
  a.periphery_um2_per_col = cfg.number("area.periphery_um2_per_col");
  a.cpc_um2 = cfg.number("area.cpc_um2");
  a.output_converter_um2 = cfg.number("area.output_converter_um2");
  a.query_dac_um2 = cfg.number("area.query_dac_um2");
  a.kv_dac_um2 = cfg.number("area.kv_dac_um2");
  a.digital_um2_per_head = cfg.number("area.digital_um2_per_head");
  a.routing_overhead = cfg.number("area.routing_overhead");
  return a;
}

namespace {

double add(std::vector<AreaItem>& items, const char* name, const char* key, double count,
           double unit_um2) {
  items.push_back({name, key, count, unit_um2, count * unit_um2});
  return count * unit_um2;
}

}  // namespace

AreaBreakdown area_of(const AreaParams& a, const HardwareParams& hw, int layers, int heads) {
  AreaBreakdown b;
  b.subtiles_per_head = hw.subtiles();
  b.heads = heads;
  b.layers = layers;
  const double rows = hw.rows, cols = hw.cols;
  // A sub-tile: a K and a V array, one charge-to-pulse converter per column, one output
  // converter per row.
  b.subtile_um2 += add(b.subtile, "cells", "cell.area_um2", 2.0 * rows * cols, a.cell_um2);
  b.subtile_um2 += add(b.subtile, "row_periphery", "area.periphery_um2_per_row", 2.0 * rows,
                       a.periphery_um2_per_row);
  b.subtile_um2 += add(b.subtile, "column_periphery", "area.periphery_um2_per_col", 2.0 * cols,
                       a.periphery_um2_per_col);
  b.subtile_um2 += add(b.subtile, "charge_to_pulse", "area.cpc_um2", cols, a.cpc_um2);
  b.subtile_um2 += add(b.subtile, "output_converters", "area.output_converter_um2", rows,
                       a.output_converter_um2);
  // A head: its sub-tiles, a query DAC per row, a K and a V write DAC per row, digital.
  double blocks = 0.0;
  blocks += add(b.head, "subtiles", "", b.subtiles_per_head, b.subtile_um2);
  blocks += add(b.head, "query_dacs", "area.query_dac_um2", rows, a.query_dac_um2);
  blocks += add(b.head, "kv_dacs", "area.kv_dac_um2", 2.0 * rows, a.kv_dac_um2);
  blocks += add(b.head, "digital", "area.digital_um2_per_head", 1.0, a.digital_um2_per_head);
  const double routing =
      add(b.head, "routing", "area.routing_overhead", a.routing_overhead, blocks);
  b.head_um2 = blocks + routing;
  b.layer_um2 = b.head_um2 * heads;
  b.model_um2 = b.layer_um2 * layers;
  return b;
}

}  // namespace gcattn
