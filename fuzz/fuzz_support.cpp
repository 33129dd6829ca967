#include "fuzz_support.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

// The testbench library links the SystemC kernel, whose library defines main() and calls
// sc_main(); libFuzzer brings its own main(), so this one is never called.
extern "C" int sc_main(int, char*[]) {
  return 0;
}

namespace gcattn::fuzz {

std::string scratch_file(const std::string& name, std::string_view bytes) {
  // Every input goes through a file for the readers that take paths: in memory (/dev/shm)
  // where there is one, since a disk-backed /tmp costs a good part of an execution.
  static const std::filesystem::path dir = [] {
    std::error_code ec;
    const std::filesystem::path base = std::filesystem::is_directory("/dev/shm", ec)
                                           ? std::filesystem::path("/dev/shm")
                                           : std::filesystem::temp_directory_path();
    const auto d = base / ("gcattn_fuzz_" + std::to_string(static_cast<long>(::getpid())));
    std::filesystem::create_directories(d);
    static std::filesystem::path remove_at_exit = d;
    std::atexit([] {
      std::error_code ignored;
      std::filesystem::remove_all(remove_at_exit, ignored);
    });
    return d;
  }();
  const std::string path = (dir / name).string();
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return path;
}

std::pair<std::string_view, std::string_view> split(std::string_view data, std::string_view sep) {
  const auto pos = data.find(sep);
  if (pos == std::string_view::npos) return {data, {}};
  return {data.substr(0, pos), data.substr(pos + sep.size())};
}

}  // namespace gcattn::fuzz
