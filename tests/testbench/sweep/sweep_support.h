#pragma once
// Helpers of the `gcattn sweep` end-to-end tests: spec files, commands, CSV tables.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "support/process.h"

namespace gcattn::test {

inline std::string quoted(const std::filesystem::path& p) {
  return "'" + p.string() + "'";
}

inline void write_text(const std::filesystem::path& p, const std::string& text) {
  std::ofstream(p) << text;
}

inline std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

/// A 4-unit spec (2 x 2 points) on the shipped trace, 4 tokens each.
inline std::string small_spec() {
  return std::string(R"({"base": {"config": "paper", "set": {"player.host_gap_ns": 140}},
    "axes": {"kv_dac.levels": [4, 8], "output.levels": [16, 32]},
    "traces": [")") +
         GCATTN_SOURCE_DIR + R"(/traces/shakespeare-gpt2-mini.safetensors"],
    "run": {"tokens": 4, "mode": "lt", "accuracy": true}})";
}

/// A CSV's lines without the wall-clock columns (the only ones that differ between backends).
inline std::vector<std::string> without_wall_times(const std::string& csv) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(csv);
  for (std::string line; std::getline(in, line);) {
    std::vector<std::string> cells;
    std::stringstream ls(line);
    for (std::string c; std::getline(ls, c, ',');) cells.push_back(c);
    rows.push_back(cells);
  }
  std::vector<std::string> out;
  if (rows.empty()) return out;
  for (const auto& r : rows) {
    std::string line;
    for (std::size_t c = 0; c < r.size() && c < rows[0].size(); ++c) {
      if (rows[0][c] == "wall_time_s" || rows[0][c] == "unit_wall_s") continue;
      line += r[c] + ",";
    }
    out.push_back(line);
  }
  return out;
}

}  // namespace gcattn::test
