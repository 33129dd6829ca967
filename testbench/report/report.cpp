#include "report/report.h"

#include <algorithm>
#include <cstdio>
#include <iomanip>
#include <ostream>
#include <sstream>

#include "base/errors.h"
#include "io/atomic_file.h"
#include "report/json_text.h"

namespace gcattn::report {
namespace json = boost::json;

// The report's structures as JSON through Boost.JSON's value_from (tag_invoke found by ADL), so
// that vectors of them convert with json::value_from too. Numbers go through json_number (NaN and
// infinity become null).
void tag_invoke(json::value_from_tag, json::value& v, const Agreement& a) {
  if (!a.available) {
    v = nullptr;
    return;
  }
  v = json::object{{"cosine", json_number(a.cosine)},
                   {"relative_rms", json_number(a.relative_rms)},
                   {"outputs", a.outputs}};
}

void tag_invoke(json::value_from_tag, json::value& v, const AccuracySet& s) {
  json::object o{{"softmax", json::value_from(s.softmax)},
                 {"ideal", json::value_from(s.ideal)},
                 {"attn_out", json::value_from(s.attn_out)}};
  if (s.nominal.available) o["nominal"] = json::value_from(s.nominal);  // with variation/noise
  v = std::move(o);
}

void tag_invoke(json::value_from_tag, json::value& v, const EnergySplit& e) {
  v = json::object{{"dac", json_number(e.dac)},
                   {"qk", json_number(e.qk)},
                   {"av", json_number(e.av)},
                   {"digital", json_number(e.digital)},
                   {"total", json_number(e.total)}};
}

void tag_invoke(json::value_from_tag, json::value& v, const GpuRow& row) {
  v = json::object{{"id", row.id},
                   {"name", row.name},
                   {"kind", row.kind},
                   {"latency_per_token_ns", json_number(row.latency_per_token_ns)},
                   {"energy_per_token_pj", json_number(row.energy_per_token_pj)},
                   {"speedup", json_number(row.speedup)},
                   {"energy_ratio", json_number(row.energy_ratio)},
                   {"source", row.source},
                   {"note", row.note}};
}

void tag_invoke(json::value_from_tag, json::value& v, const LeakagePoint& p) {
  v = json::object{{"age_tokens", json_number(p.age_tokens)},
                   {"age_ns", json_number(p.age_ns)},
                   {"retention", json_number(p.retention)}};
}

namespace {

json::object accuracy_set(const AccuracySet& s) {
  return json::value_from(s).as_object();
}

json::array pair(const AffineScaler& s) {
  return json::array{json_number(s.gain), json_number(s.offset)};
}

std::string fmt(double x, int prec = 4) {
  if (!std::isfinite(x)) return "n/a";
  std::ostringstream os;
  os << std::setprecision(prec) << x;
  return os.str();
}

// Engineering notation with a unit: 65 ns, 6.15 nJ, 0.89 uJ.
std::string eng(double x, const char* unit) {
  if (!std::isfinite(x)) return "n/a";
  static const char* const prefixes[] = {"f", "p", "n", "u", "m", "", "k", "M", "G", "T"};
  int e = 5;
  double v = x;
  while (std::fabs(v) >= 1000.0 && e < 9) {
    v /= 1000.0;
    ++e;
  }
  while (std::fabs(v) < 1.0 && v != 0.0 && e > 0) {
    v *= 1000.0;
    --e;
  }
  std::ostringstream os;
  os << std::setprecision(4) << v << " " << prefixes[e] << unit;
  return os.str();
}

std::string csv_num(double x) {
  if (!std::isfinite(x)) return "";
  std::ostringstream os;
  os << std::setprecision(10) << x;
  return os.str();
}

}  // namespace

json::object to_json(const Report& r) {
  json::object o;
  o["format"] = kReportFormat;
  o["version"] = kReportVersion;
  o["complete"] = r.complete;
  o["stop_reason"] = r.stop_reason;
  o["tool"] = r.tool;
  json::array cmd;
  for (const auto& a : r.command_line) cmd.emplace_back(a);
  o["command_line"] = std::move(cmd);
  o["wall_time_s"] = json_number(r.wall_time_s);
  o["run"] = json::object{{"mode", r.mode},
                          {"completion", r.completion},
                          {"functional", r.functional},
                          {"dmi", r.dmi},
                          {"tokens_requested", r.tokens_requested},
                          {"tokens_simulated", r.tokens_simulated},
                          {"layers", r.layers},
                          {"heads", r.heads},
                          {"d_head", r.d_head},
                          {"window_tokens", r.window}};

  const Timing& t = r.timing;
  json::object phases, phases_total;
  for (const auto& p : t.phases) {
    phases[p.name] = json_number(p.per_step_ns);
    phases_total[p.name] = json_number(p.total_ns);
  }
  o["timing"] =
      json::object{{"simulated_time_ns", json_number(t.simulated_time_ns)},
                   {"layer_steps", t.layer_steps},
                   {"latency_per_token_layer_ns", json_number(t.latency_per_token_layer_ns)},
                   {"latency_per_token_ns", json_number(t.latency_per_token_ns)},
                   {"phases_ns", std::move(phases)},
                   {"phases_total_ns", std::move(phases_total)},
                   {"accelerator_busy_ns", json_number(t.accelerator_busy_ns)},
                   {"host_transfer_ns", json_number(t.host_transfer_ns)},
                   {"host_transfer_per_token_ns", json_number(t.host_transfer_per_token_ns)},
                   {"host_wait_ns", json_number(t.host_wait_ns)},
                   {"host_gap_per_step_ns", json_number(t.host_gap_per_step_ns)},
                   {"host_gap_ns", json_number(t.host_gap_ns)},
                   {"token_period_ns", json_number(t.token_period_ns)}};

  const Energy& e = r.energy;
  json::object comps;
  for (const auto& c : e.components) {
    comps[c.name] = json::object{{"category", c.category},
                                 {"total_pj", json_number(c.total_pj)},
                                 {"per_token_head_pj", json_number(c.per_token_head_pj)}};
  }
  o["energy"] = json::object{{"per_token_head_pj", json::value_from(e.per_token_head_pj)},
                             {"per_token_layer_pj", json_number(e.per_token_layer_pj)},
                             {"per_token_pj", json_number(e.per_token_pj)},
                             {"total_pj", json_number(e.total_pj)},
                             {"estimated_activity", e.estimated_activity},
                             {"components", std::move(comps)}};

  json::array layers, heads;
  for (const auto& la : r.layer_accuracy) {
    json::object lo = accuracy_set(la.accuracy);
    lo.emplace("layer", la.layer);
    layers.push_back(std::move(lo));
  }
  for (const auto& h : r.heads_table) {
    json::object ho = accuracy_set(h.accuracy);
    ho.emplace("layer", h.layer);
    ho.emplace("head", h.head);
    heads.push_back(std::move(ho));
  }
  o["accuracy"] = json::object{
      {"overall", accuracy_set(r.accuracy)},
      {"references",
       json::object{
           {"softmax", "float softmax attention of the same q, k, v over the same window"},
           {"ideal", "ideal hardware: linear cell, no quantisation, no leakage, same scalers"},
           {"attn_out", r.attn_out_reference.empty() ? "the attention output recorded in the trace"
                                                     : r.attn_out_reference},
           {"nominal", "the same hardware without variation and noise"}}},
      {"layers", std::move(layers)},
      {"heads", std::move(heads)}};

  json::array head_energy;
  for (const auto& h : r.heads_table) {
    head_energy.push_back(json::object{{"layer", h.layer},
                                       {"head", h.head},
                                       {"per_token_pj", json::value_from(h.energy_per_step_pj)},
                                       {"total_pj", json_number(h.energy_total_pj)}});
  }
  o["energy"].as_object()["heads"] = std::move(head_energy);

  const GpuComparison& g = r.gpu;
  o["gpu"] = json::object{
      {"accelerator",
       json::object{{"latency_per_token_ns", json_number(g.accelerator_latency_per_token_ns)},
                    {"energy_per_token_pj", json_number(g.accelerator_energy_per_token_pj)}}},
      {"shape", json::object{{"layers", g.layers},
                             {"heads", g.heads},
                             {"d_head", g.d_head},
                             {"mean_window_tokens", json_number(g.mean_window_tokens)},
                             {"kv_bytes_per_element", g.kv_bytes_per_element},
                             {"kv_bytes_per_token", json_number(g.kv_bytes_per_token)},
                             {"kv_bytes_full_window", json_number(g.kv_bytes_full_window)}}},
      {"rows", json::value_from(g.rows)}};

  const Leakage& lk = r.leakage;
  o["leakage"] = json::object{{"mode", lk.mode},
                              {"tau_s", json_number(lk.tau_s)},
                              {"decay_per_token", json_number(lk.decay_per_token)},
                              {"token_period_ns", json_number(lk.token_period_ns)},
                              {"oldest_age_tokens", json_number(lk.oldest_age_tokens)},
                              {"oldest_retention", json_number(lk.oldest_retention)},
                              {"curve", json::value_from(lk.curve)}};
  o["area"] = area_json(r.area);
  if (!r.monte_carlo.chips.empty()) o["monte_carlo"] = monte_carlo_json(r.monte_carlo);

  json::array scaler_rows;
  for (const auto& h : r.heads_table) {
    scaler_rows.push_back(json::object{{"layer", h.layer},
                                       {"head", h.head},
                                       {"q", pair(h.scalers.q)},
                                       {"k", pair(h.scalers.k)},
                                       {"v", pair(h.scalers.v)},
                                       {"out", pair(h.scalers.out)}});
  }
  json::object sc = r.scalers.is_object() ? r.scalers.as_object() : json::object{};
  sc["heads"] = std::move(scaler_rows);
  o["scalers"] = std::move(sc);
  json::array notes;
  for (const auto& n : r.notes) notes.emplace_back(n);
  o["notes"] = std::move(notes);
  o["config"] = r.config;
  o["trace"] = r.trace;
  return o;
}

void write_json(const Report& r, const std::string& path) {
  io::write_file_atomic(path, pretty_json(to_json(r)));
}

void write_csv(const Report& r, std::ostream& out) {
  out << "layer,head,cosine_softmax,relative_rms_softmax,cosine_ideal,relative_rms_ideal,cosine_"
         "attn_out,"
         "relative_rms_attn_out,energy_dac_pj,energy_qk_pj,energy_av_pj,energy_digital_pj,energy_"
         "total_pj,"
         "energy_run_total_pj,q_gain,q_offset,k_gain,k_offset,v_gain,v_offset,out_gain,out_"
         "offset\n";
  auto agr = [&](const Agreement& a) {
    out << "," << (a.available ? csv_num(a.cosine) : "") << ","
        << (a.available ? csv_num(a.relative_rms) : "");
  };
  for (const auto& h : r.heads_table) {
    out << h.layer << "," << h.head;
    agr(h.accuracy.softmax);
    agr(h.accuracy.ideal);
    agr(h.accuracy.attn_out);
    const EnergySplit& e = h.energy_per_step_pj;
    out << "," << csv_num(e.dac) << "," << csv_num(e.qk) << "," << csv_num(e.av) << ","
        << csv_num(e.digital) << "," << csv_num(e.total) << "," << csv_num(h.energy_total_pj);
    for (const AffineScaler* s : {&h.scalers.q, &h.scalers.k, &h.scalers.v, &h.scalers.out}) {
      out << "," << csv_num(s->gain) << "," << csv_num(s->offset);
    }
    out << "\n";
  }
}

void write_csv(const Report& r, const std::string& path) {
  std::ostringstream os;
  write_csv(r, os);
  io::write_file_atomic(path, os.str());
}

void write_summary(const Report& r, std::ostream& out) {
  const Timing& t = r.timing;
  const Energy& e = r.energy;
  out << (r.complete ? "run complete" : "run INCOMPLETE (" + r.stop_reason + ")") << ": "
      << r.tokens_simulated << " of " << r.tokens_requested << " tokens, " << r.layers
      << " layers x " << r.heads << " heads x d " << r.d_head << ", window " << r.window << ", "
      << (r.mode == "at" ? "AT" : "LT") << ", "
      << (r.functional ? "functional" : "timing and energy only") << ", wall "
      << fmt(r.wall_time_s, 3) << " s\n";
  for (const auto& n : r.notes) out << "  note: " << n << "\n";
  out << "timing (simulated " << eng(t.simulated_time_ns * 1e-9, "s") << ", " << t.layer_steps
      << " layer steps)\n"
      << "  accelerator   " << eng(t.latency_per_token_layer_ns * 1e-9, "s")
      << " per token and layer, " << eng(t.latency_per_token_ns * 1e-9, "s") << " per token ("
      << r.layers << " layers)\n  phases       ";
  for (const auto& p : t.phases) out << " " << p.name << " " << fmt(p.per_step_ns, 4);
  out << " (ns per step)\n"
      << "  host          transfers " << eng(t.host_transfer_per_token_ns * 1e-9, "s")
      << " per token, gaps " << eng(t.host_gap_per_step_ns * 1e-9, "s")
      << " per layer step; token period " << eng(t.token_period_ns * 1e-9, "s") << "\n";
  out << "energy" << (e.estimated_activity ? " (estimated activity: model.functional off)" : "")
      << "\n"
      << "  per token and head  " << eng(e.per_token_head_pj.total * 1e-12, "J") << " (dac "
      << fmt(e.per_token_head_pj.dac) << ", qk " << fmt(e.per_token_head_pj.qk) << ", av "
      << fmt(e.per_token_head_pj.av) << ", digital " << fmt(e.per_token_head_pj.digital) << " pJ)\n"
      << "  per token           " << eng(e.per_token_pj * 1e-12, "J") << " ("
      << eng(e.per_token_layer_pj * 1e-12, "J") << " per layer); run total "
      << eng(e.total_pj * 1e-12, "J") << "\n";
  auto line = [&](const char* name, const Agreement& a) {
    if (!a.available) return;
    out << "  vs " << std::left << std::setw(9) << name << std::right << " cosine "
        << fmt(a.cosine, 5) << ", relative RMS error " << fmt(a.relative_rms, 4) << "\n";
  };
  if (r.accuracy.softmax.available || r.accuracy.ideal.available || r.accuracy.attn_out.available) {
    out << "accuracy (all layers)\n";
    line("softmax", r.accuracy.softmax);
    line("ideal", r.accuracy.ideal);
    line("attn_out", r.accuracy.attn_out);
    line("nominal", r.accuracy.nominal);
    if (!r.attn_out_reference.empty()) out << "  (attn_out: " << r.attn_out_reference << ")\n";
  }
  if (r.leakage.mode != "off") {
    out << "leakage: oldest stored token (" << fmt(r.leakage.oldest_age_tokens, 5)
        << " tokens) keeps " << fmt(100.0 * r.leakage.oldest_retention, 3) << " % of its signal\n";
  }
  write_monte_carlo_summary(r.monte_carlo, out);
  write_area_summary(r.area, out);
  if (!r.gpu.rows.empty()) {
    out << "GPU comparison (per token, " << r.layers << " layers x " << r.heads
        << " heads; accelerator " << eng(r.gpu.accelerator_latency_per_token_ns * 1e-9, "s") << ", "
        << eng(r.gpu.accelerator_energy_per_token_pj * 1e-12, "J") << ")\n";
    auto label = [](const GpuRow& g) {
      return g.name + (g.kind == "bandwidth_floor"   ? " floor"
                       : g.kind == "paper_ratio"     ? " (ratios)"
                       : g.kind == "measured_scaled" ? " (scaled)"
                                                     : "");
    };
    std::size_t width = 0;
    for (const auto& g : r.gpu.rows) width = std::max(width, label(g).size());
    for (const auto& g : r.gpu.rows) {
      out << "  " << std::left << std::setw(static_cast<int>(width)) << label(g) << std::right
          << std::setw(11) << eng(g.latency_per_token_ns * 1e-9, "s") << std::setw(11)
          << eng(g.energy_per_token_pj * 1e-12, "J") << "   x" << fmt(g.speedup, 3) << " time, x"
          << fmt(g.energy_ratio, 3) << " energy\n";
    }
  }
}

}  // namespace gcattn::report
