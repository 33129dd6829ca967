#pragma once
// safetensors files (https://github.com/huggingface/safetensors): an 8-byte little-endian header
// length N, N bytes of JSON header {name: {dtype, shape, data_offsets}, "__metadata__": {str:
// str}}, then the raw little-endian tensor data. The reader memory-maps the file and validates all
// of it on open, so that later accesses cannot run outside the mapping; the writer streams tensor
// data to a temporary file and renames it into place only when complete. Every problem is a
// InputError naming the file, the tensor and what is wrong.
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "io/atomic_file.h"

namespace gcattn::trace {

enum class DType : std::uint8_t { F16, BF16, F32, F64, I32, I64 };

std::size_t dtype_size(DType t);
const char* dtype_name(DType t);  // the safetensors spelling: "F32", ...
std::optional<DType> parse_dtype(std::string_view name);
bool is_float(DType t);

using Metadata = std::map<std::string, std::string>;

struct TensorInfo {
  std::string name;
  DType dtype = DType::F32;
  std::vector<std::size_t> shape;
  std::size_t begin = 0, end = 0;  // byte offsets relative to the start of the data section
  std::size_t elements() const;
  std::size_t bytes() const { return end - begin; }
  std::string shape_string() const;  // "[2, 3]"
};

/// A read-only, validated, memory-mapped safetensors file.
class SafetensorsFile {
 public:
  /// Upper bound of the JSON header (the reference implementation's limit).
  static constexpr std::size_t kMaxHeaderBytes = 100u << 20;

  explicit SafetensorsFile(const std::string& path);
  ~SafetensorsFile();
  SafetensorsFile(SafetensorsFile&& other) noexcept;
  SafetensorsFile& operator=(SafetensorsFile&& other) noexcept;
  SafetensorsFile(const SafetensorsFile&) = delete;
  SafetensorsFile& operator=(const SafetensorsFile&) = delete;

  const std::string& path() const { return path_; }
  std::size_t file_size() const { return size_; }
  std::size_t header_bytes() const { return header_len_; }
  const Metadata& metadata() const { return metadata_; }
  /// Tensors in the order of their data offsets.
  const std::vector<TensorInfo>& tensors() const { return tensors_; }
  const TensorInfo* find(std::string_view name) const;
  /// Like find, but a missing tensor is an InputError naming the file and the tensor.
  const TensorInfo& at(std::string_view name) const;

  /// First byte of a tensor's data inside the mapping (no alignment guarantee).
  const unsigned char* data(const TensorInfo& t) const { return data_ + t.begin; }
  /// Converts elements [first, first + count) of a floating-point tensor to float.
  void read_f32(const TensorInfo& t, std::size_t first, std::size_t count, float* out) const;
  /// All elements of a floating-point tensor as float.
  std::vector<float> to_f32(const TensorInfo& t) const;
  /// Index of the first NaN or infinity in a floating-point tensor, if any. Streams through
  /// the mapping chunk by chunk (a bit test per element, no conversion).
  std::optional<std::size_t> first_nonfinite(const TensorInfo& t) const;
  /// The same over elements [first, first + count) (an index into the whole tensor).
  std::optional<std::size_t> first_nonfinite(const TensorInfo& t, std::size_t first,
                                             std::size_t count) const;
  /// read_f32 through the file descriptor (pread) instead of the mapping, with the scan of
  /// first_nonfinite on the bytes read when `check`: the index (into the tensor) of the first NaN
  /// or infinity, if any. A reader that streams through a file once (the trace player) takes no
  /// page faults and leaves no pages mapped, and the values arrive in the caches where it reads
  /// them next. Thread-safe (non-F32 bytes pass through a per-thread scratch).
  std::optional<std::size_t> read_f32_streamed(const TensorInfo& t, std::size_t first,
                                               std::size_t count, float* out, bool check) const;
  /// Hints the kernel that a tensor will be read front to back (readahead).
  void advise_sequential(const TensorInfo& t) const;
  /// Drops the mapping's pages that lie wholly inside elements [first, first + count) of a
  /// tensor from this process's resident memory (they stay in the page cache and are read again
  /// if touched): a long replay's resident size stays that of the tokens in flight.
  void release(const TensorInfo& t, std::size_t first, std::size_t count) const;

 private:
  void close() noexcept;
  void pread_exact(std::size_t offset, std::size_t bytes, void* out) const;
  /// Bounds (std::out_of_range) and float dtype (InputError) of a read_f32; false: nothing to read.
  bool check_f32_read(const TensorInfo& t, std::size_t first, std::size_t count) const;
  std::string path_;
  int fd_ = -1;
  unsigned char* map_ = nullptr;
  std::size_t size_ = 0, header_len_ = 0;
  const unsigned char* data_ = nullptr;
  std::vector<TensorInfo> tensors_;
  Metadata metadata_;
};

struct TensorSpec {
  std::string name;
  DType dtype = DType::F32;
  std::vector<std::size_t> shape;
};

/// Streams a safetensors file: the tensor list is fixed up front, data may be written in any
/// order and pieces (positional writes into a preallocated temporary file, io::AtomicFile),
/// the header is (re)written by finish(), which also renames the file into place. A writer
/// destroyed without finish() removes its temporary file.
class SafetensorsWriter {
 public:
  /// reserve_header_bytes: room kept for the JSON header so that finish() can write metadata
  /// known only at the end (e.g. generated text) in place; if the final header is larger,
  /// finish() rewrites the file once.
  SafetensorsWriter(std::string path, std::vector<TensorSpec> specs, Metadata metadata = {},
                    std::size_t reserve_header_bytes = 0);
  ~SafetensorsWriter();
  SafetensorsWriter(const SafetensorsWriter&) = delete;
  SafetensorsWriter& operator=(const SafetensorsWriter&) = delete;

  std::size_t index(std::string_view name) const;
  const TensorInfo& tensor(std::size_t i) const { return infos_.at(i); }
  /// Writes bytes at byte_offset inside tensor i.
  void write(std::size_t i, std::size_t byte_offset, const void* data, std::size_t bytes);
  void set_metadata(Metadata metadata) { metadata_ = std::move(metadata); }
  /// Writes the final header; every tensor must have been written completely.
  void finish();
  const std::string& path() const { return path_; }

 private:
  std::string header_json() const;
  std::string path_;
  std::unique_ptr<io::AtomicFile> file_;
  std::vector<TensorInfo> infos_;
  std::vector<std::size_t> written_;
  Metadata metadata_;
  std::size_t header_len_ = 0, data_bytes_ = 0;
  bool finished_ = false;
};

/// A tensor held in memory, for small files written in one go (tests, checkpoints).
struct OwnedTensor {
  TensorSpec spec;
  std::vector<unsigned char> bytes;
  /// Stores float values as dtype (F32, F16, BF16 or F64).
  static OwnedTensor from_floats(std::string name, std::vector<std::size_t> shape,
                                 const std::vector<float>& values, DType dtype = DType::F32);
  static OwnedTensor from_i32(std::string name, std::vector<std::size_t> shape,
                              const std::vector<std::int32_t>& values);
};

void write_safetensors(const std::string& path, const std::vector<OwnedTensor>& tensors,
                       const Metadata& metadata = {});

}  // namespace gcattn::trace
