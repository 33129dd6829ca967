#include <cmath>
#include <cstring>
#include <limits>
#include <sstream>
#include <stdexcept>

#include "gcattn/power/energy_model.h"

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

void EnergyLedger::merge(const EnergyLedger& other) {
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

void EnergyLedger::clear() {
  sum_.fill(0.0);
  comp_.fill(0.0);
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
