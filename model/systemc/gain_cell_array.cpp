#include "gcattn/systemc/gain_cell_array.h"

namespace gcattn::sc {

// The numerics recipe of a sub-tile's array (cell, leakage with the K side's decay rounding,
// write grid, variation): the same arrays as SubTileModel's.
GainCellArray::GainCellArray(const char* name, const HardwareParams& p,
                             std::pmr::memory_resource* mem, const Site& site, Unit unit)
    : name_(name), model_(make_array(p, unit, site, mem)) {}

}  // namespace gcattn::sc
