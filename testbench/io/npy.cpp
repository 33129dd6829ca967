#include "io/npy.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <sstream>

#include "base/errors.h"
#include "io/atomic_file.h"
#include "io/input_file.h"

namespace gcattn::io {
namespace {

constexpr std::size_t kMaxNpyBytes = std::size_t(1) << 34;  // 16 GiB: far above any sub-tile input

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw InputError(path + ": " + what);
}

// Value of 'key' in the header dict text, up to the next top-level ',' or '}'.
std::string dict_field(const std::string& header, const std::string& key, const std::string& path) {
  const std::string k1 = "'" + key + "'";
  auto pos = header.find(k1);
  if (pos == std::string::npos) fail(path, "malformed .npy header: no '" + key + "' field");
  pos = header.find(':', pos + k1.size());
  if (pos == std::string::npos) fail(path, "malformed .npy header near '" + key + "'");
  ++pos;
  while (pos < header.size() && header[pos] == ' ') ++pos;
  std::size_t end = pos;
  int depth = 0;
  for (; end < header.size(); ++end) {
    const char c = header[end];
    if (c == '(')
      ++depth;
    else if (c == ')')
      --depth;
    else if ((c == ',' || c == '}') && depth == 0)
      break;
  }
  std::string v = header.substr(pos, end - pos);
  while (!v.empty() && v.back() == ' ') v.pop_back();
  return v;
}

}  // namespace

NpyArray read_npy(const std::string& path) {
  const std::string bytes = read_input_file(path, kMaxNpyBytes, "a .npy array");
  if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0) {
    fail(path, "not a NumPy .npy file (bad magic); save arrays with numpy.save");
  }
  const int major = static_cast<unsigned char>(bytes[6]);
  std::size_t header_len = 0, offset = 0;
  if (major == 1) {
    header_len = static_cast<unsigned char>(bytes[8]) | (static_cast<unsigned char>(bytes[9]) << 8);
    offset = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) fail(path, "truncated .npy header");
    std::uint32_t n = 0;
    std::memcpy(&n, bytes.data() + 8, 4);  // little-endian on the supported hosts
    header_len = n;
    offset = 12;
  } else {
    fail(path, "unsupported .npy format version " + std::to_string(major));
  }
  if (bytes.size() < offset + header_len) fail(path, "truncated .npy header");
  const std::string header = bytes.substr(offset, header_len);
  offset += header_len;

  NpyArray a;
  std::string descr = dict_field(header, "descr", path);
  if (descr.size() >= 2 && (descr.front() == '\'' || descr.front() == '"'))
    descr = descr.substr(1, descr.size() - 2);
  a.dtype = descr;
  std::size_t item = 0;
  if (descr == "<f4")
    item = 4;
  else if (descr == "<f8")
    item = 8;
  else if (descr == ">f4" || descr == ">f8")
    fail(path, "big-endian data (dtype " + descr + "); convert with arr.astype('<f4')");
  else
    fail(path, "dtype " + descr + " not supported; expected float32 or float64 ('<f4' or '<f8')");
  if (dict_field(header, "fortran_order", path) != "False") {
    fail(path, "Fortran-ordered array; save a C-ordered copy (numpy.ascontiguousarray)");
  }
  std::string shape = dict_field(header, "shape", path);
  if (shape.size() < 2 || shape.front() != '(' || shape.back() != ')')
    fail(path, "malformed shape " + shape);
  std::stringstream ss(shape.substr(1, shape.size() - 2));
  std::string dim;
  std::size_t count = 1;
  while (std::getline(ss, dim, ',')) {
    const auto first = dim.find_first_not_of(' ');
    if (first == std::string::npos) continue;
    const auto last = dim.find_last_not_of(' ');
    // Digits only: no sign, no suffix, no overflow.
    std::size_t d = 0;
    const char* b = dim.data() + first;
    const char* e = dim.data() + last + 1;
    const auto [end, ec] = std::from_chars(b, e, d);
    if (ec != std::errc() || end != e || *b == '+' || *b == '-') {
      fail(path, "malformed shape " + shape + ": '" + std::string(b, e) + "' is not a dimension");
    }
    a.shape.push_back(d);
    if (__builtin_mul_overflow(count, d, &count))
      fail(path, "shape " + shape + " has too many elements");
  }
  std::size_t need = 0;
  if (__builtin_mul_overflow(count, item, &need))
    fail(path, "shape " + shape + " has too many elements");
  if (bytes.size() - offset < need) {
    fail(path, "truncated: shape " + shape + " needs " + std::to_string(need) +
                   " data bytes, file has " + std::to_string(bytes.size() - offset));
  }
  if (bytes.size() - offset > need) fail(path, "trailing bytes after the array data");
  a.data.resize(count);
  const char* p = bytes.data() + offset;
  for (std::size_t i = 0; i < count; ++i) {
    if (item == 4) {
      float f;
      std::memcpy(&f, p + 4 * i, 4);
      a.data[i] = f;
    } else {
      std::memcpy(&a.data[i], p + 8 * i, 8);
    }
    if (!std::isfinite(a.data[i])) {
      fail(path, "non-finite value (" + std::string(std::isnan(a.data[i]) ? "NaN" : "Inf") +
                     ") at flat index " + std::to_string(i));
    }
  }
  return a;
}

void write_npy_f32(const std::string& path, const std::vector<std::size_t>& shape,
                   const std::vector<float>& data) {
  std::string dims;
  for (std::size_t i = 0; i < shape.size(); ++i)
    dims += std::to_string(shape[i]) + (shape.size() == 1 || i + 1 < shape.size() ? "," : "");
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + dims + "), }";
  const std::size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header.push_back('\n');
  AtomicFile out(path);
  const std::uint16_t n = static_cast<std::uint16_t>(header.size());
  const char len[2] = {static_cast<char>(n & 0xff), static_cast<char>(n >> 8)};
  out.write(std::string_view("\x93NUMPY\x01\x00", 8));
  out.write(std::string_view(len, 2));
  out.write(header);
  out.write(std::string_view(reinterpret_cast<const char*>(data.data()), data.size() * 4));
  out.commit();
}

}  // namespace gcattn::io
