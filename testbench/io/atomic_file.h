#pragma once
// Output files written atomically: the bytes go to a temporary file in the target's folder,
// which is renamed over the target only when complete. A failed or interrupted write never
// leaves a truncated file under the real name, and the temporary file is removed on failure.
// A device or pipe (/dev/null, /dev/stdout) is written in place, in order; a symbolic link's
// target is replaced, not the link.
#include <string>
#include <string_view>

namespace gcattn::io {

class AtomicFile {
 public:
  /// Creates the temporary file "<folder>/.<name>.XXXXXX.partial" (unique per writer).
  /// Throws InputError naming path when it cannot be created.
  explicit AtomicFile(std::string path);
  /// Removes the temporary file unless commit() succeeded.
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  /// Appends bytes at the current end.
  void write(std::string_view bytes);
  /// Writes bytes at a byte offset (positional; the file grows as needed).
  void pwrite(const void* data, std::size_t bytes, std::size_t offset);
  /// Sets the file size (preallocation for positional writes).
  void resize(std::size_t bytes);
  /// Flushes, closes and renames the temporary file over path (permissions 0644 less umask).
  void commit();

  int fd() const { return fd_; }
  const std::string& path() const { return path_; }
  const std::string& temp_path() const { return tmp_; }

 private:
  std::string path_, tmp_;
  int fd_ = -1;
  std::size_t end_ = 0;
  bool committed_ = false;
  bool stream_ = false;  // a device or pipe, written in place
};

/// Writes bytes to path atomically (AtomicFile, one write, commit).
void write_file_atomic(const std::string& path, std::string_view bytes);

}  // namespace gcattn::io
