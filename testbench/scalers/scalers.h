#pragma once
// The per-layer, per-head affine scalers of PAPER.md section 3 (q, k, v and output), as a table
// for a whole model, and their JSON file (docs/report-format.md, "Scalers file"). The player
// writes them into the accelerator's scaler window; the scaler window holds float32 words, so
// the table can be rounded to what the hardware will actually apply.
#include <cstddef>
#include <string>
#include <vector>

#include "gcattn/config/hardware_params.h"

namespace gcattn {

inline constexpr const char* kScalersFormat = "gcattn-scalers";
inline constexpr int kScalersVersion = 1;

struct ScalerTable {
  int layers = 0, heads = 0;
  std::vector<HeadScalers> entries;  // [layer][head]
  // Provenance (informational, kept in the file).
  std::string method;  // "range", "paper", "defaults" or "file"
  std::string trace;   // trace the scalers were calibrated on
  std::size_t calibration_tokens = 0;

  ScalerTable() = default;
  /// Every head with the same scalers (e.g. the configuration's scalers.* defaults).
  ScalerTable(int layers, int heads, const HeadScalers& all);

  HeadScalers& at(int layer, int head) { return entries[index(layer, head)]; }
  const HeadScalers& at(int layer, int head) const { return entries[index(layer, head)]; }
  std::size_t index(int layer, int head) const {
    return static_cast<std::size_t>(layer) * static_cast<std::size_t>(heads) +
           static_cast<std::size_t>(head);
  }

  /// Every gain and offset rounded to float32, as the accelerator's scaler window stores them.
  ScalerTable rounded_to_float() const;
};

/// Reads a scalers file; every problem is a InputError naming the file and the field.
ScalerTable read_scalers(const std::string& path);
/// Writes a scalers file (pretty JSON, full double precision).
void write_scalers(const std::string& path, const ScalerTable& table);
/// The JSON text of a scalers table.
std::string scalers_to_json(const ScalerTable& table);
/// Parses scalers JSON text; origin names the file in error messages.
ScalerTable parse_scalers(const std::string& text, const std::string& origin);

}  // namespace gcattn
