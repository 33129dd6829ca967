#include "io/output_paths.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <optional>

#include "base/errors.h"

namespace gcattn::io {
namespace {

namespace fs = std::filesystem;

// Identity of an existing regular file: device and inode (catches hard and symbolic links).
// Devices and pipes (/dev/null twice, /dev/stdout) are not files an output could destroy.
std::optional<std::pair<dev_t, ino_t>> inode(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  return std::make_pair(st.st_dev, st.st_ino);
}

// Identity of an output (which usually does not exist yet): its inode when it exists, else its
// normalised absolute path.
struct Identity {
  std::optional<std::pair<dev_t, ino_t>> inode;
  std::string canonical;
  bool special = false;  // a device or pipe: written in place, may be named twice
  bool operator==(const Identity& o) const {
    if (special || o.special) return false;
    if (inode && o.inode) return *inode == *o.inode;
    return canonical == o.canonical;
  }
};

Identity identity(const std::string& path) {
  Identity id;
  id.inode = inode(path);
  struct stat st {};
  id.special = ::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode);
  std::error_code ec;
  const fs::path c = fs::weakly_canonical(fs::absolute(path, ec), ec);
  id.canonical = ec ? path : c.string();
  return id;
}

std::string named(const std::string& option, const std::string& path) {
  return option + " '" + path + "'";
}

void check_output(const std::string& option, const std::string& path) {
  if (path.empty()) throw UsageError(option + ": empty file name");
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    throw UsageError(named(option, path) + " is a directory; give a file name inside it");
  }
  const fs::path p(path);
  const fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
  if (!fs::is_directory(dir, ec)) {
    throw UsageError(named(option, path) + ": the folder '" + dir.string() +
                     "' does not exist; create it first");
  }
  if (::access(dir.c_str(), W_OK | X_OK) != 0) {
    throw UsageError(named(option, path) + ": the folder '" + dir.string() + "' is not writable");
  }
}

}  // namespace

PathCheck& PathCheck::input(std::string option, std::string path) {
  inputs_.push_back({std::move(option), std::move(path)});
  return *this;
}

PathCheck& PathCheck::output(std::string option, std::string path) {
  outputs_.push_back({std::move(option), std::move(path)});
  return *this;
}

void PathCheck::check() const {
  // Inputs that do not exist cannot be destroyed (their reader reports them).
  std::vector<std::optional<std::pair<dev_t, ino_t>>> in_ids;
  std::vector<Identity> out_ids;
  for (const auto& e : inputs_) in_ids.push_back(inode(e.path));
  for (std::size_t i = 0; i < outputs_.size(); ++i) {
    const Entry& o = outputs_[i];
    check_output(o.option, o.path);
    const Identity id = identity(o.path);
    for (std::size_t j = 0; j < inputs_.size(); ++j) {
      if (id.inode && id.inode == in_ids[j]) {
        throw UsageError(named(o.option, o.path) + " is the same file as the input " +
                         named(inputs_[j].option, inputs_[j].path) +
                         "; writing it would destroy the input: choose another output name");
      }
    }
    for (std::size_t j = 0; j < out_ids.size(); ++j) {
      if (id == out_ids[j]) {
        throw UsageError(named(o.option, o.path) + " is the same file as " +
                         named(outputs_[j].option, outputs_[j].path) +
                         "; one output would overwrite the other: give distinct names");
      }
    }
    out_ids.push_back(id);
  }
}

}  // namespace gcattn::io
