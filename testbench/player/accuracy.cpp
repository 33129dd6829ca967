#include "player/accuracy.h"

#include <algorithm>
#include <cmath>

#include "gcattn/numerics/reference.h"

namespace gcattn::player {

void AccuracyTracker::Acc::add(const float* x, const double* ref, std::size_t d) {
  double xy = 0, xx = 0, yy = 0, e = 0;
  for (std::size_t i = 0; i < d; ++i) {
    const double xi = x[i];
    xy += xi * ref[i];
    xx += xi * xi;
    yy += ref[i] * ref[i];
    e += (xi - ref[i]) * (xi - ref[i]);
  }
  add_layer(xy, xx, yy, e, yy);
}

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

AccuracyTracker::AccuracyTracker(const HardwareParams& hw, const ScalerTable& scalers,
                                 AccuracyOptions opt)
    : layers_(scalers.layers),
      heads_(scalers.heads),
      d_(hw.rows),
      window_(hw.window_tokens),
      opt_(opt) {
  const std::size_t lh = static_cast<std::size_t>(layers_) * static_cast<std::size_t>(heads_);
  const std::size_t d = static_cast<std::size_t>(d_);
  if (opt_.ideal) {
    const HardwareParams ideal = ideal_hardware(hw);
    ideal_.reserve(lh);
    for (int l = 0; l < layers_; ++l) {
      for (int h = 0; h < heads_; ++h) ideal_.emplace_back(ideal, scalers.at(l, h));
    }
  }
  if (opt_.nominal && hw.nonideal.any()) {
    const HardwareParams nominal = nominal_hardware(hw);
    nominal_.reserve(lh);
    for (int l = 0; l < layers_; ++l) {
      for (int h = 0; h < heads_; ++h) nominal_.emplace_back(nominal, scalers.at(l, h));
    }
  }
  if (opt_.softmax) {
    kring_.assign(lh * static_cast<std::size_t>(window_) * d, 0.0f);
    vring_.assign(lh * static_cast<std::size_t>(window_) * d, 0.0f);
  }
  for (int r = 0; r < kRefs; ++r) {
    head_acc_[r].assign(lh, Acc{});
    layer_acc_[r].assign(static_cast<std::size_t>(layers_), Acc{});
  }
  ref_.resize(d);
  w_.resize(static_cast<std::size_t>(window_));
  ideal_out_.resize(d);
  ideal_f_.resize(d);
}

void AccuracyTracker::softmax(const float* q, const float* kring, const float* vring, int n,
                              double* out) {
  const std::size_t d = static_cast<std::size_t>(d_);
  const double scale = 1.0 / std::sqrt(static_cast<double>(d_));
  double mx = -INFINITY;
  for (int j = 0; j < n; ++j) {
    const float* k = kring + static_cast<std::size_t>(j) * d;
    // Four partial sums: independent chains the compiler can keep in flight.
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    std::size_t i = 0;
    for (; i + 4 <= d; i += 4) {
      s0 += static_cast<double>(q[i]) * k[i];
      s1 += static_cast<double>(q[i + 1]) * k[i + 1];
      s2 += static_cast<double>(q[i + 2]) * k[i + 2];
      s3 += static_cast<double>(q[i + 3]) * k[i + 3];
    }
    for (; i < d; ++i) s0 += static_cast<double>(q[i]) * k[i];
    w_[static_cast<std::size_t>(j)] = (s0 + s1 + s2 + s3) * scale;
    mx = std::max(mx, w_[static_cast<std::size_t>(j)]);
  }
  double z = 0.0;
  for (int j = 0; j < n; ++j)
    z += (w_[static_cast<std::size_t>(j)] = std::exp(w_[static_cast<std::size_t>(j)] - mx));
  std::fill(out, out + d, 0.0);
  const double inv_z = 1.0 / z;
  for (int j = 0; j < n; ++j) {
    const double p = w_[static_cast<std::size_t>(j)] * inv_z;
    const float* v = vring + static_cast<std::size_t>(j) * d;
    for (std::size_t i = 0; i < d; ++i) out[i] += p * v[i];
  }
}

void AccuracyTracker::step(int layer, std::int64_t token, const float* q, const float* k,
                           const float* v, const float* attn_out, const float* out) {
  const std::size_t d = static_cast<std::size_t>(d_);
  const int slot = static_cast<int>(token % window_);
  const int n = static_cast<int>(std::min<std::int64_t>(token + 1, window_));
  LayerTmp lt[kRefs];
  auto add = [&](int r, std::size_t hi, const float* x, const double* ref) {
    head_acc_[r][hi].add(x, ref, d);
    for (std::size_t i = 0; i < d; ++i) {
      const double xi = x[i];
      lt[r].xy += xi * ref[i];
      lt[r].xx += xi * xi;
      lt[r].yy += ref[i] * ref[i];
      lt[r].err2 += (xi - ref[i]) * (xi - ref[i]);
    }
    lt[r].ref2 = lt[r].yy;
  };
  for (int h = 0; h < heads_; ++h) {
    const std::size_t hi = static_cast<std::size_t>(layer) * static_cast<std::size_t>(heads_) +
                           static_cast<std::size_t>(h);
    const std::size_t off = static_cast<std::size_t>(h) * d;
    const float* x = out + off;
    if (opt_.softmax) {
      const std::size_t base = hi * static_cast<std::size_t>(window_) * d;
      std::copy_n(k + off, d, &kring_[base + static_cast<std::size_t>(slot) * d]);
      std::copy_n(v + off, d, &vring_[base + static_cast<std::size_t>(slot) * d]);
      softmax(q + off, &kring_[base], &vring_[base], n, ref_.data());
      add(kSoftmax, hi, x, ref_.data());
    }
    auto hardware = [&](Ref r, HeadModel& m) {
      m.write_token(token, k + off, v + off, 0.0);
      m.attend(token, q + off, 0.0, ideal_out_.data());
      // The accelerator returns float32 words: compare on the same grid.
      for (std::size_t i = 0; i < d; ++i)
        ref_[i] = static_cast<double>(static_cast<float>(ideal_out_[i]));
      add(r, hi, x, ref_.data());
    };
    if (opt_.ideal) hardware(kIdeal, ideal_[hi]);
    if (!nominal_.empty()) hardware(kNominal, nominal_[hi]);
    if (opt_.attn_out && attn_out) {
      for (std::size_t i = 0; i < d; ++i) ref_[i] = attn_out[off + i];
      add(kAttnOut, hi, x, ref_.data());
    }
  }
  for (int r = 0; r < kRefs; ++r) {
    if (head_acc_[r][static_cast<std::size_t>(layer) * static_cast<std::size_t>(heads_)].n == 0)
      continue;
    layer_acc_[r][static_cast<std::size_t>(layer)].add_layer(lt[r].xy, lt[r].xx, lt[r].yy,
                                                             lt[r].err2, lt[r].ref2);
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
