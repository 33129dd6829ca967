#pragma once
// What one attend of a sub-tile did, for the energy model.

namespace gcattn {

/// Per-sub-tile activity of one attend, for energy accounting.
struct SubTileActivity {
  int active_columns = 0;        // written columns that were read
  int firing_columns = 0;        // columns with phi > 0
  double phi_sum = 0.0;          // sum of phi pulse fractions
  double k_read_activity = 0.0;  // sum |q * g| over K cells (uA-equivalent)
  double v_read_activity = 0.0;  // sum |phi * g| over V cells
  long counter_steps = 0;        // sum |output code|

  /// Adds another sub-tile's (or step's) activity, field by field.
  SubTileActivity& operator+=(const SubTileActivity& o) {
    active_columns += o.active_columns;
    firing_columns += o.firing_columns;
    phi_sum += o.phi_sum;
    k_read_activity += o.k_read_activity;
    v_read_activity += o.v_read_activity;
    counter_steps += o.counter_steps;
    return *this;
  }
};

}  // namespace gcattn
