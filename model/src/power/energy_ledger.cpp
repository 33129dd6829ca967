#include <cmath>
#include <cstring>
#include <limits>
#include <sstream>
#include <stdexcept>

#include "gcattn/power/energy_model.h"

#include "cpu_features.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define GCATTN_LEDGER_AVX512 1
#endif

namespace gcattn {

const char* category_name(EnergyCategory c) {
  switch (c) {
    case EnergyCategory::Dac:
      return "dac";
    case EnergyCategory::Qk:
      return "qk";
    case EnergyCategory::Av:
      return "av";
    case EnergyCategory::Digital:
      return "digital";
  }
  return "?";
}

const char* component_name(EnergyComponent c) {
  switch (c) {
    case EnergyComponent::KvWriteDac:
      return "kv_write_dac";
    case EnergyComponent::KvCellWrite:
      return "kv_cell_write";
    case EnergyComponent::QueryDac:
      return "query_dac";
    case EnergyComponent::QueryWordline:
      return "query_wordline";
    case EnergyComponent::QkArrayRead:
      return "qk_array_read";
    case EnergyComponent::QkBitline:
      return "qk_bitline";
    case EnergyComponent::ChargeToPulse:
      return "charge_to_pulse";
    case EnergyComponent::PhiWordline:
      return "phi_wordline";
    case EnergyComponent::AvArrayRead:
      return "av_array_read";
    case EnergyComponent::AvBitline:
      return "av_bitline";
    case EnergyComponent::OutputConverter:
      return "output_converter";
    case EnergyComponent::CounterSteps:
      return "counter_steps";
    case EnergyComponent::DigitalAdd:
      return "digital_add";
    case EnergyComponent::Control:
      return "control";
    case EnergyComponent::Routing:
      return "routing";
    case EnergyComponent::Static:
      return "static";
  }
  return "?";
}

EnergyCategory category_of(EnergyComponent c) {
  switch (c) {
    case EnergyComponent::KvWriteDac:
    case EnergyComponent::KvCellWrite:
    case EnergyComponent::QueryDac:
      return EnergyCategory::Dac;
    case EnergyComponent::QueryWordline:
    case EnergyComponent::QkArrayRead:
    case EnergyComponent::QkBitline:
    case EnergyComponent::ChargeToPulse:
      return EnergyCategory::Qk;
    case EnergyComponent::PhiWordline:
    case EnergyComponent::AvArrayRead:
    case EnergyComponent::AvBitline:
    case EnergyComponent::OutputConverter:
    case EnergyComponent::CounterSteps:
      return EnergyCategory::Av;
    case EnergyComponent::DigitalAdd:
    case EnergyComponent::Control:
    case EnergyComponent::Routing:
    case EnergyComponent::Static:
      return EnergyCategory::Digital;
  }
  return EnergyCategory::Digital;
}

namespace {

std::size_t index_of(EnergyComponent c) {
  const auto i = static_cast<std::size_t>(c);
  if (i >= kEnergyComponentCount) throw std::logic_error("EnergyLedger: invalid component");
  return i;
}

}  // namespace

void EnergyLedger::reject(EnergyComponent c, double pj) const {
  const std::size_t i = index_of(c);
  std::ostringstream os;
  if (!std::isfinite(pj) || pj < 0.0) {
    os << "EnergyLedger: component '" << component_name(c) << "' given " << pj
       << " pJ; energies must be finite and non-negative";
  } else {
    os << "EnergyLedger: component '" << component_name(c) << "' overflows (" << sum_[i] << " + "
       << pj << " pJ)";
  }
  throw std::logic_error(os.str());
}

namespace {
typedef double v2d __attribute__((vector_size(16)));
typedef long long v2l __attribute__((vector_size(16)));
inline v2d load2(const double* p) {
  v2d v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline v2d abs2(const v2d& x) {
  v2l b;
  std::memcpy(&b, &x, sizeof b);
  b &= 0x7fffffffffffffffLL;
  v2d y;
  std::memcpy(&y, &b, sizeof y);
  return y;
}
}  // namespace

#if GCATTN_LEDGER_AVX512
namespace {
// EnergyLedger::merge for AVX-512: the same checks and the same operations per component, eight
// components to a register (merges are most of a timing-only step's energy accounting: two per
// head and step). Returns false, changing nothing, when a component would fail add()'s checks.
// c = |s| >= pj ? (s - t) + pj : (pj - t) + s; comp = (comp + c) + other.comp
inline __attribute__((always_inline, target("avx512f"))) void compensate(__m512d s, __m512d p,
                                                                         __m512d t, double* comp,
                                                                         const double* ocomp) {
  const __mmask8 big = _mm512_cmp_pd_mask(_mm512_abs_pd(s), p, _CMP_GE_OQ);
  const __m512d c = _mm512_mask_blend_pd(big, _mm512_add_pd(_mm512_sub_pd(p, t), s),
                                         _mm512_add_pd(_mm512_sub_pd(s, t), p));
  _mm512_storeu_pd(comp,
                   _mm512_add_pd(_mm512_add_pd(_mm512_loadu_pd(comp), c), _mm512_loadu_pd(ocomp)));
}

__attribute__((target("avx512f"))) bool merge_avx512(double* sum, double* comp, const double* osum,
                                                     const double* ocomp) {
  static_assert(kEnergyComponentCount == 16, "two registers of eight components");
  const __m512d max = _mm512_set1_pd(std::numeric_limits<double>::max());
  const __m512d s0 = _mm512_loadu_pd(sum), s1 = _mm512_loadu_pd(sum + 8);
  const __m512d p0 = _mm512_loadu_pd(osum), p1 = _mm512_loadu_pd(osum + 8);
  const __m512d t0 = _mm512_add_pd(s0, p0), t1 = _mm512_add_pd(s1, p1);
  // pj >= 0 (not NaN) and |s + pj| <= max (finite), ordered compares: NaN fails both.
  const __mmask8 ok0 = _mm512_cmp_pd_mask(p0, _mm512_setzero_pd(), _CMP_GE_OQ) &
                       _mm512_cmp_pd_mask(_mm512_abs_pd(t0), max, _CMP_LE_OQ);
  const __mmask8 ok1 = _mm512_cmp_pd_mask(p1, _mm512_setzero_pd(), _CMP_GE_OQ) &
                       _mm512_cmp_pd_mask(_mm512_abs_pd(t1), max, _CMP_LE_OQ);
  if ((ok0 & ok1) != 0xFF) return false;
  compensate(s0, p0, t0, comp, ocomp);
  compensate(s1, p1, t1, comp + 8, ocomp + 8);
  _mm512_storeu_pd(sum, t0);
  _mm512_storeu_pd(sum + 8, t1);
  return true;
}
}  // namespace
#endif

void EnergyLedger::merge(const EnergyLedger& other) {
#if GCATTN_LEDGER_AVX512
  if (cpu::avx512f() &&
      merge_avx512(sum_.data(), comp_.data(), other.sum_.data(), other.comp_.data()))
    return;
#endif
  // add()'s checks for every component first, then add()'s Neumaier step and the other's
  // compensation, two components at a time (the same operations per component, in the same
  // order, as add() followed by comp += other.comp: bit-identical). A component the other ledger
  // has nothing of gets exactly what it had (s + 0 = s, and 0 compensation).
  static_assert(kEnergyComponentCount % 2 == 0, "two components per vector");
  v2l good = {-1, -1};  // lanes whose components all pass (a true compare is -1)
  for (std::size_t i = 0; i < kEnergyComponentCount; i += 2) {
    const v2d pj = load2(&other.sum_[i]);
    good &= (pj >= 0.0) & (abs2(load2(&sum_[i]) + pj) <= std::numeric_limits<double>::max());
  }
  if ((good[0] & good[1]) != -1) {
    for (std::size_t i = 0; i < kEnergyComponentCount; ++i) {
      const double pj = other.sum_[i];
      if (!(pj >= 0.0) || !std::isfinite(sum_[i] + pj)) reject(static_cast<EnergyComponent>(i), pj);
    }
  }
  for (std::size_t i = 0; i < kEnergyComponentCount; i += 2) {
    const v2d s = load2(&sum_[i]), pj = load2(&other.sum_[i]), t = s + pj;
    const v2d c = abs2(s) >= pj ? (s - t) + pj : (pj - t) + s;
    const v2d comp = (load2(&comp_[i]) + c) + load2(&other.comp_[i]);
    std::memcpy(&comp_[i], &comp, sizeof comp);
    std::memcpy(&sum_[i], &t, sizeof t);
  }
}

double EnergyLedger::component(EnergyComponent c) const {
  const std::size_t i = index_of(c);
  return sum_[i] + comp_[i];
}

double EnergyLedger::category(EnergyCategory cat) const {
  double s = 0.0;
  for (std::size_t i = 0; i < kEnergyComponentCount; ++i) {
    const auto c = static_cast<EnergyComponent>(i);
    if (category_of(c) == cat) s += component(c);
  }
  return s;
}

double EnergyLedger::total() const {
  double s = 0.0;
  for (std::size_t i = 0; i < kEnergyComponentCount; ++i)
    s += component(static_cast<EnergyComponent>(i));
  return s;
}

}  // namespace gcattn
