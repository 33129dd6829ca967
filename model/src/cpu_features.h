#pragma once
// The CPU's SIMD features, asked once per process: the numerics' kernels pick their AVX-512 or
// AVX2 copies with them (private to gcattn::numerics).
namespace gcattn::cpu {

/// Whether the CPU runs AVX-512F instructions (false where the compiler cannot ask).
inline bool avx512f() {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  static const bool has = __builtin_cpu_supports("avx512f");
  return has;
#else
  return false;
#endif
}

/// Whether the CPU runs AVX2 with FMA.
inline bool avx2_fma() {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  static const bool has = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return has;
#else
  return false;
#endif
}

}  // namespace gcattn::cpu
