#pragma once
// The result of `gcattn run`: timing, energy, accuracy, GPU comparison, leakage, configuration
// and trace metadata. docs/report-format.md documents every JSON field; to_json() is the single
// writer of that format, write_csv() the per-(layer, head) table, write_summary() the human text.
#include <cmath>
#include <cstdint>
#include <iosfwd>
#include <limits>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "gcattn/area/area_model.h"
#include "gcattn/config/hardware_params.h"
#include "report/nonideal_sections.h"

namespace gcattn::report {

inline constexpr const char* kReportFormat = "gcattn-run-report";
inline constexpr int kReportVersion = 1;

/// Agreement of the accelerator's outputs with one reference.
struct Agreement {
  bool available = false;
  double cosine = std::numeric_limits<double>::quiet_NaN();        // mean over token outputs
  double relative_rms = std::numeric_limits<double>::quiet_NaN();  // pooled ||x - ref|| / ||ref||
  std::uint64_t outputs = 0;                                       // token outputs compared
};

struct AccuracySet {
  Agreement softmax;   // float softmax attention of the same q, k, v over the same window
  Agreement ideal;     // ideal hardware (linear cell, no quantisation, no leakage), same scalers
  Agreement attn_out;  // the trace's recorded attention output (when the trace has it)
  Agreement nominal;   // the same hardware without variation and noise (when they are on)
};

struct LayerAccuracy {
  int layer = 0;
  AccuracySet accuracy;  // on the layer's concatenated head outputs
};

struct EnergySplit {
  double dac = 0.0, qk = 0.0, av = 0.0, digital = 0.0, total = 0.0;
};

struct HeadRow {
  int layer = 0, head = 0;
  AccuracySet accuracy;
  EnergySplit energy_per_step_pj;  // this head's energy per layer step (per token)
  double energy_total_pj = 0.0;
  HeadScalers scalers;
};

struct PhaseTime {
  std::string name;
  double total_ns = 0.0;
  double per_step_ns = 0.0;
};

struct Timing {
  double simulated_time_ns = 0.0;
  std::uint64_t layer_steps = 0;
  double latency_per_token_layer_ns = 0.0;  // accelerator: mean command duration (all heads)
  double latency_per_token_ns = 0.0;        // accelerator, all layers of one token
  std::vector<PhaseTime> phases;
  double accelerator_busy_ns = 0.0;  // sum of command durations
  double host_transfer_ns = 0.0;     // register and data-window accesses
  double host_transfer_per_token_ns = 0.0;
  double host_wait_ns = 0.0;          // host waiting for completion (interrupt or polling)
  double host_gap_per_step_ns = 0.0;  // configured player.host_gap_ns
  double host_gap_ns = 0.0;           // total host gaps
  double token_period_ns = 0.0;       // simulated time per token, end to end
};

struct EnergyComponentRow {
  std::string name, category;
  double total_pj = 0.0;
  double per_token_head_pj = 0.0;
};

struct Energy {
  EnergySplit per_token_head_pj;    // one head, one layer step
  double per_token_layer_pj = 0.0;  // all heads of a layer
  double per_token_pj = 0.0;        // all layers and heads
  double total_pj = 0.0;
  bool estimated_activity = false;  // model.functional = false: activity estimated
  std::vector<EnergyComponentRow> components;
};

struct GpuRow {
  std::string id, name;
  std::string kind;  // "measured", "paper_ratio", "bandwidth_floor"
  std::string source;
  std::string note;
  double latency_per_token_ns = std::numeric_limits<double>::quiet_NaN();
  double energy_per_token_pj = std::numeric_limits<double>::quiet_NaN();
  double speedup = std::numeric_limits<double>::quiet_NaN();       // GPU / accelerator
  double energy_ratio = std::numeric_limits<double>::quiet_NaN();  // GPU / accelerator
};

struct GpuComparison {
  double accelerator_latency_per_token_ns = 0.0;
  double accelerator_energy_per_token_pj = 0.0;
  int layers = 0, heads = 0, d_head = 0;
  double mean_window_tokens = 0.0;    // average stored tokens a query attends to
  double kv_bytes_per_token = 0.0;    // fp16 K and V read per token (all layers), mean over the run
  double kv_bytes_full_window = 0.0;  // same with a full window
  int kv_bytes_per_element = 2;
  std::vector<GpuRow> rows;
};

struct LeakagePoint {
  double age_tokens = 0.0, age_ns = 0.0, retention = 1.0;
};

struct Leakage {
  std::string mode;
  double tau_s = 0.0;
  double decay_per_token = 0.0;
  double token_period_ns = 0.0;
  double oldest_age_tokens = 0.0;
  double oldest_retention = 1.0;  // signal kept by the oldest token of the window
  std::vector<LeakagePoint> curve;
};

struct Report {
  bool complete = true;
  std::string stop_reason;  // why an incomplete run stopped
  std::string tool;         // "gcattn 0.1.0"
  std::vector<std::string> command_line;
  std::string mode;        // "lt" or "at"
  std::string completion;  // "irq" or "poll"
  bool functional = true;
  bool dmi = false;
  double wall_time_s = 0.0;
  std::size_t tokens_requested = 0, tokens_simulated = 0;
  int layers = 0, heads = 0, d_head = 0, window = 0;

  Timing timing;
  Energy energy;
  AccuracySet accuracy;  // overall
  // What the trace's attn_out holds (its metadata): softmax for a softmax model, the model's own
  // attention for a gain-cell model (then accuracy.attn_out is the figure that matters).
  std::string attn_out_reference;
  std::vector<LayerAccuracy> layer_accuracy;
  std::vector<HeadRow> heads_table;
  GpuComparison gpu;
  Leakage leakage;
  AreaBreakdown area;      // of the simulated accelerator (layers x heads of the run)
  MonteCarlo monte_carlo;  // --seeds N: the chips' accuracy (empty otherwise)

  boost::json::value scalers = nullptr;  // {source, method, path, calibration_tokens, ...}
  boost::json::value config = nullptr;   // the resolved configuration
  boost::json::value trace = nullptr;    // the trace metadata
  std::vector<std::string> notes;        // messages for the reader (e.g. self-calibration)
};

/// Report structures as JSON through Boost.JSON's value_from (docs/report-format.md).
void tag_invoke(boost::json::value_from_tag, boost::json::value& v, const Agreement& a);
void tag_invoke(boost::json::value_from_tag, boost::json::value& v, const AccuracySet& s);
void tag_invoke(boost::json::value_from_tag, boost::json::value& v, const EnergySplit& e);
void tag_invoke(boost::json::value_from_tag, boost::json::value& v, const GpuRow& row);
void tag_invoke(boost::json::value_from_tag, boost::json::value& v, const LeakagePoint& p);

boost::json::object to_json(const Report& r);
/// Writes the JSON report (docs/report-format.md); throws InputError when it cannot.
void write_json(const Report& r, const std::string& path);
/// One row per layer and head.
void write_csv(const Report& r, std::ostream& out);
void write_csv(const Report& r, const std::string& path);
/// The human summary.
void write_summary(const Report& r, std::ostream& out);

}  // namespace gcattn::report
