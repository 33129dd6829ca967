#pragma once
// Four-double GCC vector helpers of the array read kernels (gain_cell_array.cpp and
// gain_cell_array_varied.cpp). Always inlined: the kernels are compiled once per target (default,
// AVX2), and a v4d passed between non-inlined functions would change with each copy's ABI (hence
// the -Wpsabi note is moot for the files that include this).
#include <cstring>

#pragma GCC diagnostic ignored "-Wpsabi"

namespace gcattn::vec4d {

typedef double v4d __attribute__((vector_size(32)));
typedef long long v4l __attribute__((vector_size(32)));

inline __attribute__((always_inline)) v4d load4(const double* p) {
  v4d v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline __attribute__((always_inline)) void store4(double* p, const v4d& v) {
  std::memcpy(p, &v, sizeof v);
}
inline __attribute__((always_inline)) v4d abs4(const v4d& x) {
  v4l b;
  std::memcpy(&b, &x, sizeof b);
  b &= v4l{0x7fffffffffffffffLL, 0x7fffffffffffffffLL, 0x7fffffffffffffffLL, 0x7fffffffffffffffLL};
  v4d y;
  std::memcpy(&y, &b, sizeof y);
  return y;
}
/// (v0 + v1) + (v2 + v3): the fixed order every kernel sums its lanes in.
inline __attribute__((always_inline)) double hsum(const v4d& v) {
  return (v[0] + v[1]) + (v[2] + v[3]);
}

}  // namespace gcattn::vec4d
