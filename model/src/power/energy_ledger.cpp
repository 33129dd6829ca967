#include <cmath>
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

void EnergyLedger::merge(const EnergyLedger& other) {
  for (std::size_t i = 0; i < kEnergyComponentCount; ++i) {
    if (other.sum_[i] == 0.0 && other.comp_[i] == 0.0) continue;  // adding 0 changes nothing
    add(static_cast<EnergyComponent>(i), other.sum_[i]);
    comp_[i] += other.comp_[i];
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
