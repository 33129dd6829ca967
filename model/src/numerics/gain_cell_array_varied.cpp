// The varied path of GainCellArrayModel (set_nonideality): every cell's current on its own, with
// its static gain, offset and retention, the noise of its latest write and a fresh read noise.
// The nominal path (gain_cell_array.cpp) is untouched: an array without variation never gets here.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "gcattn/numerics/gain_cell_array.h"

#include "cpu_features.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define GCATTN_VARIED_AVX512 1
// GCC 12 flags the intrinsics' own _mm512_undefined_* pass-through operands (a known false
// positive in avx512fintrin.h).
#if !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#endif

// Vector values only pass between always-inlined helpers of this file: the ABI note does not
// apply (GCC reports it at the end of the translation unit, hence no push/pop).
#pragma GCC diagnostic ignored "-Wpsabi"

namespace gcattn {

namespace {

// IEEE half precision (binary16) of x, rounded to nearest, ties to even; |x| must not exceed the
// largest half, 65504. Subnormal halves (below 2^-14) are produced exactly as rounded.
std::uint16_t to_half(double x) {
  const std::uint16_t sign = std::signbit(x) ? 0x8000 : 0;
  const double a = std::fabs(x);
  if (a < 0x1.0p-14)
    return static_cast<std::uint16_t>(sign | static_cast<int>(std::nearbyint(a * 0x1.0p24)));
  int e = 0;
  const double m = std::frexp(a, &e);                     // a = m 2^e, m in [0.5, 1)
  auto q = static_cast<int>(std::nearbyint(m * 2048.0));  // 1024..2048
  e -= 1;                                                 // a = (q / 1024) 2^e
  if (q == 2048) {
    q = 1024;
    ++e;
  }
  return static_cast<std::uint16_t>(sign | ((e + 15) << 10) | (q - 1024));
}

// The value of half h (no infinities or NaNs: to_half makes none).
float from_half(std::uint16_t h) {
  const int e = (h >> 10) & 0x1f, m = h & 0x3ff;
  const float a = e == 0 ? std::ldexp(static_cast<float>(m), -24)
                         : std::ldexp(static_cast<float>(1024 + m), e - 25);
  return (h & 0x8000) != 0 ? -a : a;
}

constexpr double kHalfMax = 65504.0, kHalfMinNormal = 0x1.0p-14;

// noise_tables() times `scale` (float products), plus `bias` in the first sequence: one copy per
// (scale, bias) for the whole process.
const NoiseTables* scaled_noise(float scale, float bias) {
  struct Scaled {
    std::vector<float> a, b;
    NoiseTables t;
  };
  static std::mutex mu;
  static std::map<std::uint64_t, std::unique_ptr<Scaled>> cache;
  std::uint32_t s_bits = 0, b_bits = 0;
  std::memcpy(&s_bits, &scale, sizeof s_bits);
  std::memcpy(&b_bits, &bias, sizeof b_bits);
  const std::lock_guard<std::mutex> lock(mu);
  std::unique_ptr<Scaled>& s = cache[(static_cast<std::uint64_t>(b_bits) << 32) | s_bits];
  if (!s) {
    s = std::make_unique<Scaled>();
    const NoiseTables& t = noise_tables();
    const auto n = static_cast<std::size_t>(kNoiseLevels + kNoiseWindow);
    s->a.resize(n);
    s->b.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
      s->a[i] = bias + scale * t.a[i];
      s->b[i] = scale * t.b[i];
    }
    s->t = NoiseTables{s->a.data(), s->b.data()};
  }
  return &s->t;
}

}  // namespace

void GainCellArrayModel::set_nonideality(const Nonideality& n, const Site& site, Unit unit) {
  var_ = Variation{};
  var_.gain_sigma = n.cell_gain_sigma;
  var_.offset_sigma_v = n.cell_offset_sigma_v;
  var_.tau_sigma = n.tau_sigma;
  var_.read_sigma = n.read_sigma;
  var_.write_sigma_v = n.write_sigma_v;
  var_.gain_key = unit_key(n.variation_seed, Stream::CellGain, site, unit);
  var_.offset_key = unit_key(n.variation_seed, Stream::CellOffset, site, unit);
  var_.tau_key = unit_key(n.variation_seed, Stream::CellTau, site, unit);
  var_.read_key = unit_key(n.noise_seed, Stream::ReadNoise, site, unit);
  var_.write_key = unit_key(n.noise_seed, Stream::WriteNoise, site, unit);
  // The noise n = (a + b) / sqrt 2 enters as sigma n = s a + s b with s = sigma / sqrt 2; the
  // read noise's factor 1 + sigma n as (1 + s a) + s b.
  if (var_.read_sigma > 0.0)
    var_.read_noise = scaled_noise(static_cast<float>(var_.read_sigma * std::sqrt(0.5)), 1.0f);
  if (var_.write_sigma_v > 0.0)
    var_.write_noise = scaled_noise(static_cast<float>(var_.write_sigma_v * std::sqrt(0.5)), 0.0f);
  varied_ = n.arrays();
}

namespace {

// The per-cell values of a parameter without spread (gain deviation 0, offset 0, decay-rate
// factor 1, no write noise), shared by every column: the dense cells' kernels read them in place
// of the tables an array keeps only for what varies (array.rows <= 4096).
const std::uint16_t* half_zeros() {
  static const std::vector<std::uint16_t> v(kNoiseWindow, 0);
  return v.data();
}
const std::uint16_t* half_ones() {
  static const std::vector<std::uint16_t> v(kNoiseWindow, 0x3C00);  // 1.0
  return v.data();
}
const float* zeros() {
  static const std::vector<float> v(kNoiseWindow, 0.0f);
  return v.data();
}
// mix64(c) for the first kNoiseWindow columns: half of the read noise's key per column.
const std::uint64_t* column_keys() {
  static const std::vector<std::uint64_t> v = [] {
    std::vector<std::uint64_t> k(kNoiseWindow);
    for (std::size_t c = 0; c < k.size(); ++c) k[c] = mix64(c);
    return k;
  }();
  return v.data();
}

}  // namespace

void GainCellArrayModel::vary_column(int col, std::int64_t token) {
  if (var_.write_noise != nullptr) {  // the write's windows: w = s a + s b, s = sigma / sqrt 2
    if (write_window_.empty()) write_window_.assign(static_cast<std::size_t>(cols_), 0);
    const std::uint64_t key = mix_key(var_.write_key, static_cast<std::uint64_t>(token));
    write_window_[static_cast<std::size_t>(col)] = static_cast<std::uint32_t>(
        (key & (kNoiseLevels - 1)) | (((key >> 32) & (kNoiseLevels - 1)) << 16));
  }
  if (var_.sampled) return;
  var_.sampled = true;  // first write: the static variation of every cell
  const std::size_t n = static_cast<std::size_t>(rows_) * static_cast<std::size_t>(cols_);
  if (var_.gain_sigma > 0.0) {  // I = (1 + g) g(...), g = sigma z
    gain_.resize(n);
    for (std::size_t i = 0; i < n; ++i)
      gain_[i] = to_half(
          std::clamp(var_.gain_sigma * normal(mix_key(var_.gain_key, i)), -kHalfMax, kHalfMax));
  }
  if (var_.offset_sigma_v > 0.0) {
    offset_.resize(n);
    for (std::size_t i = 0; i < n; ++i)
      offset_[i] = to_half(std::clamp(var_.offset_sigma_v * normal(mix_key(var_.offset_key, i)),
                                      -kHalfMax, kHalfMax));
  }
  if (var_.tau_sigma >
      0.0) {  // tau_cell = tau * exp(sigma z): the exponent scales by exp(-sigma z)
    rate_.resize(n);
    rate_max_.resize(static_cast<std::size_t>(cols_));
    for (std::size_t i = 0; i < n; ++i)
      rate_[i] = to_half(std::clamp(std::exp(-var_.tau_sigma * normal(mix_key(var_.tau_key, i))),
                                    kHalfMinNormal, kHalfMax));
    for (int c = 0; c < cols_; ++c) {  // the largest of each column (the kernels' range check)
      float m = 0.0f;
      for (int r = 0; r < rows_; ++r) m = std::max(m, from_half(rate_[idx(c, r)]));
      rate_max_[static_cast<std::size_t>(c)] = m;
    }
  }
}

// The helpers below are inlined into each copy of the kernels (a vector passed between
// non-inlined functions would change with the copy's ABI).
#define GCATTN_INLINE inline __attribute__((always_inline))

namespace {

constexpr int kMaxLevels = 256;         // set_write_grid's limit
constexpr int kMaxRows = kNoiseWindow;  // array.rows at most
constexpr double kLog2e = 1.4426950408889634;
// exp2_16: 2^(j / 32) rounded to float, and the shift whose addition rounds a float to a multiple
// of 1/32 (for |x| < 2^17), leaving 32 x in the low mantissa bits.
alignas(64) constexpr float kExp2Table[32] = {
    0x1.0p+0f,      0x1.059b0ep+0f, 0x1.0b5586p+0f, 0x1.11301ep+0f, 0x1.172b84p+0f, 0x1.1d4874p+0f,
    0x1.2387a6p+0f, 0x1.29e9ep+0f,  0x1.306fep+0f,  0x1.371a74p+0f, 0x1.3dea64p+0f, 0x1.44e086p+0f,
    0x1.4bfdaep+0f, 0x1.5342b6p+0f, 0x1.5ab07ep+0f, 0x1.6247ecp+0f, 0x1.6a09e6p+0f, 0x1.71f75ep+0f,
    0x1.7a1148p+0f, 0x1.82589ap+0f, 0x1.8ace54p+0f, 0x1.93737cp+0f, 0x1.9c4918p+0f, 0x1.a5503cp+0f,
    0x1.ae89fap+0f, 0x1.b7f77p+0f,  0x1.c199bep+0f, 0x1.cb720ep+0f, 0x1.d5818ep+0f, 0x1.dfc974p+0f,
    0x1.ea4afap+0f, 0x1.f50766p+0f};
constexpr float kExp2Shift = 0x1.8p18f;
constexpr std::int32_t kExp2ShiftBits = 0x48C00000;  // its representation
static_assert(__builtin_bit_cast(std::int32_t, kExp2Shift) == kExp2ShiftBits);

// The kernel variants (template flags): grid-coded cells, a cubic per cell (else the column's
// current per level, looked up: no offset, write noise or retention spread), per-cell decay,
// read noise, gain, the additive terms (offset and write noise).
enum : unsigned { kCoded = 1, kCubic = 2, kSpread = 4, kNoise = 8, kGain = 16, kAdd = 32 };
constexpr unsigned kFlagCount = 64;

/// The variants that exist: the level lookup needs coded cells and nothing inside the cubic;
/// dense cells (off-grid writes) always take gain and the additive terms from the tables.
constexpr bool variant(unsigned f) {
  if ((f & kCubic) == 0) return (f & kCoded) != 0 && (f & (kSpread | kAdd)) == 0;
  if ((f & kCoded) == 0) return (f & kGain) != 0 && (f & kAdd) != 0;
  return (f & (kSpread | kAdd)) != 0;
}

using RowsKernel = double (*)(const detail::VariedRead&, const double*, const float*, double*);
using ColsKernel = double (*)(const detail::VariedRead&, const double*, double*);

}  // namespace

// One read of a varied array: what its kernels need, the same for all of its columns.
struct detail::VariedRead {
  RowsKernel rows_kernel = nullptr;
  ColsKernel cols_kernel = nullptr;
  int rows = 0, cols = 0;
  const std::uint8_t* code = nullptr;  // grid-coded cells [cols][rows]
  const double* u = nullptr;           // dense cells [cols][rows]
  const std::uint8_t* valid = nullptr;
  const double* t_write = nullptr;
  const std::int64_t* token = nullptr;
  // Per cell [cols][rows] in half precision, or one column of zeros or ones for all (stride 0):
  // gain deviation g, storage-node offset, decay-rate factor; the largest rate of each column.
  const std::uint16_t *gain = nullptr, *offset = nullptr, *rate = nullptr;
  std::size_t gain_stride = 0, offset_stride = 0, rate_stride = 0;
  const float* rate_max = nullptr;
  const Leakage* leakage = nullptr;
  double log_per_s = 0.0, log_per_token = 0.0;  // leakage->log_factor(1, 0), (0, 1)
  double now_s = 0.0;
  std::int64_t now_token = 0;
  // The scaled noise sequences: read noise (sigma n = a + b from the read's windows), write noise
  // (the windows of the column's latest write; null without write noise: zeros for all).
  const float *read_a = nullptr, *read_b = nullptr;
  std::uint64_t noise_key = 0;  // the read's key (read_key, token)
  const float *write_a = nullptr, *write_b = nullptr;
  const std::uint32_t* write_window = nullptr;  // per column: the offsets (low, high 16 bits)
  const std::uint64_t* column_keys = nullptr;   // mix64(c) for c < kNoiseWindow
  std::array<double, 4> k{};                    // the nominal cell's cubic
  std::array<float, 4> kf{};                    // the same in float
  int levels = 0;
  // The grid's deviation of each level, padded with zeros to 16 (the AVX-512 copy loads 8
  // doubles or 16 floats).
  alignas(64) std::array<double, kMaxLevels> level_u;
  alignas(64) std::array<float, kMaxLevels> level_uf;
};

namespace {

using detail::VariedRead;

// The currents and sums in eight double lanes, the per-cell factors and (with a cubic per cell)
// the currents themselves in sixteen float lanes.
typedef double v8d __attribute__((vector_size(64)));
typedef double v4d __attribute__((vector_size(32)));
typedef double v2d __attribute__((vector_size(16)));
typedef float v8f __attribute__((vector_size(32)));
typedef float v16f __attribute__((vector_size(64)));
typedef std::uint32_t v16u __attribute__((vector_size(64)));
typedef std::int32_t v16i __attribute__((vector_size(64)));
typedef std::uint16_t v16h __attribute__((vector_size(32)));

// What the current of each cell of one column at one read depends on.
struct VariedColumn {
  const std::uint8_t* code = nullptr;
  const double* u = nullptr;
  const std::uint16_t *gain = nullptr, *offset = nullptr, *rate = nullptr;  // halves
  const float *write_a = nullptr, *write_b = nullptr;  // the latest write's noise windows
  const float *noise_a = nullptr, *noise_b = nullptr;  // the read noise's windows
  double delta = 1.0;                                  // the column's decay
  float delta_f = 1.0f;                                // the same in float
  float log2_delta = 0.0f;  // its base-2 logarithm (the retention spread)
  bool clamp = false;       // some cell's decay exponent leaves [-125, 120]
};

namespace portable {
#define GCATTN_KERNEL GCATTN_INLINE
#define GCATTN_ENTRY
#include "gain_cell_array_varied_generic.h"
#include "gain_cell_array_varied_kernels.h"
#undef GCATTN_KERNEL
#undef GCATTN_ENTRY
}  // namespace portable

#if GCATTN_VARIED_AVX512
// The same for CPUs with AVX2 and FMA.
namespace avx2 {
#define GCATTN_AVX2_TARGET __attribute__((target("avx2,fma")))
#define GCATTN_KERNEL GCATTN_INLINE GCATTN_AVX2_TARGET
#define GCATTN_ENTRY GCATTN_AVX2_TARGET
#define GCATTN_VARIED_FMA_X86 1
#include "gain_cell_array_varied_generic.h"
#include "gain_cell_array_varied_kernels.h"
#undef GCATTN_VARIED_FMA_X86
#undef GCATTN_KERNEL
#undef GCATTN_ENTRY
}  // namespace avx2
#endif

#if GCATTN_VARIED_AVX512
// With at most 8 grid levels a column's per-level values sit in one register and vpermpd (or
// vpermps) picks 8 (16) cells' values by their codes.
namespace avx512 {
#define GCATTN_AVX512_TARGET __attribute__((target("avx512f")))
#define GCATTN_KERNEL GCATTN_INLINE GCATTN_AVX512_TARGET
#define GCATTN_ENTRY GCATTN_AVX512_TARGET
struct FloatLevels {
  __m512 v;
};
struct LevelBuffer {};
GCATTN_KERNEL FloatLevels make_float_levels(const float* v) {
  return FloatLevels{_mm512_loadu_ps(v)};
}
GCATTN_KERNEL FloatLevels level_currents(const VariedRead& rd, double delta, LevelBuffer&) {
  v8d w;
  std::memcpy(&w, rd.level_u.data(), sizeof w);
  w = delta * w;
  const v8d c = rd.k[0] + w * (rd.k[1] + w * (rd.k[2] + w * rd.k[3]));
  __m512d cd;
  std::memcpy(&cd, &c, sizeof cd);
  return FloatLevels{_mm512_zextps256_ps512(_mm512_cvtpd_ps(cd))};
}
GCATTN_KERNEL v16f lookup16(const FloatLevels& l, const std::uint8_t* c) {
  const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(c));
  const __m512 x = _mm512_permutexvar_ps(_mm512_cvtepu8_epi32(b), l.v);
  v16f y;
  std::memcpy(&y, &x, sizeof y);
  return y;
}
GCATTN_KERNEL v16f half16(const std::uint16_t* p) {
  const __m512 x = _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
  v16f y;
  std::memcpy(&y, &x, sizeof y);
  return y;
}
GCATTN_KERNEL v8d low8(const v16f& x) {
  __m512 v;
  std::memcpy(&v, &x, sizeof v);
  const __m512d d = _mm512_cvtps_pd(_mm512_castps512_ps256(v));
  v8d y;
  std::memcpy(&y, &d, sizeof y);
  return y;
}
GCATTN_KERNEL v8d high8(const v16f& x) {
  __m512 v;
  std::memcpy(&v, &x, sizeof v);
  const __m512d d =
      _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
  v8d y;
  std::memcpy(&y, &d, sizeof y);
  return y;
}
GCATTN_KERNEL v16f max16(const v16f& a, float b) {
  __m512 v;
  std::memcpy(&v, &a, sizeof v);
  const __m512 m = _mm512_max_ps(v, _mm512_set1_ps(b));
  v16f y;
  std::memcpy(&y, &m, sizeof y);
  return y;
}
GCATTN_KERNEL v16f min16(const v16f& a, float b) {
  __m512 v;
  std::memcpy(&v, &a, sizeof v);
  const __m512 m = _mm512_min_ps(v, _mm512_set1_ps(b));
  v16f y;
  std::memcpy(&y, &m, sizeof y);
  return y;
}
GCATTN_KERNEL double hsum8(const v8d& v) {
  __m512d x;
  std::memcpy(&x, &v, sizeof x);
  const __m256d h = _mm256_add_pd(_mm512_castpd512_pd256(x), _mm512_extractf64x4_pd(x, 1));
  const __m128d q = _mm_add_pd(_mm256_castpd256_pd128(h), _mm256_extractf128_pd(h, 1));
  return _mm_cvtsd_f64(q) + _mm_cvtsd_f64(_mm_unpackhi_pd(q, q));
}
struct Exp2Table {
  __m512 lo, hi;
};
GCATTN_KERNEL Exp2Table make_exp2_table() {
  return Exp2Table{_mm512_load_ps(kExp2Table), _mm512_load_ps(kExp2Table + 16)};
}
GCATTN_KERNEL v16f exp2_lookup(const Exp2Table& table, const v16f& t) {
  __m512i j;
  std::memcpy(&j, &t, sizeof j);
  const __m512 x = _mm512_permutex2var_ps(table.lo, j, table.hi);  // the low five bits of j
  v16f y;
  std::memcpy(&y, &x, sizeof y);
  return y;
}
GCATTN_KERNEL v16f scale_floor16(const v16f& y, const v16f&, const v16f& n) {
  __m512 a, b;
  std::memcpy(&a, &y, sizeof a);
  std::memcpy(&b, &n, sizeof b);
  const __m512 r = _mm512_scalef_ps(a, b);  // a * 2^floor(b)
  v16f out;
  std::memcpy(&out, &r, sizeof out);
  return out;
}
GCATTN_KERNEL v16f fma16(const v16f& a, const v16f& b, const v16f& c) {
  __m512 x, y, z;
  std::memcpy(&x, &a, sizeof x);
  std::memcpy(&y, &b, sizeof y);
  std::memcpy(&z, &c, sizeof z);
  const __m512 r = _mm512_fmadd_ps(x, y, z);
  v16f out;
  std::memcpy(&out, &r, sizeof out);
  return out;
}
GCATTN_KERNEL v8d fma8d(const v8d& a, const v8d& b, const v8d& c) {
  __m512d x, y, z;
  std::memcpy(&x, &a, sizeof x);
  std::memcpy(&y, &b, sizeof y);
  std::memcpy(&z, &c, sizeof z);
  const __m512d r = _mm512_fmadd_pd(x, y, z);
  v8d out;
  std::memcpy(&out, &r, sizeof out);
  return out;
}
#include "gain_cell_array_varied_kernels.h"
#undef GCATTN_KERNEL
#undef GCATTN_ENTRY
}  // namespace avx512
#endif

bool cpu_has_avx512() {
#if GCATTN_VARIED_AVX512
  return cpu::avx512f();
#else
  return false;
#endif
}

bool cpu_has_avx2_fma() {
#if GCATTN_VARIED_AVX512
  return cpu::avx2_fma();
#else
  return false;
#endif
}

// The kernels of variant `flags` (one of variant()): the AVX-512 copy when `wide` (coded cells),
// else the AVX2 and FMA copy where the CPU has them, else the baseline's.
template <unsigned F = 0>
void kernels(unsigned flags, bool wide, RowsKernel& rows, ColsKernel& cols) {
  if constexpr (F < kFlagCount) {
    if constexpr (variant(F)) {
      if (flags == F) {
#if GCATTN_VARIED_AVX512
        if constexpr ((F & kCoded) != 0) {
          if (wide) {
            rows = &avx512::read_rows<F>;
            cols = &avx512::read_cols<F>;
            return;
          }
        }
        if (cpu_has_avx2_fma()) {
          rows = &avx2::read_rows<F>;
          cols = &avx2::read_cols<F>;
          return;
        }
#endif
        (void)wide;
        rows = &portable::read_rows<F>;
        cols = &portable::read_cols<F>;
        return;
      }
    }
    kernels<F + 1>(flags, wide, rows, cols);
  }
}

}  // namespace

detail::VariedRead GainCellArrayModel::varied_read(double now_s, std::int64_t now_token) const {
  detail::VariedRead rd;
  const bool spread = var_.tau_sigma > 0.0 && leakage_.mode() != LeakageMode::Off;
  const bool noise = var_.read_sigma > 0.0;
  const bool add = !offset_.empty() || var_.write_noise != nullptr;
  unsigned f = 0;
  if (coded_) {
    f |= kCoded;
    if (spread || add) f |= kCubic;
    if (!gain_.empty()) f |= kGain;
    if (add) f |= kAdd;
  } else {
    f |= kCubic | kGain | kAdd;  // the tables of ones and zeros where nothing varies
  }
  if (spread) f |= kSpread;
  if (noise) f |= kNoise;
  const bool wide = coded_ && level_u_.size() <= 8 && cpu_has_avx512() && avx512_reads();
  kernels(f, wide, rd.rows_kernel, rd.cols_kernel);
  rd.rows = rows_;
  rd.cols = cols_;
  rd.code = coded_ ? code_.data() : nullptr;
  rd.u = coded_ ? nullptr : u_.data();
  rd.valid = valid_.data();
  rd.t_write = t_write_s_.data();
  rd.token = token_.data();
  const auto table = [&](const std::pmr::vector<std::uint16_t>& t, const std::uint16_t* none,
                         const std::uint16_t*& p, std::size_t& stride) {
    p = t.empty() ? none : t.data();
    stride = t.empty() ? 0 : static_cast<std::size_t>(rows_);
  };
  table(gain_, half_zeros(), rd.gain, rd.gain_stride);
  table(offset_, half_zeros(), rd.offset, rd.offset_stride);
  table(rate_, half_ones(), rd.rate, rd.rate_stride);
  rd.rate_max = rate_max_.empty() ? nullptr : rate_max_.data();
  rd.leakage = &leakage_;
  rd.log_per_s = leakage_.log_factor(1.0, 0);
  rd.log_per_token = leakage_.log_factor(0.0, 1);
  rd.now_s = now_s;
  rd.now_token = now_token;
  if (noise) {
    rd.read_a = var_.read_noise->a;
    rd.read_b = var_.read_noise->b;
    rd.noise_key = mix_key(var_.read_key, static_cast<std::uint64_t>(now_token));
  }
  const bool windows = var_.write_noise != nullptr;
  rd.write_a = windows ? var_.write_noise->a : zeros();
  rd.write_b = windows ? var_.write_noise->b : zeros();
  rd.write_window = windows ? write_window_.data() : nullptr;
  rd.column_keys = column_keys();
  rd.k = cell_.coefficients();
  for (std::size_t i = 0; i < 4; ++i) rd.kf[i] = static_cast<float>(rd.k[i]);
  const std::size_t n = level_u_.size();
  rd.levels = static_cast<int>(n);
  std::copy(level_u_.begin(), level_u_.end(), rd.level_u.begin());
  for (std::size_t i = 0; i < n; ++i) rd.level_uf[i] = static_cast<float>(level_u_[i]);
  for (std::size_t i = n; i < 16; ++i) rd.level_u[i] = rd.level_uf[i] = 0.0f;
  return rd;
}

double GainCellArrayModel::read_rows_varied(const double* in_rows, double now_s,
                                            std::int64_t now_token, double* out_cols) const {
  const detail::VariedRead rd = varied_read(now_s, now_token);
  float in_f[kMaxRows];  // the inputs as float (the products of the float kernels)
  for (int r = 0; r < rows_; ++r) in_f[r] = static_cast<float>(in_rows[r]);
  return rd.rows_kernel(rd, in_rows, in_f, out_cols);
}

double GainCellArrayModel::read_cols_varied(const double* in_cols, double now_s,
                                            std::int64_t now_token, double* out_rows) const {
  const detail::VariedRead rd = varied_read(now_s, now_token);
  std::fill(out_rows, out_rows + rows_, 0.0);
  return rd.cols_kernel(rd, in_cols, out_rows);
}

}  // namespace gcattn
