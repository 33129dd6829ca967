#include "io/input_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/errors.h"

namespace gcattn::io {

void require_file(const std::string& path, const std::string& what) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    throw InputError(path + ": cannot open " + what + ": " + std::strerror(errno));
  }
  if (S_ISDIR(st.st_mode)) throw InputError(path + ": is a directory, expected " + what);
}

std::string read_input_file(const std::string& path, std::size_t max_bytes,
                            const std::string& what) {
  require_file(path, what);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw InputError(path + ": cannot open " + what + ": " + std::strerror(errno));
  std::string text;
  char buf[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const std::string e = std::strerror(errno);
      ::close(fd);
      throw InputError(path + ": cannot read " + what + ": " + e);
    }
    if (n == 0) break;
    text.append(buf, static_cast<std::size_t>(n));
    if (text.size() > max_bytes) {
      ::close(fd);
      throw InputError(path + ": larger than " + std::to_string(max_bytes) +
                       " bytes, too large for " + what);
    }
  }
  ::close(fd);
  return text;
}

}  // namespace gcattn::io
