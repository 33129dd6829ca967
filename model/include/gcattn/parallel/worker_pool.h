#pragma once
// A fixed pool of worker threads for fork-join loops: the heads of a layer step in the
// accelerator, the heads of the accuracy references and of calibration, the columns of a
// matrix-vector product in the GPT-2 engine. A layer step hands out two sections of about 50 us
// each, thousands of times a second, and waking a sleeping thread on this virtual machine takes
// about as long; so an idle worker (and the caller waiting for a join) first spins for a bounded
// time (kSpinPauses, about 50 us) and only then sleeps on a condition variable. Never longer: the
// machine is often shared, and threads that spin until work comes make every join wait for a
// scheduler time slice when they lose their core (an OpenMP pool with the default active wait
// policy was 8x slower than one thread on a loaded 2-core machine).
//
// Results never depend on the number of threads: for_each hands out independent items, and
// callers combine per-item results in item order.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace gcattn {

/// The machine's hardware threads (at least 1).
int hardware_threads();

class WorkerPool {
 public:
  /// threads: total threads including the caller (1: everything runs on the caller; 0: one per
  /// hardware thread). When the system refuses to start a thread, the pool keeps the ones it has
  /// (threads() tells how many) instead of failing.
  explicit WorkerPool(int threads);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  int threads() const { return static_cast<int>(workers_.size()) + 1; }

  /// Calls fn(part) for part = 0 .. threads() - 1, one part per thread, and returns when all
  /// are done. fn must not throw.
  template <typename F>
  void run(F& fn) {
    if (workers_.empty()) {
      fn(0);
      return;
    }
    dispatch([](void* f, int part) { (*static_cast<F*>(f))(part); }, &fn);
  }

  /// Calls fn(i) for i = 0 .. n - 1 on the pool's threads (each item once, in no fixed order)
  /// and returns when all are done. If calls throw, the exception of the lowest i is rethrown
  /// (the same one whatever the thread count); the other items still run.
  template <typename F>
  void for_each(int n, F&& fn) {
    if (n <= 0) return;
    if (workers_.empty() || n == 1) {
      std::exception_ptr error;
      for (int i = 0; i < n; ++i) {
        try {
          fn(i);
        } catch (...) {
          if (!error) error = std::current_exception();
        }
      }
      if (error) std::rethrow_exception(error);
      return;
    }
    std::atomic<int> next{0};
    std::mutex m;
    int failed_at = n;
    std::exception_ptr error;
    auto part = [&](int) {
      for (int i = next.fetch_add(1, std::memory_order_relaxed); i < n;
           i = next.fetch_add(1, std::memory_order_relaxed)) {
        try {
          fn(i);
        } catch (...) {
          std::lock_guard<std::mutex> lock(m);
          if (i < failed_at) {
            failed_at = i;
            error = std::current_exception();
          }
        }
      }
    };
    run(part);
    if (error) std::rethrow_exception(error);
  }

 private:
  using Task = void (*)(void*, int);
  void dispatch(Task task, void* ctx);
  void loop(int part);

  static constexpr int kSpinPauses = 1000;

  std::vector<std::thread> workers_;
  std::mutex m_;
  std::condition_variable start_, done_;
  Task task_ = nullptr;  // written before generation_ is raised (release), read after (acquire)
  void* ctx_ = nullptr;
  std::atomic<std::uint64_t> generation_{0};
  std::atomic<int> pending_{0};
  std::atomic<bool> stop_{false};
};

}  // namespace gcattn
