#include "gcattn/systemc/gain_cell_array.h"

#include "gcattn/numerics/converters.h"
#include "gcattn/physics/cell_model.h"
#include "gcattn/physics/leakage.h"

namespace gcattn::sc {

GainCellArray::GainCellArray(const char* name, const HardwareParams& p,
                             std::pmr::memory_resource* mem, const Site& site, Unit unit)
    : name_(name), model_(p.rows, p.cols, CellModel::from(p), Leakage::from(p), p.v_mid_v, mem) {
  // The write DACs' grid: stored cells are held as grid indices (bit-identical reads).
  if (p.quantize) {
    const WriteDac dac = WriteDac::from(p);
    model_.set_write_grid(dac.step_v(), dac.grid_min_index(), dac.grid_max_index());
  }
  model_.set_nonideality(p.nonideal, site, unit);
}

}  // namespace gcattn::sc
