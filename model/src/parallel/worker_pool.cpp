#include "gcattn/parallel/worker_pool.h"

#ifdef __linux__
#include <pthread.h>
#endif

#include <algorithm>
#include <system_error>

namespace gcattn {

int hardware_threads() {
  return std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}

WorkerPool::WorkerPool(int threads) {
  const int n = threads > 0 ? threads : hardware_threads();
  workers_.reserve(static_cast<std::size_t>(n > 1 ? n - 1 : 0));
  for (int part = 1; part < n; ++part) {
    try {
      workers_.emplace_back([this, part] { loop(part); });
    } catch (const std::system_error&) {
      break;  // the system has no more threads for us: work with those started
    }
  }
}

namespace {

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

}  // namespace

WorkerPool::~WorkerPool() {
  {
    std::lock_guard<std::mutex> lock(m_);
    stop_.store(true);
  }
  start_.notify_all();
  for (auto& w : workers_) w.join();
}

void WorkerPool::dispatch(Task task, void* ctx) {
  {
    std::lock_guard<std::mutex> lock(m_);
    task_ = task;
    ctx_ = ctx;
    pending_.store(static_cast<int>(workers_.size()), std::memory_order_relaxed);
    generation_.fetch_add(1, std::memory_order_release);
  }
  start_.notify_all();
  task(ctx, 0);  // the caller takes part 0
  for (int i = 0; i < kSpinPauses; ++i) {
    if (pending_.load(std::memory_order_acquire) == 0) return;
    cpu_relax();
  }
  std::unique_lock<std::mutex> lock(m_);
  done_.wait(lock, [this] { return pending_.load(std::memory_order_acquire) == 0; });
}

void WorkerPool::loop(int part) {
#ifdef __linux__
  pthread_setname_np(pthread_self(), "gcattn-worker");  // as top -H and perf show it
#endif
  std::uint64_t seen = 0;
  for (;;) {
    for (int i = 0; i < kSpinPauses && generation_.load(std::memory_order_acquire) == seen &&
                    !stop_.load(std::memory_order_relaxed);
         ++i) {
      cpu_relax();
    }
    if (generation_.load(std::memory_order_acquire) == seen) {
      std::unique_lock<std::mutex> lock(m_);
      start_.wait(lock, [&] {
        return stop_.load(std::memory_order_relaxed) ||
               generation_.load(std::memory_order_acquire) != seen;
      });
    }
    if (stop_.load(std::memory_order_relaxed)) return;
    seen = generation_.load(std::memory_order_acquire);
    const Task task = task_;
    void* const ctx = ctx_;
    task(ctx, part);
    if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      std::lock_guard<std::mutex> lock(m_);  // so that a caller about to sleep sees it first
      done_.notify_one();
    }
  }
}

}  // namespace gcattn
