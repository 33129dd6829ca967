#include "gcattn/systemc/gain_cell_array.h"

#include "gcattn/physics/cell_model.h"
#include "gcattn/physics/leakage.h"

namespace gcattn::sc {

GainCellArray::GainCellArray(const sc_core::sc_module_name& name, const HardwareParams& p)
    : sc_core::sc_module(name),
      model_(p.rows, p.cols, CellModel::from(p), Leakage::from(p), p.v_mid_v) {}

}  // namespace gcattn::sc
