#pragma once
// The schema and presets of configs/, compiled into the library (see configs/CMakeLists.txt).
#include <string_view>
#include <vector>

namespace gcattn::detail {

struct EmbeddedPreset {
  std::string_view name;  // file name without .json
  std::string_view json;
};

std::string_view embedded_schema();
const std::vector<EmbeddedPreset>& embedded_presets();

}  // namespace gcattn::detail
