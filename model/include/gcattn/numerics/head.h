#pragma once
// One attention head: window_tokens / cols sub-tiles over a circular window (token t lives in
// slot t mod M: sub-tile slot / cols, column slot mod cols; SlotMap), the per-head scalers, and the
// digital sum of the sub-tile outputs. PAPER.md section 5 is the specification. The write, the
// query DACs and the digital sum are the step kernel the accelerator's heads run too (HeadStep).
#include <cstdint>
#include <vector>

#include "gcattn/config/hardware_params.h"
#include "gcattn/numerics/converters.h"
#include "gcattn/numerics/head_step.h"
#include "gcattn/numerics/subtile.h"

namespace gcattn {

class HeadModel {
 public:
  /// layer, head: where the head sits in the accelerator (its devices' variation and noise,
  /// p.nonideal; the same as the accelerator's head (layer, head) of the same configuration).
  HeadModel(const HardwareParams& p, const HeadScalers& scalers, int layer = 0, int head = 0);
  explicit HeadModel(const HardwareParams& p) : HeadModel(p, p.default_scalers) {}

  int dim() const { return p_.rows; }
  int window() const { return p_.window_tokens; }
  int subtile_count() const { return static_cast<int>(subtiles_.size()); }
  const HeadScalers& scalers() const { return scalers_; }
  void set_scalers(const HeadScalers& s) { scalers_ = s; }
  /// Forgets every stored token (the accelerator's CONTROL.CLEAR_KV).
  void clear() {
    for (auto& s : subtiles_) s.clear();
  }

  /// Model-space k, v (dim values): scaled, write-DAC'd and stored in slot token mod M.
  void write_token(std::int64_t token, const float* k_raw, const float* v_raw, double t_s);
  /// Stored voltages given directly (hardware units).
  void write_token_hw(std::int64_t token, const double* k_volts, const double* v_volts, double t_s);

  /// Model-space q: scaled, pulse-DAC'd, evaluated on every sub-tile; out[dim] after the output
  /// scaler. Returns the summed activity of the sub-tiles.
  SubTileActivity attend(std::int64_t token, const float* q_raw, double t_s, double* out);
  /// Query given as pulse fractions.
  SubTileActivity attend_hw(std::int64_t token, const double* q_frac, double t_s, double* out);

  /// Of the last attend, by window slot: score S and phi (0 for empty slots).
  const std::vector<double>& scores() const { return s_; }
  const std::vector<double>& phis() const { return phi_; }
  /// Of the last attend: converter outputs per sub-tile [subtile][dim] (before the digital sum).
  const std::vector<double>& subtile_outputs() const { return sub_out_; }
  /// Of the last attend: query pulse fractions actually applied.
  const std::vector<double>& query_fractions() const { return step_.query_fractions(); }

  const SubTileModel& subtile(int m) const { return subtiles_[static_cast<std::size_t>(m)]; }
  const PulseWidthDac& query_dac() const { return step_.query_dacs().dac(); }
  const WriteDac& write_dac() const { return step_.write_dacs().dac(); }
  /// Where token `token` lives in the window.
  WindowSlot slot(std::int64_t token) const { return step_.slot(token); }

 private:
  HardwareParams p_;
  HeadScalers scalers_;
  std::vector<SubTileModel> subtiles_;
  HeadStep step_;
  // Scratch, sized once: no allocation per token.
  std::vector<double> s_, phi_, a_, sub_out_;
};

}  // namespace gcattn
