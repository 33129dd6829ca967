#pragma once
// NumPy .npy files (format versions 1.0-3.0): little-endian float32/float64, C order.
// Every malformation is an InputError naming the file and the problem.
#include <cstddef>
#include <string>
#include <vector>

namespace gcattn::io {

struct NpyArray {
  std::vector<std::size_t> shape;
  std::vector<double> data;  // C order, converted to double
  std::string dtype;         // "<f4" or "<f8" as read
  std::size_t size() const { return data.size(); }
};

/// Reads a float32/float64 array; rejects other dtypes, big-endian data, Fortran order,
/// truncated or oversized files and non-finite values.
NpyArray read_npy(const std::string& path);

/// Writes a float32 array in .npy version 1.0 format.
void write_npy_f32(const std::string& path, const std::vector<std::size_t>& shape,
                   const std::vector<float>& data);

}  // namespace gcattn::io
