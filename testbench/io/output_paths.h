#pragma once
// Preflight of a command's file paths, before any work is done: every output's folder exists
// and is writable, no output is a directory, and no output is the same file as an input or as
// another output (so that a long simulation never ends by destroying its own input or by
// losing a report).
#include <string>
#include <vector>

namespace gcattn::io {

class PathCheck {
 public:
  /// An input file; option names it in messages ("--trace").
  PathCheck& input(std::string option, std::string path);
  /// A file the command will write.
  PathCheck& output(std::string option, std::string path);
  /// Throws UsageError naming the option(s) and path(s) at the first problem.
  void check() const;

 private:
  struct Entry {
    std::string option, path;
  };
  std::vector<Entry> inputs_, outputs_;
};

}  // namespace gcattn::io
