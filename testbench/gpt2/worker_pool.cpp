#include "gpt2/worker_pool.h"

#include <algorithm>
#include <system_error>

namespace gcattn::gpt2 {

WorkerPool::WorkerPool(int threads) {
  for (int part = 1; part < std::max(1, threads); ++part) {
    try {
      workers_.emplace_back([this, part] { loop(part); });
    } catch (const std::system_error&) {
      break;  // the system refused another thread: work with those that started
    }
  }
}

WorkerPool::~WorkerPool() {
  {
    std::lock_guard<std::mutex> lock(m_);
    stop_ = true;
  }
  start_.notify_all();
  for (auto& w : workers_) w.join();
}

void WorkerPool::dispatch(Task task, void* ctx) {
  {
    std::lock_guard<std::mutex> lock(m_);
    task_ = task;
    ctx_ = ctx;
    pending_ = static_cast<int>(workers_.size());
    ++generation_;
  }
  start_.notify_all();
  task(ctx, 0);  // the caller takes part 0
  std::unique_lock<std::mutex> lock(m_);
  done_.wait(lock, [this] { return pending_ == 0; });
}

void WorkerPool::loop(int part) {
  std::uint64_t seen = 0;
  for (;;) {
    Task task;
    void* ctx;
    {
      std::unique_lock<std::mutex> lock(m_);
      start_.wait(lock, [&] { return stop_ || generation_ != seen; });
      if (stop_) return;
      seen = generation_;
      task = task_;
      ctx = ctx_;
    }
    task(ctx, part);
    bool last;
    {
      std::lock_guard<std::mutex> lock(m_);
      last = --pending_ == 0;
    }
    if (last) done_.notify_one();
  }
}

}  // namespace gcattn::gpt2
