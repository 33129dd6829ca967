#pragma once
// Reading a whole input file with the checks every reader needs: the path exists, is not a
// directory, and is no larger than the reader's bound (a device such as /dev/zero is read only
// up to the bound). Errors are InputError naming the file.
#include <cstddef>
#include <string>

namespace gcattn::io {

/// Throws InputError when path is missing or is a directory; what describes the file
/// ("the prompt file", "a .npy array").
void require_file(const std::string& path, const std::string& what);

/// Reads the file; throws InputError when require_file fails, when it cannot be read or
/// when it holds more than max_bytes.
std::string read_input_file(const std::string& path, std::size_t max_bytes,
                            const std::string& what);

}  // namespace gcattn::io
