#include "player/token_stream.h"

#ifdef __linux__
#include <pthread.h>
#endif

#include <algorithm>

#include "trace/trace_file.h"

namespace gcattn::player {

namespace {
constexpr std::size_t kBlockBytes = std::size_t{2} << 20;
}

TokenStream::TokenStream(const trace::TraceReader& trace, std::size_t tokens, bool attn_out,
                         std::size_t check_from, bool read_ahead)
    : trace_(trace),
      tokens_(tokens),
      check_from_(check_from),
      row_(trace.meta().row()),
      fields_(attn_out ? 4 : 3) {
  const std::size_t token_bytes = std::max<std::size_t>(1, row_ * sizeof(float) * fields_);
  block_ = read_ahead ? std::clamp<std::size_t>(kBlockBytes / token_bytes, 1, 64) : 1;
  block_ = std::max<std::size_t>(1, std::min(block_, tokens_));
  for (Slot& s : slot_) {
    for (int f = 0; f < fields_; ++f) s.field[f].reset(new float[block_ * row_]);  // no zeroing
  }
  if (read_ahead && tokens_ > 1) reader_ = std::thread([this] { read_ahead_loop(); });
}

TokenStream::~TokenStream() {
  if (!reader_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(m_);
    quit_ = true;
  }
  cv_.notify_all();
  reader_.join();
}

void TokenStream::read_block(std::size_t b) {
  Slot& s = slot_[b % 2];
  s.error = nullptr;
  const std::size_t first = b * block_, end = std::min(tokens_, first + block_);
  for (std::size_t t = first; t < end; ++t) {
    try {
      for (int f = 0; f < fields_; ++f) {
        trace_.stream_token(static_cast<trace::Field>(f), t, t >= check_from_,
                            s.field[f].get() + (t - first) * row_);
      }
    } catch (...) {
      s.failed_at = t;
      s.error = std::current_exception();
      return;
    }
  }
}

void TokenStream::read_ahead_loop() {
#ifdef __linux__
  pthread_setname_np(pthread_self(), "gcattn-trace");  // as top -H and perf show it
#endif
  const std::size_t blocks = (tokens_ + block_ - 1) / block_;
  for (std::size_t c = 0; c < blocks; ++c) {
    {
      std::unique_lock<std::mutex> lock(m_);
      cv_.wait(lock, [&] { return quit_ || c < 2 || next_ > (c - 1) * block_; });
      if (quit_) return;
    }
    read_block(c);
    const bool failed = slot_[c % 2].error != nullptr;
    {
      std::lock_guard<std::mutex> lock(m_);
      ready_ = c + 1;
    }
    cv_.notify_all();
    if (failed) return;  // next() rethrows when that token is due
  }
}

TokenStream::Token TokenStream::next() {
  const std::size_t t = next_, b = t / block_;
  if (reader_.joinable()) {
    std::unique_lock<std::mutex> lock(m_);
    ++next_;
    if (t % block_ == 0) {
      cv_.notify_all();  // block b - 1 is done with: its slot may take block b + 1
      cv_.wait(lock, [&] { return ready_ > b; });
    }
  } else {
    ++next_;
    if (t % block_ == 0) read_block(b);
  }
  const Slot& s = slot_[b % 2];
  if (s.error && s.failed_at == t) std::rethrow_exception(s.error);
  const std::size_t at = (t % block_) * row_;
  return Token{s.field[0].get() + at, s.field[1].get() + at, s.field[2].get() + at,
               fields_ == 4 ? s.field[3].get() + at : nullptr};
}

}  // namespace gcattn::player
