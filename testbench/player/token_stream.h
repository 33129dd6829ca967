#pragma once
// The trace's tokens in replay order, each field read by TraceReader::stream_token (pread, the
// NaN/infinity check when due). With read-ahead, a thread of its own reads the next block of
// tokens while the simulation replays this one: reading the trace is about a fifth of a
// timing-only run (docs/performance.md), and the second core is otherwise idle there. Blocks of
// about 2 MB, so that the two threads hand over a few times a run, not at every token (waking a
// sleeping thread costs microseconds on this virtual machine). The values, the check and its
// error (raised when the bad token is due, never earlier) are the same either way.
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>

namespace gcattn::trace {
class TraceReader;
}

namespace gcattn::player {

class TokenStream {
 public:
  /// Token t's fields, [layer][head][d]; attn_out null unless asked for. Valid until the next
  /// next() call.
  struct Token {
    const float *q = nullptr, *k = nullptr, *v = nullptr, *attn_out = nullptr;
  };
  /// tokens: the replay's first N tokens; tokens from check_from on are checked for NaN and
  /// infinity; read_ahead: read the next block on a thread of this stream.
  TokenStream(const trace::TraceReader& trace, std::size_t tokens, bool attn_out,
              std::size_t check_from, bool read_ahead);
  ~TokenStream();
  TokenStream(const TokenStream&) = delete;
  TokenStream& operator=(const TokenStream&) = delete;

  /// The next token (0, 1, ...): rethrows the InputError of its fields' check.
  Token next();
  /// Tokens per block.
  std::size_t block() const { return block_; }

 private:
  struct Slot {
    std::unique_ptr<float[]> field[4];  // [token in block][layer][head][d]
    std::size_t failed_at = 0;          // the token whose read threw, when error is set
    std::exception_ptr error;
  };
  // Reads block b's tokens into its slot (stops at the first that throws).
  void read_block(std::size_t b);
  void read_ahead_loop();

  const trace::TraceReader& trace_;
  const std::size_t tokens_, check_from_, row_;
  const int fields_;
  std::size_t block_;
  Slot slot_[2];          // block b in slot_[b % 2]
  std::size_t next_ = 0;  // the token next() returns
  // Read-ahead: blocks [0, ready_) have been read; the reader may fill block c once next() has
  // been called for the first token of block c - 1 (block c - 2, the slot's previous one, is
  // done with then).
  std::thread reader_;
  std::mutex m_;
  std::condition_variable cv_;
  std::size_t ready_ = 0;
  bool quit_ = false;
};

}  // namespace gcattn::player
