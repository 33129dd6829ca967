#pragma once
// The circular window of a head (PAPER.md section 2): token t lives in window slot t mod M
// (M = array.window_tokens), that is in sub-tile slot / cols, column slot mod cols; the oldest
// token is overwritten. The one place this mapping is written: the accelerator's heads and
// controller, HeadModel and the single-precision references all ask it.
#include <cstdint>

#include "gcattn/config/hardware_params.h"

namespace gcattn {

/// Where a token lives in a head's window.
struct WindowSlot {
  int slot = 0;     // token mod window_tokens
  int subtile = 0;  // slot / cols
  int column = 0;   // slot mod cols
};

/// The slot of token `token` (>= 0) in a window of window_tokens slots over sub-tiles of cols
/// columns (window_tokens a multiple of cols).
inline WindowSlot slot_of(std::int64_t token, int window_tokens, int cols) {
  const int slot = static_cast<int>(token % window_tokens);
  return WindowSlot{slot, slot / cols, slot % cols};
}

/// slot_of() for one configuration's geometry. With power-of-two window and columns (the
/// paper's 1,024 and 64) by masks and a shift: every head computes its slot on every step, and
/// a 64-bit division takes tens of cycles.
class SlotMap {
 public:
  SlotMap(int window_tokens, int cols)
      : window_tokens_(window_tokens),
        cols_(cols),
        pow2_(window_tokens > 0 && cols > 0 && (window_tokens & (window_tokens - 1)) == 0 &&
              (cols & (cols - 1)) == 0),
        col_bits_(pow2_ ? __builtin_ctz(static_cast<unsigned>(cols)) : 0) {}
  explicit SlotMap(const HardwareParams& p) : SlotMap(p.window_tokens, p.cols) {}
  WindowSlot operator()(std::int64_t token) const {
    if (!pow2_) return slot_of(token, window_tokens_, cols_);
    const int slot = static_cast<int>(token & (window_tokens_ - 1));  // token >= 0
    return WindowSlot{slot, slot >> col_bits_, slot & (cols_ - 1)};
  }
  int window_tokens() const { return window_tokens_; }
  int cols() const { return cols_; }
  int subtiles() const { return window_tokens_ / cols_; }

 private:
  int window_tokens_, cols_;
  bool pow2_;
  int col_bits_;
};

}  // namespace gcattn
