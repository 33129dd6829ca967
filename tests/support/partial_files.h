#pragma once
// Temporary files that writers leave while writing (io::AtomicFile: ".<name>.XXXXXX.partial").
#include <filesystem>

namespace gcattn::test {

inline std::size_t partial_files(const std::filesystem::path& dir) {
  std::size_t n = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    n += name.size() > 8 && name.compare(name.size() - 8, 8, ".partial") == 0;
  }
  return n;
}

}  // namespace gcattn::test
