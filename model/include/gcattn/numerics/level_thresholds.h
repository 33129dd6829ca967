#pragma once
// A DAC after its per-head scaler (scale, clamp, round to the grid) maps each float input to an
// integer level, monotonically: every step of x -> gain * x + offset -> clamp -> x / step ->
// round half to even is monotone. So the whole transfer is described exactly by the inputs where
// the level steps up, found once per scaler by bisection over the ordered float values; a
// conversion is then a handful of integer compares per value (and no rounding arithmetic),
// giving the same level as the arithmetic for every float, bit for bit.
#include <array>
#include <climits>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace gcattn {

/// Order-preserving signed key of a float: x < y <=> key(x) < key(y) for non-NaN floats, with
/// -0.0 just below +0.0. The finite floats are exactly the keys in [key(-max), key(max)].
inline std::int32_t float_key(float x) {
  std::int32_t b;
  std::memcpy(&b, &x, sizeof b);
  return b ^ ((b >> 31) & 0x7FFFFFFF);
}
inline float key_float(std::int32_t k) {
  const std::int32_t b = k ^ ((k >> 31) & 0x7FFFFFFF);  // the map is its own inverse
  float x;
  std::memcpy(&x, &b, sizeof x);
  return x;
}

class LevelThresholds {
 public:
  /// Largest number of level steps (a grid of up to 256 levels).
  static constexpr int kMaxSteps = 255;

  LevelThresholds() = default;
  /// level(float) -> int must be monotone over the finite floats: non-decreasing when
  /// `increasing`, else non-increasing (what the affine scaler's gain sign decides). level() of
  /// an infinity is then that of the nearest finite float (a DAC never sees one: the host
  /// interface refuses them). Evaluates `level` about 32 times for each of the first two steps and
  /// a few times for the others (an extrapolated guess, see below). Throws
  /// std::invalid_argument for more than kMaxSteps steps or a level falling against `increasing`
  /// between the extremes.
  template <class Level>
  LevelThresholds(Level level, bool increasing) : flip_(increasing ? 0 : -1) {
    // In flipped keys (k ^ flip) the level is non-decreasing; the finite floats are the
    // interval [lo_key, hi_key] of them.
    const std::int32_t a = float_key(-__FLT_MAX__) ^ flip_;
    const std::int32_t b = float_key(__FLT_MAX__) ^ flip_;
    const std::int32_t lo_key = a < b ? a : b, hi_key = a < b ? b : a;
    auto at = [&](std::int64_t k) {
      return level(key_float(static_cast<std::int32_t>(k) ^ flip_));
    };
    lowest_ = at(lo_key);
    const int highest = at(hi_key);
    if (highest < lowest_ || highest - lowest_ > kMaxSteps) {
      throw std::invalid_argument(
          "LevelThresholds: the transfer is not monotone in the declared "
          "direction or has more than 255 steps");
    }
    keys_.resize(static_cast<std::size_t>(highest - lowest_));
    std::int64_t from = lo_key;
    for (std::size_t j = 0; j < keys_.size(); ++j) {
      // The first key whose level reaches lowest + j + 1 (exists: the top key's level does).
      const int target = lowest_ + static_cast<int>(j) + 1;
      std::int64_t lo = from, hi = hi_key;
      // A scaled, clamped, rounded transfer steps at evenly spaced inputs: from the third
      // threshold on, the previous two extrapolated give a guess a few keys off, and a galloping
      // search around it brackets the threshold in a few evaluations instead of the bisection's
      // 32. Only the bracket changes: the bisection below finds the same first key.
      if (j >= 2) bracket(at, target, guess(j), lo, hi);
      while (lo < hi) {
        const std::int64_t mid = lo + (hi - lo) / 2;
        if (at(mid) >= target) {
          hi = mid;
        } else {
          lo = mid + 1;
        }
      }
      keys_[j] = static_cast<std::int32_t>(lo);
      from = lo;
    }
    // Each threshold repeated in 8 lanes, padded to a multiple of four steps with thresholds no
    // key reaches (INT32_MAX is a NaN's key): what the 8-lane converters compare against, built
    // once per scaler instead of on every conversion.
    const int padded = padded_steps();
    lanes_.assign(static_cast<std::size_t>(padded) * 8, INT32_MAX);
    for (std::size_t j = 0; j < keys_.size(); ++j) {
      for (std::size_t l = 0; l < 8; ++l) lanes_[j * 8 + l] = keys_[j];
    }
    // The first sixteen thresholds in one row, padded likewise (the AVX-512 converters' table
    // for a binary search when steps() <= 15).
    table_.fill(INT32_MAX);
    for (std::size_t j = 0; j < keys_.size() && j < table_.size(); ++j) table_[j] = keys_[j];
  }

  /// The level of x (not NaN): lowest() plus the thresholds at or below x's flipped key.
  int level(float x) const {
    const std::int32_t k = float_key(x) ^ flip_;
    int n = lowest_;
    for (const std::int32_t t : keys_) n += k >= t;
    return n;
  }
  int lowest() const { return lowest_; }
  int steps() const { return static_cast<int>(keys_.size()); }
  /// 0 (level rises with x) or -1 (falls): keys are xor'ed with it before the compares.
  std::int32_t flip() const { return flip_; }
  /// steps() non-decreasing thresholds in flipped keys.
  const std::int32_t* keys() const { return keys_.data(); }
  /// steps() rounded up to a multiple of 4.
  int padded_steps() const { return (steps() + 3) & ~3; }
  /// padded_steps() x 8 values: threshold j in lanes [8 j, 8 j + 8), INT32_MAX as padding.
  const std::int32_t* lane_keys() const { return lanes_.data(); }
  /// The first 16 thresholds, INT32_MAX after the last (complete when steps() <= 15).
  const std::int32_t* table16() const { return table_.data(); }

 private:
  // The key at x1 + (x1 - x2), thresholds j - 1 and j - 2 as floats (NaN's key when that is not a
  // finite float: bracket() then ignores it).
  std::int64_t guess(std::size_t j) const {
    const double x1 = key_float(keys_[j - 1] ^ flip_), x2 = key_float(keys_[j - 2] ^ flip_);
    const double g = x1 + (x1 - x2);
    if (!(g >= -__FLT_MAX__ && g <= __FLT_MAX__)) return INT64_MAX;
    return float_key(static_cast<float>(g)) ^ flip_;
  }
  // Narrows [lo, hi] (at(hi) >= target; the first key reaching target lies in it) around the
  // key g, in steps doubling away from it.
  template <class At>
  static void bracket(At& at, int target, std::int64_t g, std::int64_t& lo, std::int64_t& hi) {
    if (g < lo || g >= hi) return;
    if (at(g) >= target) {
      hi = g;
      for (std::int64_t d = 1; g - d >= lo; d *= 2) {
        if (at(g - d) < target) {
          lo = g - d + 1;
          return;
        }
        hi = g - d;
      }
    } else {
      lo = g + 1;
      for (std::int64_t d = 1; g + d < hi; d *= 2) {
        if (at(g + d) >= target) {
          hi = g + d;
          return;
        }
        lo = g + d + 1;
      }
    }
  }

  std::int32_t flip_ = 0;
  int lowest_ = 0;
  std::vector<std::int32_t> keys_;
  std::vector<std::int32_t> lanes_;
  std::array<std::int32_t, 16> table_{};
};

/// The thresholds of the last two scalers a converter saw (a head's K and V write drivers
/// alternate between two), rebuilt when a scaler changes.
class LevelThresholdCache {
 public:
  /// build(scaler) -> LevelThresholds, called on a miss.
  template <class Scaler, class Build>
  const LevelThresholds& get(const Scaler& s, Build build) {
    for (Slot& slot : slots_) {
      if (slot.valid && slot.gain == s.gain && slot.offset == s.offset) return slot.thresholds;
    }
    Slot& slot = slots_[next_];
    next_ ^= 1;
    slot.valid = false;  // stays invalid if build throws
    slot.thresholds = build(s);
    slot.gain = s.gain;
    slot.offset = s.offset;
    slot.valid = true;
    return slot.thresholds;
  }

 private:
  struct Slot {
    bool valid = false;
    double gain = 0.0, offset = 0.0;
    LevelThresholds thresholds;
  };
  Slot slots_[2];
  int next_ = 0;
};

}  // namespace gcattn
