#pragma once
// A monotonic memory resource for the simulated state of a whole accelerator: the cells and
// per-column bookkeeping of thousands of arrays and the scratch rows of their sub-tiles (tens of
// thousands of small blocks, most of them living as long as the model). Blocks come from large
// anonymous mappings, advised for transparent huge pages where the kernel offers them, so that
// construction is a pointer bump instead of a malloc per block, first touches fault in 2 MiB
// instead of 4 KiB pages, and tear-down is one munmap per mapping instead of a free per block.
// deallocate() is a no-op: memory returns when the arena is destroyed, so containers that grow
// and shrink repeatedly belong on the default heap. Allocation is thread-safe (a mutex: blocks are
// allocated on an array's first write or read, which the accelerator's worker threads may do
// for different heads at once).
#include <cstddef>
#include <memory_resource>
#include <mutex>
#include <vector>

namespace gcattn {

class PageArena : public std::pmr::memory_resource {
 public:
  /// chunk_bytes: the size of each mapping (larger requests get a mapping of their own). Pages are
  /// only backed by memory once touched.
  explicit PageArena(std::size_t chunk_bytes = std::size_t{32} << 20);
  ~PageArena() override;
  PageArena(const PageArena&) = delete;
  PageArena& operator=(const PageArena&) = delete;

  /// Bytes handed out so far (including alignment padding) and bytes mapped.
  std::size_t bytes_allocated() const { return allocated_; }
  std::size_t bytes_mapped() const { return mapped_; }

 private:
  void* do_allocate(std::size_t bytes, std::size_t alignment) override;
  void do_deallocate(void*, std::size_t, std::size_t) override {}
  bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override {
    return this == &other;
  }

  struct Chunk {
    void* base;
    std::size_t size;
  };
  std::size_t chunk_bytes_;
  std::mutex m_;
  std::vector<Chunk> chunks_;
  char* next_ = nullptr;  // bump pointer in the newest chunk
  char* end_ = nullptr;
  std::size_t allocated_ = 0, mapped_ = 0;
};

}  // namespace gcattn
