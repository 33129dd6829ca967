#include "trace/safetensors.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <utility>

#include <boost/json.hpp>

#include "base/errors.h"
#include "gcattn/numerics/finite_scan.h"
#include "io/atomic_file.h"
#include "trace/half.h"
#include "trace/utf8.h"

namespace gcattn::trace {
namespace {

namespace json = boost::json;

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw InputError(path + ": " + what);
}

std::string sys_error() {
  return std::strerror(errno);
}

std::uint64_t read_le64(const unsigned char* p) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

// A JSON number that is a non-negative integer, or nothing.
std::optional<std::uint64_t> as_index(const json::value& v) {
  if (v.is_uint64()) return v.get_uint64();
  if (v.is_int64() && v.get_int64() >= 0) return static_cast<std::uint64_t>(v.get_int64());
  return std::nullopt;
}

std::string quoted(std::string_view s) {
  return "'" + std::string(s) + "'";
}

// Scans n words of type W at p for an all-ones exponent; returns the first such index or n.
template <typename W>
std::size_t scan_exponent(const unsigned char* p, std::size_t n, W mask) {
  constexpr std::size_t kChunk = 4096;
  for (std::size_t base = 0; base < n; base += kChunk) {
    const std::size_t m = std::min(kChunk, n - base);
    unsigned bad = 0;
    for (std::size_t i = 0; i < m; ++i) {
      W w;
      std::memcpy(&w, p + (base + i) * sizeof(W), sizeof(W));
      bad |= static_cast<unsigned>((w & mask) == mask);
    }
    if (bad) {
      for (std::size_t i = 0; i < m; ++i) {
        W w;
        std::memcpy(&w, p + (base + i) * sizeof(W), sizeof(W));
        if ((w & mask) == mask) return base + i;
      }
    }
  }
  return n;
}

// Index of the first NaN or infinity among n values of a floating-point dtype at p (n if none,
// or if the dtype is not floating point).
std::size_t first_nonfinite_in(DType dtype, const unsigned char* p, std::size_t n) {
  switch (dtype) {
    case DType::F32:  // the replay's scan of every token: AVX-512 where the CPU has it
      return first_nonfinite_f32(p, n);
    case DType::F16:
      return scan_exponent<std::uint16_t>(p, n, 0x7C00u);
    case DType::BF16:
      return scan_exponent<std::uint16_t>(p, n, 0x7F80u);
    case DType::F64:
      return scan_exponent<std::uint64_t>(p, n, 0x7FF0000000000000ull);
    default:
      return n;
  }
}

// n values of a floating-point dtype (is_float) at p to float.
void convert_to_f32(DType dtype, const unsigned char* p, std::size_t n, float* out) {
  switch (dtype) {
    case DType::F32:
      std::memcpy(out, p, n * 4);
      return;
    case DType::F16:
      f16_to_f32(p, out, n);
      return;
    case DType::BF16:
      bf16_to_f32(p, out, n);
      return;
    case DType::F64:
      for (std::size_t i = 0; i < n; ++i) {
        double d;
        std::memcpy(&d, p + 8 * i, 8);
        out[i] = static_cast<float>(d);
      }
      return;
    default:
      return;
  }
}

}  // namespace

std::size_t dtype_size(DType t) {
  switch (t) {
    case DType::F16:
    case DType::BF16:
      return 2;
    case DType::F32:
    case DType::I32:
      return 4;
    case DType::F64:
    case DType::I64:
      return 8;
  }
  return 0;
}

const char* dtype_name(DType t) {
  switch (t) {
    case DType::F16:
      return "F16";
    case DType::BF16:
      return "BF16";
    case DType::F32:
      return "F32";
    case DType::F64:
      return "F64";
    case DType::I32:
      return "I32";
    case DType::I64:
      return "I64";
  }
  return "?";
}

std::optional<DType> parse_dtype(std::string_view name) {
  for (DType t : {DType::F16, DType::BF16, DType::F32, DType::F64, DType::I32, DType::I64}) {
    if (name == dtype_name(t)) return t;
  }
  return std::nullopt;
}

bool is_float(DType t) {
  return t == DType::F16 || t == DType::BF16 || t == DType::F32 || t == DType::F64;
}

std::size_t TensorInfo::elements() const {
  std::size_t n = 1;
  for (std::size_t d : shape) n *= d;
  return n;
}

std::string TensorInfo::shape_string() const {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

// ---------------------------------------------------------------------------------------------
// Reader

SafetensorsFile::SafetensorsFile(const std::string& path) : path_(path) {
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) fail(path, "cannot open: " + sys_error());
  struct stat st {};
  if (::fstat(fd_, &st) != 0) {
    const std::string e = sys_error();
    close();
    fail(path, "cannot stat: " + e);
  }
  if (!S_ISREG(st.st_mode)) {
    close();
    fail(path, "not a regular file");
  }
  size_ = static_cast<std::size_t>(st.st_size);
  if (size_ < 8) {
    close();
    fail(path, "file is " + std::to_string(size_) +
                   " bytes; a safetensors file starts with an 8-byte header length (truncated or "
                   "not a safetensors file)");
  }
  void* m = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd_, 0);
  if (m == MAP_FAILED) {
    const std::string e = sys_error();
    close();
    fail(path, "cannot memory-map: " + e);
  }
  map_ = static_cast<unsigned char*>(m);
  try {
    const std::uint64_t n = read_le64(map_);
    if (n < 2 || n > kMaxHeaderBytes) {
      fail(path, "header length " + std::to_string(n) + " is not plausible (must be 2.." +
                     std::to_string(kMaxHeaderBytes) +
                     " bytes); not a safetensors file or corrupted");
    }
    if (n > size_ - 8) {
      fail(path, "truncated: the header length says " + std::to_string(n) +
                     " bytes of JSON but only " + std::to_string(size_ - 8) + " bytes follow");
    }
    header_len_ = static_cast<std::size_t>(n);
    data_ = map_ + 8 + header_len_;
    const std::size_t data_size = size_ - 8 - header_len_;
    const auto* hdr = reinterpret_cast<const char*>(map_ + 8);
    if (hdr[0] != '{') fail(path, "header does not start with '{' (not a safetensors file)");

    json::stream_parser parser;
    boost::system::error_code ec;
    const std::size_t used = parser.write_some(hdr, header_len_, ec);
    if (!ec) parser.finish(ec);
    if (ec) {
      fail(path, "header is not valid JSON (at byte " + std::to_string(8 + used) +
                     " of the file: " + ec.message() + ")");
    }
    const json::value root = parser.release();
    if (!root.is_object()) fail(path, "header JSON is not an object");

    for (const auto& kv : root.as_object()) {
      const std::string name(kv.key());
      if (name == "__metadata__") {
        if (!kv.value().is_object()) fail(path, "__metadata__ is not an object of strings");
        for (const auto& m2 : kv.value().as_object()) {
          if (!m2.value().is_string()) {
            fail(path, "__metadata__ entry " + quoted(m2.key()) +
                           " is not a string (the format stores "
                           "metadata as a string-to-string map)");
          }
          metadata_[std::string(m2.key())] = std::string(m2.value().as_string());
        }
        continue;
      }
      const std::string where = "tensor " + quoted(name);
      if (!kv.value().is_object()) fail(path, where + ": header entry is not an object");
      const auto& obj = kv.value().as_object();
      for (const auto& f : obj) {
        if (f.key() != "dtype" && f.key() != "shape" && f.key() != "data_offsets") {
          fail(path, where + ": unknown header field " + quoted(f.key()));
        }
      }
      TensorInfo t;
      t.name = name;
      const auto* dt = obj.if_contains("dtype");
      if (!dt || !dt->is_string()) fail(path, where + ": missing or non-string 'dtype'");
      const auto parsed = parse_dtype(std::string(dt->as_string()));
      if (!parsed) {
        fail(path, where + ": unsupported dtype " + quoted(dt->as_string()) +
                       " (supported: F16, BF16, F32, F64, I32, I64)");
      }
      t.dtype = *parsed;
      const auto* sh = obj.if_contains("shape");
      if (!sh || !sh->is_array()) fail(path, where + ": missing or non-array 'shape'");
      std::size_t elements = 1;
      bool overflow = false;
      for (const auto& d : sh->as_array()) {
        const auto v = as_index(d);
        if (!v) fail(path, where + ": shape entries must be non-negative integers");
        t.shape.push_back(static_cast<std::size_t>(*v));
        if (*v != 0 && elements > std::numeric_limits<std::size_t>::max() / *v) overflow = true;
        elements *= static_cast<std::size_t>(*v);
      }
      const auto* off = obj.if_contains("data_offsets");
      if (!off || !off->is_array() || off->as_array().size() != 2) {
        fail(path, where + ": 'data_offsets' must be an array [begin, end]");
      }
      const auto b = as_index(off->as_array()[0]), e = as_index(off->as_array()[1]);
      if (!b || !e) fail(path, where + ": data_offsets must be non-negative integers");
      if (*e < *b) {
        fail(path, where + ": data_offsets [" + std::to_string(*b) + ", " + std::to_string(*e) +
                       "] end before they begin");
      }
      t.begin = static_cast<std::size_t>(*b);
      t.end = static_cast<std::size_t>(*e);
      const std::size_t item = dtype_size(t.dtype);
      if (overflow || elements > std::numeric_limits<std::size_t>::max() / item ||
          elements * item != t.bytes()) {
        fail(path, where + ": shape " + t.shape_string() + " of " + dtype_name(t.dtype) +
                       " needs " +
                       (overflow ? std::string("an impossible number of")
                                 : std::to_string(elements * item)) +
                       " bytes but data_offsets [" + std::to_string(t.begin) + ", " +
                       std::to_string(t.end) + "] span " + std::to_string(t.bytes()));
      }
      tensors_.push_back(std::move(t));
    }

    std::stable_sort(tensors_.begin(), tensors_.end(),
                     [](const TensorInfo& a, const TensorInfo& b2) {
                       return a.begin != b2.begin ? a.begin < b2.begin : a.end < b2.end;
                     });
    for (const auto& t : tensors_) {
      if (t.end > data_size) {
        const std::size_t item = dtype_size(t.dtype);
        const std::size_t present = t.begin >= data_size ? 0 : (data_size - t.begin) / item;
        fail(path, "truncated: tensor " + quoted(t.name) + " needs data bytes [" +
                       std::to_string(t.begin) + ", " + std::to_string(t.end) +
                       ") but the file holds only " + std::to_string(data_size) +
                       " data bytes (file size " + std::to_string(size_) +
                       "); its data stop at element " + std::to_string(present) + " of " +
                       std::to_string(t.elements()));
      }
    }
    std::size_t expect = 0;
    const TensorInfo* prev = nullptr;
    for (const auto& t : tensors_) {
      if (t.begin < expect) {
        fail(path, "tensor " + quoted(t.name) + " data [" + std::to_string(t.begin) + ", " +
                       std::to_string(t.end) + ") overlaps tensor " + quoted(prev->name) + " [" +
                       std::to_string(prev->begin) + ", " + std::to_string(prev->end) + ")");
      }
      if (t.begin > expect) {
        fail(path, "hole in the data section: bytes [" + std::to_string(expect) + ", " +
                       std::to_string(t.begin) + ") before tensor " + quoted(t.name) +
                       " belong to no tensor");
      }
      expect = t.end;
      prev = &t;
    }
    if (expect != data_size) {
      fail(path, std::to_string(data_size - expect) +
                     " trailing bytes after the last tensor's data (file size " +
                     std::to_string(size_) + ", data ends at " +
                     std::to_string(8 + header_len_ + expect) + ")");
    }
  } catch (...) {
    close();
    throw;
  }
}

SafetensorsFile::~SafetensorsFile() {
  close();
}

SafetensorsFile::SafetensorsFile(SafetensorsFile&& o) noexcept {
  *this = std::move(o);
}

SafetensorsFile& SafetensorsFile::operator=(SafetensorsFile&& o) noexcept {
  if (this != &o) {
    close();
    path_ = std::move(o.path_);
    fd_ = std::exchange(o.fd_, -1);
    map_ = std::exchange(o.map_, nullptr);
    size_ = std::exchange(o.size_, 0);
    header_len_ = o.header_len_;
    data_ = std::exchange(o.data_, nullptr);
    tensors_ = std::move(o.tensors_);
    metadata_ = std::move(o.metadata_);
  }
  return *this;
}

void SafetensorsFile::close() noexcept {
  if (map_) ::munmap(map_, size_);
  if (fd_ >= 0) ::close(fd_);
  map_ = nullptr;
  fd_ = -1;
}

const TensorInfo* SafetensorsFile::find(std::string_view name) const {
  for (const auto& t : tensors_) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

const TensorInfo& SafetensorsFile::at(std::string_view name) const {
  const TensorInfo* t = find(name);
  if (!t) fail(path_, "missing tensor " + quoted(name));
  return *t;
}

bool SafetensorsFile::check_f32_read(const TensorInfo& t, std::size_t first,
                                     std::size_t count) const {
  if (first > t.elements() || count > t.elements() - first) {
    throw std::out_of_range(path_ + ": read of elements [" + std::to_string(first) + ", " +
                            std::to_string(first + count) + ") outside tensor '" + t.name + "'");
  }
  // An empty read touches nothing: out may be null then (an empty vector's data()), which
  // memcpy must not be given even for zero bytes.
  if (count == 0) return false;
  if (!is_float(t.dtype)) {
    fail(path_, "tensor " + quoted(t.name) + " has dtype " + dtype_name(t.dtype) +
                    "; a floating-point tensor (F32, F16, BF16, F64) is required");
  }
  return true;
}

void SafetensorsFile::read_f32(const TensorInfo& t, std::size_t first, std::size_t count,
                               float* out) const {
  if (check_f32_read(t, first, count))
    convert_to_f32(t.dtype, data(t) + first * dtype_size(t.dtype), count, out);
}

void SafetensorsFile::pread_exact(std::size_t offset, std::size_t bytes, void* out) const {
  auto* dst = static_cast<unsigned char*>(out);
  while (bytes > 0) {
    const ssize_t r = ::pread(fd_, dst, bytes, static_cast<off_t>(offset));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      fail(path_, r < 0 ? "read failed: " + sys_error()
                        : std::string("ends early (was it truncated while open?)"));
    }
    const auto n = static_cast<std::size_t>(r);
    dst += n;
    offset += n;
    bytes -= n;
  }
}

std::optional<std::size_t> SafetensorsFile::read_f32_streamed(const TensorInfo& t,
                                                              std::size_t first, std::size_t count,
                                                              float* out, bool check) const {
  if (!check_f32_read(t, first, count)) return std::nullopt;
  const std::size_t es = dtype_size(t.dtype);
  const std::size_t offset = static_cast<std::size_t>(data(t) - map_) + first * es;
  const unsigned char* bytes = reinterpret_cast<const unsigned char*>(out);
  thread_local std::vector<unsigned char> scratch;
  if (t.dtype == DType::F32) {
    pread_exact(offset, count * es, out);
  } else {
    scratch.resize(count * es);
    pread_exact(offset, count * es, scratch.data());
    bytes = scratch.data();
  }
  std::optional<std::size_t> bad;
  if (check) {
    const std::size_t i = first_nonfinite_in(t.dtype, bytes, count);
    if (i < count) bad = first + i;
  }
  if (t.dtype != DType::F32) convert_to_f32(t.dtype, bytes, count, out);
  return bad;
}

std::vector<float> SafetensorsFile::to_f32(const TensorInfo& t) const {
  std::vector<float> v(t.elements());
  read_f32(t, 0, v.size(), v.data());
  return v;
}

std::optional<std::size_t> SafetensorsFile::first_nonfinite(const TensorInfo& t) const {
  return first_nonfinite(t, 0, t.elements());
}

std::optional<std::size_t> SafetensorsFile::first_nonfinite(const TensorInfo& t, std::size_t first,
                                                            std::size_t count) const {
  if (first > t.elements() || count > t.elements() - first) {
    throw std::out_of_range("first_nonfinite: elements [" + std::to_string(first) + ", +" +
                            std::to_string(count) + ") outside tensor '" + t.name + "'");
  }
  const std::size_t i = first_nonfinite_in(t.dtype, data(t) + first * dtype_size(t.dtype), count);
  if (i == count) return std::nullopt;
  return first + i;
}

void SafetensorsFile::advise_sequential(const TensorInfo& t) const {
  if (!map_ || t.bytes() == 0) return;
  const long page = ::sysconf(_SC_PAGESIZE);
  const std::size_t start = static_cast<std::size_t>(data(t) - map_);
  const std::size_t aligned = start - start % static_cast<std::size_t>(page);
  ::madvise(map_ + aligned, start - aligned + t.bytes(), MADV_SEQUENTIAL | MADV_WILLNEED);
}

void SafetensorsFile::release(const TensorInfo& t, std::size_t first, std::size_t count) const {
  if (!map_ || count == 0 || first >= t.elements()) return;
  count = std::min(count, t.elements() - first);
  const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  const std::size_t es = dtype_size(t.dtype);
  const std::size_t begin = static_cast<std::size_t>(data(t) - map_) + first * es;
  const std::size_t end = begin + count * es;
  const std::size_t a = (begin + page - 1) / page * page, b = end / page * page;
  if (b > a) ::madvise(map_ + a, b - a, MADV_DONTNEED);
}

// ---------------------------------------------------------------------------------------------
// Writer

SafetensorsWriter::SafetensorsWriter(std::string path, std::vector<TensorSpec> specs,
                                     Metadata metadata, std::size_t reserve_header_bytes)
    : path_(std::move(path)), metadata_(std::move(metadata)) {
  for (auto& s : specs) {
    for (const auto& other : infos_) {
      if (other.name == s.name)
        throw std::invalid_argument("safetensors writer: duplicate tensor '" + s.name + "'");
    }
    if (s.name == "__metadata__")
      throw std::invalid_argument("safetensors writer: reserved tensor name");
    TensorInfo t;
    t.name = std::move(s.name);
    t.dtype = s.dtype;
    t.shape = std::move(s.shape);
    t.begin = data_bytes_;
    t.end = data_bytes_ + t.elements() * dtype_size(t.dtype);
    data_bytes_ = t.end;
    infos_.push_back(std::move(t));
  }
  written_.assign(infos_.size(), 0);
  header_len_ = std::max(header_json().size(), reserve_header_bytes);
  header_len_ = (header_len_ + 7) / 8 * 8;
  file_ = std::make_unique<io::AtomicFile>(path_);
  file_->resize(8 + header_len_ + data_bytes_);
}

SafetensorsWriter::~SafetensorsWriter() = default;

std::size_t SafetensorsWriter::index(std::string_view name) const {
  for (std::size_t i = 0; i < infos_.size(); ++i) {
    if (infos_[i].name == name) return i;
  }
  throw std::invalid_argument("safetensors writer: no tensor '" + std::string(name) + "'");
}

void SafetensorsWriter::write(std::size_t i, std::size_t byte_offset, const void* data,
                              std::size_t bytes) {
  const TensorInfo& t = infos_.at(i);
  if (finished_ || byte_offset > t.bytes() || bytes > t.bytes() - byte_offset) {
    throw std::out_of_range("safetensors writer: write of bytes [" + std::to_string(byte_offset) +
                            ", " + std::to_string(byte_offset + bytes) + ") outside tensor '" +
                            t.name + "' (" + std::to_string(t.bytes()) + " bytes)");
  }
  file_->pwrite(data, bytes, 8 + header_len_ + t.begin + byte_offset);
  written_[i] += bytes;
}

std::string SafetensorsWriter::header_json() const {
  json::object root;
  if (!metadata_.empty()) {
    json::object m;
    for (const auto& [k, v] : metadata_) {
      if (!valid_utf8(k) || !valid_utf8(v)) {
        throw std::invalid_argument("safetensors writer: metadata '" + k + "' is not valid UTF-8");
      }
      m[k] = v;
    }
    root["__metadata__"] = std::move(m);
  }
  for (const auto& t : infos_) {
    json::array shape;
    for (std::size_t d : t.shape) shape.emplace_back(static_cast<std::uint64_t>(d));
    root[t.name] = json::object{{"dtype", dtype_name(t.dtype)},
                                {"shape", std::move(shape)},
                                {"data_offsets", json::array{static_cast<std::uint64_t>(t.begin),
                                                             static_cast<std::uint64_t>(t.end)}}};
  }
  return json::serialize(root);
}

void SafetensorsWriter::finish() {
  if (finished_) return;
  for (std::size_t i = 0; i < infos_.size(); ++i) {
    if (written_[i] != infos_[i].bytes()) {
      throw std::logic_error("safetensors writer: tensor '" + infos_[i].name + "' got " +
                             std::to_string(written_[i]) + " of " +
                             std::to_string(infos_[i].bytes()) + " bytes");
    }
  }
  std::string header = header_json();
  const auto frame = [](std::string h, std::size_t len) {
    h.resize(len, ' ');  // the format allows trailing spaces in the header
    std::string out(8, '\0');
    for (int b = 0; b < 8; ++b)
      out[static_cast<std::size_t>(b)] = static_cast<char>((len >> (8 * b)) & 0xFF);
    return out + h;
  };
  if (header.size() <= header_len_) {
    const std::string f = frame(std::move(header), header_len_);
    file_->pwrite(f.data(), f.size(), 0);
    file_->commit();
  } else {
    // The header outgrew its reserved room: write a new file, copying the data section once.
    const std::size_t len = (header.size() + 7) / 8 * 8;
    io::AtomicFile out(path_);
    const std::string f = frame(std::move(header), len);
    out.write(f);
    std::vector<char> buf(1u << 20);
    std::size_t done = 0;
    while (done < data_bytes_) {
      const std::size_t n = std::min(buf.size(), data_bytes_ - done);
      const ssize_t r =
          ::pread(file_->fd(), buf.data(), n, static_cast<off_t>(8 + header_len_ + done));
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) fail(file_->temp_path(), "cannot read back: " + sys_error());
      out.write(std::string_view(buf.data(), static_cast<std::size_t>(r)));
      done += static_cast<std::size_t>(r);
    }
    out.commit();
    file_.reset();  // removes the first temporary file
  }
  finished_ = true;
}

OwnedTensor OwnedTensor::from_floats(std::string name, std::vector<std::size_t> shape,
                                     const std::vector<float>& values, DType dtype) {
  OwnedTensor t{{std::move(name), dtype, std::move(shape)}, {}};
  std::size_t n = 1;
  for (std::size_t d : t.spec.shape) n *= d;
  if (n != values.size())
    throw std::invalid_argument("OwnedTensor '" + t.spec.name + "': shape/values mismatch");
  t.bytes.resize(n * dtype_size(dtype));
  unsigned char* p = t.bytes.data();
  for (std::size_t i = 0; i < n; ++i) {
    switch (dtype) {
      case DType::F32:
        std::memcpy(p + 4 * i, &values[i], 4);
        break;
      case DType::F16: {
        const std::uint16_t h = float_to_half(values[i]);
        std::memcpy(p + 2 * i, &h, 2);
        break;
      }
      case DType::BF16: {
        const std::uint16_t h = float_to_bf16(values[i]);
        std::memcpy(p + 2 * i, &h, 2);
        break;
      }
      case DType::F64: {
        const double d = values[i];
        std::memcpy(p + 8 * i, &d, 8);
        break;
      }
      default:
        throw std::invalid_argument("OwnedTensor::from_floats: not a floating-point dtype");
    }
  }
  return t;
}

OwnedTensor OwnedTensor::from_i32(std::string name, std::vector<std::size_t> shape,
                                  const std::vector<std::int32_t>& values) {
  OwnedTensor t{{std::move(name), DType::I32, std::move(shape)}, {}};
  t.bytes.resize(values.size() * 4);
  if (!values.empty()) std::memcpy(t.bytes.data(), values.data(), t.bytes.size());
  return t;
}

void write_safetensors(const std::string& path, const std::vector<OwnedTensor>& tensors,
                       const Metadata& metadata) {
  std::vector<TensorSpec> specs;
  for (const auto& t : tensors) specs.push_back(t.spec);
  SafetensorsWriter w(path, std::move(specs), metadata);
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    if (tensors[i].bytes.size() != w.tensor(i).bytes()) {
      throw std::invalid_argument("write_safetensors: tensor '" + tensors[i].spec.name + "' has " +
                                  std::to_string(tensors[i].bytes.size()) + " bytes, shape needs " +
                                  std::to_string(w.tensor(i).bytes()));
    }
    w.write(i, 0, tensors[i].bytes.data(), tensors[i].bytes.size());
  }
  w.finish();
}

}  // namespace gcattn::trace
