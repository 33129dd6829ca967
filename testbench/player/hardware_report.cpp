#include "player/hardware_report.h"

#include <algorithm>
#include <cmath>

#include "gcattn/area/area_model.h"
#include "gcattn/physics/leakage.h"
#include "gcattn/power/gpu_reference.h"
#include "gcattn/power/published.h"
#include "report/gpu_comparison.h"

namespace gcattn::player {
namespace {

report::EnergySplit split_of(const EnergyLedger& l, double div) {
  report::EnergySplit s;
  if (div <= 0.0) return s;
  s.dac = l.category(EnergyCategory::Dac) / div;
  s.qk = l.category(EnergyCategory::Qk) / div;
  s.av = l.category(EnergyCategory::Av) / div;
  s.digital = l.category(EnergyCategory::Digital) / div;
  s.total = l.total() / div;
  return s;
}

}  // namespace

void fill_hardware_sections(report::Report& rep, const HardwareRun& in) {
  const Config& cfg = in.cfg;
  const HardwareParams& hw = in.hw;
  const sc::AcceleratorStatistics& st = in.stats;
  const PlayerStats& ps = in.player;
  const int L = in.layers, H = in.heads, D = in.d_head;
  const double gap_ns = in.gap_ns;
  const ScalerTable& hw_scalers = in.scalers;
  const double steps = static_cast<double>(st.steps());
  const double token_steps =
      steps / L;  // tokens' worth of layer steps (fractional when interrupted)
  report::Timing& t = rep.timing;
  t.simulated_time_ns = ps.end_ns;
  t.layer_steps = st.steps();
  t.accelerator_busy_ns = st.busy_time_ns();
  t.latency_per_token_layer_ns = steps > 0 ? st.busy_time_ns() / steps : 0.0;
  t.latency_per_token_ns = t.latency_per_token_layer_ns * L;
  for (std::size_t i = 0; i < kPhaseCount; ++i) {
    t.phases.push_back({phase_name(static_cast<Phase>(i)), st.phase_time_ns()[i],
                        steps > 0 ? st.phase_time_ns()[i] / steps : 0.0});
  }
  t.host_transfer_ns = ps.transfer_ns;
  t.host_transfer_per_token_ns = token_steps > 0 ? ps.transfer_ns / token_steps : 0.0;
  t.host_wait_ns = ps.wait_ns;
  t.host_gap_per_step_ns = gap_ns;
  t.host_gap_ns = ps.gap_ns;
  t.token_period_ns = token_steps > 0 ? ps.end_ns / token_steps : 0.0;

  report::Energy& e = rep.energy;
  const EnergyLedger total = st.total_ledger();
  e.total_pj = total.total();
  e.per_token_head_pj = split_of(total, steps * H);
  e.per_token_layer_pj = steps > 0 ? total.total() / steps : 0.0;
  e.per_token_pj = e.per_token_layer_pj * L;
  e.estimated_activity = st.estimated_steps() > 0;
  for (std::size_t c = 0; c < kEnergyComponentCount; ++c) {
    const auto comp = static_cast<EnergyComponent>(c);
    e.components.push_back({component_name(comp), category_name(category_of(comp)),
                            total.component(comp),
                            steps > 0 ? total.component(comp) / (steps * H) : 0.0});
  }

  const std::uint64_t full = st.steps() / static_cast<std::uint64_t>(L),
                      rem = st.steps() % static_cast<std::uint64_t>(L);
  for (int l = 0; l < L; ++l) {
    const double layer_steps =
        static_cast<double>(full + (static_cast<std::uint64_t>(l) < rem ? 1 : 0));
    if (in.accuracy) rep.layer_accuracy.push_back({l, in.accuracy->layer(l)});
    for (int h = 0; h < H; ++h) {
      report::HeadRow row;
      row.layer = l;
      row.head = h;
      if (in.accuracy) row.accuracy = in.accuracy->head(l, h);
      row.energy_per_step_pj = split_of(st.ledger(l, h), layer_steps);
      row.energy_total_pj = st.ledger(l, h).total();
      row.scalers = hw_scalers.at(l, h);
      rep.heads_table.push_back(row);
    }
  }
  if (in.accuracy) rep.accuracy = in.accuracy->overall();

  // GPU comparison.
  std::vector<GpuReference> gpus;
  for (const auto& id : in.gpus.empty() ? GpuReference::ids() : in.gpus)
    gpus.push_back(GpuReference::load(id));
  const PublishedFigures pub = PublishedFigures::load("leroux2025");
  report::GpuInputs gi;
  gi.layers = L;
  gi.heads = H;
  gi.d_head = D;
  gi.window_tokens = hw.window_tokens;
  gi.mean_window_tokens =
      report::mean_window_occupancy(std::max<std::size_t>(in.sequence_tokens, 1), hw.window_tokens);
  gi.accelerator_latency_per_token_ns = t.latency_per_token_ns;
  gi.accelerator_energy_per_token_pj = e.per_token_pj;
  gi.paper_latency_per_layer_ns = pub.at("latency_per_token_layer_ns").value;
  gi.paper_energy_per_layer_pj = pub.at("energy_per_layer_nj").value * 1e3;
  gi.paper_heads = pub.heads;
  rep.gpu = report::compare_gpus(gi, gpus);

  // Leakage against token age at the simulated token period.
  report::Leakage& lk = rep.leakage;
  lk.mode = cfg.string("leakage.mode");
  lk.tau_s = hw.tau_s;
  lk.decay_per_token = hw.decay_per_token;
  lk.token_period_ns = t.token_period_ns;
  const Leakage leak = Leakage::from(hw);
  auto retention = [&](double age_tokens) {
    return leak.factor(age_tokens * t.token_period_ns * 1e-9,
                       static_cast<std::int64_t>(std::llround(age_tokens)));
  };
  lk.oldest_age_tokens =
      static_cast<double>(std::min<std::size_t>(std::max<std::size_t>(in.sequence_tokens, 1),
                                                static_cast<std::size_t>(hw.window_tokens)) -
                          1);
  lk.oldest_retention = retention(lk.oldest_age_tokens);
  const int points = 65;
  for (int i = 0; i < points; ++i) {
    const double age = std::round(static_cast<double>(hw.window_tokens - 1) * i / (points - 1));
    lk.curve.push_back({age, age * t.token_period_ns, retention(age)});
  }

  rep.area = area_of(AreaParams::from(cfg), hw, L, H);
}

}  // namespace gcattn::player
