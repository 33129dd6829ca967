#pragma once
// A fixed pool of worker threads for fork-join loops (one matrix-vector product split over
// output columns). Idle workers sleep on a condition variable instead of spinning: the machine
// this runs on is often shared, and spinning threads that lose their core to another process
// make every join wait for a scheduler time slice (an OpenMP pool with the default active wait
// policy was 8x slower than one thread on a loaded 2-core machine).
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace gcattn::gpt2 {

class WorkerPool {
 public:
  /// threads: total threads including the caller (1: everything runs on the caller). When the
  /// system refuses to start a thread, the pool keeps those that started (threads() says how
  /// many) rather than failing or waiting for ever.
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

 private:
  using Task = void (*)(void*, int);
  void dispatch(Task task, void* ctx);
  void loop(int part);

  std::vector<std::thread> workers_;
  std::mutex m_;
  std::condition_variable start_, done_;
  Task task_ = nullptr;
  void* ctx_ = nullptr;
  std::uint64_t generation_ = 0;
  int pending_ = 0;
  bool stop_ = false;
};

}  // namespace gcattn::gpt2
