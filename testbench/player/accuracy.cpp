#include "player/accuracy.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace gcattn::player {

void AccuracyTracker::Acc::add_layer(double xy, double xx, double yy, double e2, double r2) {
  // Cosine as gcattn::cosine_similarity defines it (two zero vectors agree).
  double c;
  if (xx == 0.0 && yy == 0.0) {
    c = 1.0;
  } else if (xx == 0.0 || yy == 0.0) {
    c = 0.0;
  } else {
    c = xy / std::sqrt(xx * yy);
  }
  cos_sum += c;
  err2 += e2;
  ref2 += r2;
  ++n;
}

report::Agreement AccuracyTracker::Acc::result() const {
  report::Agreement a;
  a.available = n > 0;
  a.outputs = n;
  if (n == 0) return a;
  a.cosine = cos_sum / static_cast<double>(n);
  a.relative_rms = ref2 > 0.0 ? std::sqrt(err2 / ref2) : (err2 > 0.0 ? INFINITY : 0.0);
  return a;
}

AccuracyTracker::Sums AccuracyTracker::compare(const float* x, const double* ref, std::size_t d) {
  Sums s;
  for (std::size_t i = 0; i < d; ++i) {
    const double xi = x[i];
    s.xy += xi * ref[i];
    s.xx += xi * xi;
    s.yy += ref[i] * ref[i];
    s.err2 += (xi - ref[i]) * (xi - ref[i]);
  }
  return s;
}

AccuracyTracker::AccuracyTracker(const HardwareParams& hw, const ScalerTable& scalers,
                                 AccuracyOptions opt, WorkerPool* pool, SoftmaxCache cache,
                                 std::size_t replay_tokens)
    : layers_(scalers.layers),
      heads_(scalers.heads),
      d_(hw.rows),
      window_(hw.window_tokens),
      opt_(opt),
      pool_(pool),
      cache_(std::move(cache)) {
  const std::size_t lh = static_cast<std::size_t>(layers_) * static_cast<std::size_t>(heads_);
  const std::size_t d = static_cast<std::size_t>(d_);
  const std::size_t H = static_cast<std::size_t>(heads_);
  if (opt_.nominal && hw.nonideal.any()) {
    const HardwareParams nominal = nominal_hardware(hw);
    nominal_.reserve(lh);
    for (int l = 0; l < layers_; ++l) {
      for (int h = 0; h < heads_; ++h) nominal_.emplace_back(nominal, scalers.at(l, h));
    }
    nominal_out_.resize(H * d);
  }
  if (opt_.ideal) {
    ideal_.reserve(lh);
    for (int l = 0; l < layers_; ++l) {
      for (int h = 0; h < heads_; ++h) ideal_.emplace_back(hw, scalers.at(l, h));
    }
  }
  const bool cached = replay_tokens > 0 && cache_.tokens >= replay_tokens;
  if (opt_.softmax && !cached) {
    kring_stride_ = (static_cast<std::size_t>(window_) + 7) / 8 * 8 * d;
    kring_.assign(lh * kring_stride_, 0.0f);
    vring_.assign(lh * static_cast<std::size_t>(window_) * d, 0.0f);
    w_.resize(H * (static_cast<std::size_t>(window_) + 8));
  }
  for (int r = 0; r < kRefs; ++r) {
    head_acc_[r].assign(lh, Acc{});
    layer_acc_[r].assign(static_cast<std::size_t>(layers_), Acc{});
  }
  ref_.resize(H * d);
  acc_.resize(H * d);
  sums_.resize(H * kRefs);
}

void AccuracyTracker::step(int layer, std::int64_t token, const float* q, const float* k,
                           const float* v, const float* attn_out, const float* out) {
  const std::size_t d = static_cast<std::size_t>(d_);
  const int slot = static_cast<int>(token % window_);
  const int n = static_cast<int>(std::min<std::int64_t>(token + 1, window_));
  const float scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(d_)));
  const bool use[kRefs] = {opt_.softmax, opt_.ideal, opt_.attn_out && attn_out != nullptr,
                           !nominal_.empty()};
  // Head h of this step: its references and sums against them, into its own slots.
  auto head_step = [&](int h) {
    const std::size_t hi = static_cast<std::size_t>(layer) * static_cast<std::size_t>(heads_) +
                           static_cast<std::size_t>(h);
    const std::size_t off = static_cast<std::size_t>(h) * d;
    const float* x = out + off;
    double* ref = &ref_[off];
    Sums* sums = &sums_[static_cast<std::size_t>(h) * kRefs];
    if (use[kSoftmax]) {
      // The window (K in the blocked layout of the softmax kernel, V by slot), when the tracker
      // keeps one: every token goes in, cached or not, for the tokens past the cache.
      const std::size_t kbase = hi * kring_stride_,
                        vbase = hi * static_cast<std::size_t>(window_) * d;
      if (!kring_.empty()) {
        for (std::size_t i = 0; i < d; ++i)
          kring_[kbase + key_block_index(static_cast<std::size_t>(slot), i, d)] = k[off + i];
        std::copy_n(v + off, d, &vring_[vbase + static_cast<std::size_t>(slot) * d]);
      }
      if (static_cast<std::size_t>(token) < cache_.tokens) {
        const float* c = &cache_.values[(hi * cache_.tokens + static_cast<std::size_t>(token)) * d];
        for (std::size_t i = 0; i < d; ++i) ref[i] = c[i];
      } else {
        softmax_attention_f32(
            q + off, &kring_[kbase], 0, &vring_[vbase], n, d_, scale,
            &w_[static_cast<std::size_t>(h) * (static_cast<std::size_t>(window_) + 8)], &acc_[off],
            ref);
      }
      sums[kSoftmax] = compare(x, ref, d);
    }
    if (use[kIdeal]) {
      IdealHeadF32& m = ideal_[hi];
      m.write_token(token, k + off, v + off);
      m.attend(token, q + off, ref);
      // The accelerator returns float32 words: compare on the same grid.
      for (std::size_t i = 0; i < d; ++i) ref[i] = static_cast<double>(static_cast<float>(ref[i]));
      sums[kIdeal] = compare(x, ref, d);
    }
    if (use[kAttnOut]) {
      for (std::size_t i = 0; i < d; ++i) ref[i] = attn_out[off + i];
      sums[kAttnOut] = compare(x, ref, d);
    }
    if (use[kNominal]) {
      HeadModel& m = nominal_[hi];
      double* y = &nominal_out_[off];
      m.write_token(token, k + off, v + off, 0.0);
      m.attend(token, q + off, 0.0, y);
      for (std::size_t i = 0; i < d; ++i) ref[i] = static_cast<double>(static_cast<float>(y[i]));
      sums[kNominal] = compare(x, ref, d);
    }
  };
  if (pool_) {
    pool_->for_each(heads_, head_step);
  } else {
    for (int h = 0; h < heads_; ++h) head_step(h);
  }
  // Combine in head order.
  for (int r = 0; r < kRefs; ++r) {
    if (!use[r]) continue;
    Sums layer_sums;
    for (int h = 0; h < heads_; ++h) {
      const Sums& s = sums_[static_cast<std::size_t>(h) * kRefs + static_cast<std::size_t>(r)];
      head_acc_[r][static_cast<std::size_t>(layer) * static_cast<std::size_t>(heads_) +
                   static_cast<std::size_t>(h)]
          .add_layer(s.xy, s.xx, s.yy, s.err2, s.yy);
      layer_sums += s;
    }
    layer_acc_[r][static_cast<std::size_t>(layer)].add_layer(
        layer_sums.xy, layer_sums.xx, layer_sums.yy, layer_sums.err2, layer_sums.yy);
  }
}

report::AccuracySet AccuracyTracker::overall() const {
  report::AccuracySet s;
  report::Agreement* out[kRefs] = {&s.softmax, &s.ideal, &s.attn_out, &s.nominal};
  for (int r = 0; r < kRefs; ++r) {
    Acc all;
    for (const auto& a : layer_acc_[r]) {
      all.cos_sum += a.cos_sum;
      all.err2 += a.err2;
      all.ref2 += a.ref2;
      all.n += a.n;
    }
    *out[r] = all.result();
  }
  return s;
}

report::AccuracySet AccuracyTracker::layer(int l) const {
  const auto i = static_cast<std::size_t>(l);
  return {layer_acc_[kSoftmax][i].result(), layer_acc_[kIdeal][i].result(),
          layer_acc_[kAttnOut][i].result(), layer_acc_[kNominal][i].result()};
}

report::AccuracySet AccuracyTracker::head(int l, int h) const {
  const std::size_t i =
      static_cast<std::size_t>(l) * static_cast<std::size_t>(heads_) + static_cast<std::size_t>(h);
  return {head_acc_[kSoftmax][i].result(), head_acc_[kIdeal][i].result(),
          head_acc_[kAttnOut][i].result(), head_acc_[kNominal][i].result()};
}

}  // namespace gcattn::player
