#pragma once
// Shared helpers of the trace-player tests: temporary directories and small synthetic traces.
#include <unistd.h>

#include <filesystem>
#include <string>

#include "trace/synth.h"

namespace gcattn::test {

/// A fresh directory per test and process (several checkouts may run the suite on one machine),
/// removed with everything in it when the test ends.
class TempDir {
 public:
  explicit TempDir(const std::string& name)
      : path_(std::filesystem::temp_directory_path() /
              ("gcattn_player_" + name + "_" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  operator const std::filesystem::path&() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

/// A synthetic trace (normal distribution) of the given shape; returns its path.
inline std::string small_trace(const std::filesystem::path& dir, int layers, int heads, int d_head,
                               std::size_t tokens, bool attn_out = false, std::uint64_t seed = 3,
                               const std::string& name = "trace.safetensors") {
  trace::SynthOptions o;
  o.layers = layers;
  o.heads = heads;
  o.d_head = d_head;
  o.tokens = tokens;
  o.seed = seed;
  o.attn_out = attn_out;
  o.tool = "gcattn tests";
  const std::string path = (dir / name).string();
  trace::write_synthetic_trace(path, o);
  return path;
}

}  // namespace gcattn::test
