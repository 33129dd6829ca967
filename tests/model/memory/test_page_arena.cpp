// PageArena: alignment, zero-filled blocks, chunk growth, oversized requests, and the arrays
// that keep their cells in it (the accelerator's arena) reading as they do on the heap.
#include <catch2/catch.hpp>

#include <cstdint>
#include <memory_resource>
#include <vector>

#include "gcattn/config/config.h"
#include "gcattn/config/hardware_params.h"
#include "gcattn/memory/page_arena.h"
#include "gcattn/numerics/converters.h"
#include "gcattn/numerics/gain_cell_array.h"

using namespace gcattn;

TEST_CASE("PageArena hands out aligned, zeroed, disjoint blocks and grows by chunks", "[memory]") {
  PageArena arena(1);  // rounded up to one 2 MiB chunk
  CHECK(arena.bytes_mapped() == 0);
  auto* a = static_cast<unsigned char*>(arena.allocate(3, 1));
  auto* b = static_cast<double*>(arena.allocate(5 * sizeof(double), alignof(double)));
  auto* c = static_cast<unsigned char*>(arena.allocate(100, 64));
  CHECK(arena.bytes_mapped() == (std::size_t{2} << 20));
  CHECK(reinterpret_cast<std::uintptr_t>(b) % alignof(double) == 0);
  CHECK(reinterpret_cast<std::uintptr_t>(c) % 64 == 0);
  CHECK(reinterpret_cast<unsigned char*>(b) >= a + 3);
  CHECK(c >= reinterpret_cast<unsigned char*>(b + 5));
  for (int i = 0; i < 100; ++i) CHECK(c[i] == 0);  // fresh anonymous pages
  a[0] = a[1] = a[2] = 0xFF;
  c[99] = 1;
  CHECK(arena.bytes_allocated() >= 3 + 5 * sizeof(double) + 100);

  // Past the chunk: a new mapping; an oversized request gets one of its own.
  auto* next = static_cast<unsigned char*>(arena.allocate((std::size_t{2} << 20) - 16, 8));
  next[0] = 1;  // writable (allocate never returns null: it throws)
  CHECK(arena.bytes_mapped() == (std::size_t{4} << 20));
  auto* big = static_cast<unsigned char*>(arena.allocate(std::size_t{5} << 20, 4096));
  CHECK(arena.bytes_mapped() == (std::size_t{10} << 20));
  big[(std::size_t{5} << 20) - 1] = 7;
  arena.deallocate(big, std::size_t{5} << 20, 4096);  // a no-op until the arena dies
  CHECK(arena.is_equal(arena));
  CHECK_FALSE(arena.is_equal(*std::pmr::new_delete_resource()));
  volatile std::size_t three = 3;  // a run-time value: Clang rejects a constant one at compile time
  CHECK_THROWS_AS((void)arena.allocate(8, three), std::bad_alloc);  // not a power of two
}

TEST_CASE("An array with its cells in a PageArena reads as one on the heap", "[memory][array]") {
  const HardwareParams p = HardwareParams::from(Config::paper());
  PageArena arena;
  GainCellArrayModel in_arena(p.rows, p.cols, CellModel::from(p), Leakage::from(p), p.v_mid_v,
                              &arena);
  GainCellArrayModel on_heap(p.rows, p.cols, CellModel::from(p), Leakage::from(p), p.v_mid_v);
  const WriteDac dac = WriteDac::from(p);
  for (auto* a : {&in_arena, &on_heap})
    a->set_write_grid(dac.step_v(), dac.grid_min_index(), dac.grid_max_index());
  std::vector<double> volts(static_cast<std::size_t>(p.rows));
  std::vector<std::uint8_t> code(static_cast<std::size_t>(p.rows));
  for (int c = 0; c < p.cols; c += 3) {
    for (int r = 0; r < p.rows; ++r) {
      double index = 0.0;
      volts[r] = dac.volts(0.9 * ((r * 5 + c * 3) % 11) / 10.0, index);
      code[r] = static_cast<std::uint8_t>(static_cast<int>(index) - dac.grid_min_index());
    }
    in_arena.write_codes(c, code.data(), 1e-9 * c, c);
    on_heap.write_column(c, volts.data(), 1e-9 * c, c);
  }
  CHECK(in_arena.grid_coded());
  CHECK(arena.bytes_allocated() >= static_cast<std::size_t>(p.rows) * p.cols);
  std::vector<double> q(static_cast<std::size_t>(p.rows), 0.5), s1(p.cols), s2(p.cols);
  CHECK(in_arena.read_rows(q.data(), 1e-6, 64, s1.data()) ==
        on_heap.read_rows(q.data(), 1e-6, 64, s2.data()));
  CHECK(s1 == s2);
}
