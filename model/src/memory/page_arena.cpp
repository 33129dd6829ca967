#include "gcattn/memory/page_arena.h"

#include <sys/mman.h>

#include <cstdint>
#include <new>

namespace gcattn {
namespace {

constexpr std::size_t kHugePage = std::size_t{2} << 20;

std::size_t round_up(std::size_t n, std::size_t to) {
  return (n + to - 1) / to * to;
}

}  // namespace

PageArena::PageArena(std::size_t chunk_bytes)
    : chunk_bytes_(round_up(chunk_bytes ? chunk_bytes : 1, kHugePage)) {}

PageArena::~PageArena() {
  for (const Chunk& c : chunks_) munmap(c.base, c.size);
}

void* PageArena::do_allocate(std::size_t bytes, std::size_t alignment) {
  if (alignment == 0 || (alignment & (alignment - 1)) != 0 || alignment > kHugePage)
    throw std::bad_alloc();
  std::lock_guard<std::mutex> lock(m_);
  auto aligned = [alignment](char* p) {
    return reinterpret_cast<char*>(round_up(reinterpret_cast<std::uintptr_t>(p), alignment));
  };
  char* p = next_ ? aligned(next_) : nullptr;
  if (!p || bytes > static_cast<std::size_t>(end_ - p)) {
    // A new mapping, 2 MiB-aligned in size; mmap returns page-aligned (>= any fundamental
    // alignment) memory, zero-filled and backed only when touched.
    const std::size_t size = round_up(bytes > chunk_bytes_ ? bytes : chunk_bytes_, kHugePage);
    chunks_.reserve(chunks_.size() + 1);  // so that recording the mapping cannot throw
    void* base = mmap(nullptr, size, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (base == MAP_FAILED) throw std::bad_alloc();
#ifdef MADV_HUGEPAGE
    madvise(base, size, MADV_HUGEPAGE);  // a hint: without transparent huge pages, 4 KiB pages
#endif
    chunks_.push_back({base, size});
    mapped_ += size;
    next_ = static_cast<char*>(base);
    end_ = next_ + size;
    p = aligned(next_);
  }
  allocated_ += static_cast<std::size_t>(p - next_) + bytes;
  next_ = p + bytes;
  return p;
}

}  // namespace gcattn
