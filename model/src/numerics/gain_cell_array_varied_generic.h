// The helpers of the varied read kernels (gain_cell_array_varied_kernels.h) in GCC's generic
// vector arithmetic, included by gain_cell_array_varied.cpp into namespace `portable` (the
// baseline) and, on x86-64, into namespace `avx2` (compiled for AVX2 and FMA, with
// GCATTN_VARIED_FMA_X86 defined: the fused operations as instructions). No include guard on
// purpose. Every operation is exact or one IEEE rounding, so the copies agree bit for bit.
struct FloatLevels {
  const float* v;
};
struct LevelBuffer {
  float v[kMaxLevels];
};
GCATTN_KERNEL FloatLevels make_float_levels(const float* v) {
  return FloatLevels{v};
}
GCATTN_KERNEL FloatLevels level_currents(const VariedRead& rd, double delta, LevelBuffer& buf) {
  for (int i = 0; i < rd.levels; ++i) {
    const double w = delta * rd.level_u[static_cast<std::size_t>(i)];
    buf.v[i] = static_cast<float>(rd.k[0] + w * (rd.k[1] + w * (rd.k[2] + w * rd.k[3])));
  }
  return FloatLevels{buf.v};
}
GCATTN_KERNEL v16f lookup16(const FloatLevels& l, const std::uint8_t* c) {
  return v16f{l.v[c[0]],  l.v[c[1]],  l.v[c[2]],  l.v[c[3]], l.v[c[4]],  l.v[c[5]],
              l.v[c[6]],  l.v[c[7]],  l.v[c[8]],  l.v[c[9]], l.v[c[10]], l.v[c[11]],
              l.v[c[12]], l.v[c[13]], l.v[c[14]], l.v[c[15]]};
}
GCATTN_KERNEL v16f half16(const std::uint16_t* p) {
  v16h h;
  std::memcpy(&h, p, sizeof h);
  const v16i x = __builtin_convertvector(h, v16i);
  const v16i em = x & 0x7fff;
  // Normal halves: exponent and mantissa shifted into place, the exponent rebiased (127 - 15);
  // subnormal ones (and zero): the mantissa times 2^-24, exactly.
  const v16i normal = (em << 13) + (112 << 23);
  const v16f sub = __builtin_convertvector(em, v16f) * 0x1.0p-24f;
  v16i sub_bits;
  std::memcpy(&sub_bits, &sub, sizeof sub_bits);
  const v16i mag = em < 0x400 ? sub_bits : normal;
  v16u bits;
  std::memcpy(&bits, &mag, sizeof bits);
  bits |= __builtin_convertvector(h, v16u) >> 15 << 31;  // the sign (unsigned: no overflow)
  v16f y;
  std::memcpy(&y, &bits, sizeof y);
  return y;
}
GCATTN_KERNEL v8d low8(const v16f& x) {
  v8f h;
  std::memcpy(&h, &x, sizeof h);
  return __builtin_convertvector(h, v8d);
}
GCATTN_KERNEL v8d high8(const v16f& x) {
  v8f h;
  std::memcpy(&h, reinterpret_cast<const char*>(&x) + sizeof h, sizeof h);
  return __builtin_convertvector(h, v8d);
}
GCATTN_KERNEL v16f max16(const v16f& a, float b) {
  return a > b ? a : b;
}
GCATTN_KERNEL v16f min16(const v16f& a, float b) {
  return a < b ? a : b;
}
GCATTN_KERNEL double hsum8(const v8d& v) {
  v4d lo, hi;
  std::memcpy(&lo, &v, sizeof lo);
  std::memcpy(&hi, reinterpret_cast<const char*>(&v) + sizeof lo, sizeof hi);
  const v4d h = lo + hi;
  v2d a, b;
  std::memcpy(&a, &h, sizeof a);
  std::memcpy(&b, reinterpret_cast<const char*>(&h) + sizeof a, sizeof b);
  const v2d q = a + b;
  return q[0] + q[1];
}
struct Exp2Table {
  const float* v;
};
GCATTN_KERNEL Exp2Table make_exp2_table() {
  return Exp2Table{kExp2Table};
}
GCATTN_KERNEL v16u bits16(const v16f& x) {
  v16u b;
  std::memcpy(&b, &x, sizeof b);
  return b;
}
GCATTN_KERNEL v16f exp2_lookup(const Exp2Table& table, const v16f& t) {
  const v16u j = bits16(t) & 31U;
  v16f y;
  for (int i = 0; i < 16; ++i) y[i] = table.v[j[i]];
  return y;
}
GCATTN_KERNEL v16f scale_floor16(const v16f& y, const v16f& t, const v16f&) {
  v16i k;  // 32 n (two's complement, t's mantissa minus the shift's)
  const v16u tb = bits16(t);
  std::memcpy(&k, &tb, sizeof k);
  k -= kExp2ShiftBits;
  v16u yu = bits16(y);
  const v16i fl = k >> 5;  // floor(n) (arithmetic shift)
  v16u e;
  std::memcpy(&e, &fl, sizeof e);
  yu += e << 23;  // into the exponent field (two's complement, unsigned: no overflow)
  v16f out;
  std::memcpy(&out, &yu, sizeof out);
  return out;
}
// a * b + c with a single rounding (IEEE fusedMultiplyAdd).
GCATTN_KERNEL v16f fma16(const v16f& a, const v16f& b, const v16f& c) {
#if defined(GCATTN_VARIED_FMA_X86)
  __m256 a0, a1, b0, b1, c0, c1;
  std::memcpy(&a0, &a, 32);
  std::memcpy(&a1, reinterpret_cast<const char*>(&a) + 32, 32);
  std::memcpy(&b0, &b, 32);
  std::memcpy(&b1, reinterpret_cast<const char*>(&b) + 32, 32);
  std::memcpy(&c0, &c, 32);
  std::memcpy(&c1, reinterpret_cast<const char*>(&c) + 32, 32);
  const __m256 r0 = _mm256_fmadd_ps(a0, b0, c0), r1 = _mm256_fmadd_ps(a1, b1, c1);
  v16f r;
  std::memcpy(&r, &r0, 32);
  std::memcpy(reinterpret_cast<char*>(&r) + 32, &r1, 32);
  return r;
#else
  v16f r;
  for (int i = 0; i < 16; ++i) r[i] = std::fma(a[i], b[i], c[i]);
  return r;
#endif
}
GCATTN_KERNEL v8d fma8d(const v8d& a, const v8d& b, const v8d& c) {
#if defined(GCATTN_VARIED_FMA_X86)
  __m256d a0, a1, b0, b1, c0, c1;
  std::memcpy(&a0, &a, 32);
  std::memcpy(&a1, reinterpret_cast<const char*>(&a) + 32, 32);
  std::memcpy(&b0, &b, 32);
  std::memcpy(&b1, reinterpret_cast<const char*>(&b) + 32, 32);
  std::memcpy(&c0, &c, 32);
  std::memcpy(&c1, reinterpret_cast<const char*>(&c) + 32, 32);
  const __m256d r0 = _mm256_fmadd_pd(a0, b0, c0), r1 = _mm256_fmadd_pd(a1, b1, c1);
  v8d r;
  std::memcpy(&r, &r0, 32);
  std::memcpy(reinterpret_cast<char*>(&r) + 32, &r1, 32);
  return r;
#else
  v8d r;
  for (int i = 0; i < 8; ++i) r[i] = std::fma(a[i], b[i], c[i]);
  return r;
#endif
}
