#include "io/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <vector>

#include "base/errors.h"

namespace gcattn::io {
namespace {

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw InputError(path + ": " + what + ": " + std::strerror(errno));
}

mode_t file_mode() {
  const mode_t mask = ::umask(0);  // umask can only be read by setting it
  ::umask(mask);
  return 0666 & ~mask;
}

}  // namespace

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)) {
  struct stat st {};
  if (::stat(path_.c_str(), &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
    // A device or pipe (/dev/null, /dev/stdout): written in place, never replaced.
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd_ < 0) fail(path_, "cannot open for writing");
    stream_ = true;
    return;
  }
  // A symbolic link to a file: the file it names is replaced, the link stays.
  std::error_code ec;
  if (std::filesystem::is_symlink(path_, ec)) {
    const auto target = std::filesystem::canonical(path_, ec);
    if (!ec) path_ = target.string();
  }
  const std::filesystem::path p(path_);
  const std::string dir = p.has_parent_path() ? p.parent_path().string() : std::string(".");
  std::string templ = dir + "/." + p.filename().string() + ".XXXXXX.partial";
  std::vector<char> buf(templ.begin(), templ.end());
  buf.push_back('\0');
  fd_ = ::mkostemps(buf.data(), 8, O_CLOEXEC);  // 8: ".partial"
  if (fd_ < 0)
    fail(path_, "cannot create a file in '" + dir + "' (is the folder there and writable?)");
  tmp_.assign(buf.data());
  ::fchmod(fd_, file_mode());  // mkstemp makes 0600; outputs get the usual permissions
}

AtomicFile::~AtomicFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_ && !tmp_.empty()) ::unlink(tmp_.c_str());
}

void AtomicFile::pwrite(const void* data, std::size_t bytes, std::size_t offset) {
  if (stream_ && offset != end_) {
    throw InputError(path_ + ": not a regular file; this output is written out of order " +
                     "and needs one");
  }
  const char* p = static_cast<const char*>(data);
  while (bytes > 0) {
    const ssize_t n =
        stream_ ? ::write(fd_, p, bytes) : ::pwrite(fd_, p, bytes, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail(path_, "write failed");
    p += n;
    bytes -= static_cast<std::size_t>(n);
    offset += static_cast<std::size_t>(n);
  }
  end_ = std::max(end_, offset);
}

void AtomicFile::write(std::string_view bytes) {
  pwrite(bytes.data(), bytes.size(), end_);
}

void AtomicFile::resize(std::size_t bytes) {
  if (stream_) {
    throw InputError(path_ + ": not a regular file; this output is written out of order " +
                     "and needs one");
  }
  if (::ftruncate(fd_, static_cast<off_t>(bytes)) != 0) {
    fail(path_, "cannot size the file to " + std::to_string(bytes) + " bytes");
  }
}

void AtomicFile::commit() {
  if (committed_) return;
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) fail(path_, "write failed on close");
  if (stream_) {
    committed_ = true;
    return;
  }
  if (std::rename(tmp_.c_str(), path_.c_str()) != 0)
    fail(path_, "cannot move " + tmp_ + " into place");
  committed_ = true;
}

void write_file_atomic(const std::string& path, std::string_view bytes) {
  AtomicFile f(path);
  f.write(bytes);
  f.commit();
}

}  // namespace gcattn::io
