#pragma once
// Random numbers of device variation and noise (docs/nonidealities.md). Every draw is a pure
// function of a key naming what it describes (seed, stream, layer, head, sub-tile, unit, index,
// event), hashed with the SplitMix64 finaliser: no generator state, so the values do not depend
// on thread count, on the order in which arrays are built or used, or on LT versus AT.
#include <cmath>
#include <cstdint>
#include <vector>

#include "gcattn/config/hardware_params.h"

namespace gcattn {

/// Where a device sits: its head's layer and index, and its sub-tile in the head.
struct Site {
  int layer = 0, head = 0, subtile = 0;
};

/// The devices of a sub-tile that carry variation or noise.
enum class Unit : std::uint64_t { KArray = 0, VArray = 1, ChargeToPulse = 2, OutputConverter = 3 };

/// Independent streams of one unit (a different stream gives unrelated numbers).
enum class Stream : std::uint64_t {
  CellGain = 1,
  CellOffset = 2,
  CellTau = 3,
  ConverterOffset = 4,
  ReadNoise = 5,
  WriteNoise = 6
};

/// SplitMix64 finaliser of x + golden ratio: a bijective 64-bit mix.
inline std::uint64_t mix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}
/// Key of (a, b): order matters, collisions as unlikely as for a random 64-bit function.
inline std::uint64_t mix_key(std::uint64_t a, std::uint64_t b) {
  return mix64(a ^ mix64(b));
}
/// The key of one unit's stream; draw i of it uses mix_key(key, i).
inline std::uint64_t unit_key(std::uint64_t seed, Stream stream, const Site& s, Unit unit) {
  std::uint64_t k = mix_key(seed, static_cast<std::uint64_t>(stream));
  k = mix_key(k, static_cast<std::uint64_t>(static_cast<std::uint32_t>(s.layer)));
  k = mix_key(k, static_cast<std::uint64_t>(static_cast<std::uint32_t>(s.head)));
  k = mix_key(k, static_cast<std::uint64_t>(static_cast<std::uint32_t>(s.subtile)));
  return mix_key(k, static_cast<std::uint64_t>(unit));
}

/// Standard normal of key h (Box-Muller on two 53-bit uniforms derived from h).
inline double normal(std::uint64_t h) {
  const double u1 = (static_cast<double>(mix64(h) >> 11) + 1.0) * 0x1.0p-53;  // (0, 1]
  const double u2 = static_cast<double>(mix64(h ^ 0x5851F42D4C957F2DULL) >> 11) * 0x1.0p-53;
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
}

/// 32-bit integer hash (Wellons' lowbias32; 32-bit multiplies, so it vectorises).
inline std::uint32_t hash32(std::uint32_t x) {
  x ^= x >> 16;
  x *= 0x7FEB352DU;
  x ^= x >> 15;
  x *= 0x846CA68BU;
  return x ^ (x >> 16);
}

/// kNoiseLevels values of the standard normal at the midpoints of as many equally likely
/// intervals (inverse CDF), rescaled to unit variance. Bounded at about +-3.7.
inline constexpr int kNoiseBits = 12;
inline constexpr int kNoiseLevels = 1 << kNoiseBits;
const double* normal_table();

/// The noise's two sequences (docs/nonidealities.md): each a fixed pseudo-random permutation of
/// normal_table()'s values (as float), followed by a copy of its first kNoiseWindow entries, so
/// that kNoiseWindow consecutive entries from any offset below kNoiseLevels are contiguous. An
/// event (a read of a column, a write of a column) takes its cells' noise from consecutive
/// entries of each, from two offsets its key picks (noise_window): n = (a[row] + b[row]) / sqrt 2.
inline constexpr int kNoiseWindow = 4096;  // array.rows at most
struct NoiseTables {
  const float* a = nullptr;
  const float* b = nullptr;
};
const NoiseTables& noise_tables();
/// The windows of the event with key `key` (any 64-bit hash): the two sequences from their
/// offsets (the key's low and high bits).
inline NoiseTables noise_window(std::uint64_t key) {
  const NoiseTables& t = noise_tables();
  return NoiseTables{t.a + (key & (kNoiseLevels - 1)), t.b + ((key >> 32) & (kNoiseLevels - 1))};
}

/// The static input-referred offsets of `count` converters of one unit, in units of their input
/// full scale: sigma_lsb * lsb * z_i. Empty when the sigma is zero (no offsets at all).
inline std::vector<double> converter_offsets(const Nonideality& n, const Site& site, Unit unit,
                                             int count, double lsb) {
  std::vector<double> off;
  if (!(n.converter_offset_sigma_lsb > 0.0)) return off;
  const std::uint64_t key = unit_key(n.variation_seed, Stream::ConverterOffset, site, unit);
  off.resize(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i)
    off[static_cast<std::size_t>(i)] =
        n.converter_offset_sigma_lsb * lsb * normal(mix_key(key, static_cast<std::uint64_t>(i)));
  return off;
}

}  // namespace gcattn
