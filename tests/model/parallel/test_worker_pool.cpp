#include <catch2/catch.hpp>

#include <atomic>
#include <stdexcept>
#include <string>
#include <vector>

#include "gcattn/parallel/worker_pool.h"

using namespace gcattn;

TEST_CASE("worker pool: for_each runs every item once for any thread count", "[parallel]") {
  for (int threads : {1, 2, 3, 8}) {
    WorkerPool pool(threads);
    CHECK(pool.threads() == threads);
    for (int n : {0, 1, 5, 144, 1000}) {
      std::vector<std::atomic<int>> hits(static_cast<std::size_t>(n));
      pool.for_each(n, [&](int i) { hits[static_cast<std::size_t>(i)].fetch_add(1); });
      for (const auto& h : hits) REQUIRE(h.load() == 1);
    }
  }
  CHECK(WorkerPool(0).threads() == hardware_threads());
  CHECK(hardware_threads() >= 1);
}

TEST_CASE("worker pool: the exception of the lowest failing item is rethrown, others still run",
          "[parallel]") {
  for (int threads : {1, 4}) {
    WorkerPool pool(threads);
    std::atomic<int> ran{0};
    try {
      pool.for_each(100, [&](int i) {
        ran.fetch_add(1);
        if (i == 17 || i == 60 || i == 99) throw std::runtime_error("item " + std::to_string(i));
      });
      FAIL("no exception");
    } catch (const std::runtime_error& e) {
      CHECK(std::string(e.what()) == "item 17");
    }
    CHECK(ran.load() == 100);
    // The pool is usable afterwards.
    std::atomic<int> again{0};
    pool.for_each(10, [&](int) { again.fetch_add(1); });
    CHECK(again.load() == 10);
  }
}
