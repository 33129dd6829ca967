#include "player/accuracy.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <utility>

#include "gcattn/numerics/fast_reference.h"
#include "trace/trace_file.h"

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

template <typename T>
AccuracyTracker::Sums AccuracyTracker::compare(const float* x, const T* ref, std::size_t d) {
  Sums s;
  for (std::size_t i = 0; i < d; ++i) {
    const double xi = x[i], ri = static_cast<double>(ref[i]);
    s.xy += xi * ri;
    s.xx += xi * xi;
    s.yy += ri * ri;
    s.err2 += (xi - ri) * (xi - ri);
  }
  return s;
}

ReferenceOutputs compute_references(const trace::TraceReader& tr, const HardwareParams& hw,
                                    const ScalerTable& scalers, std::size_t tokens,
                                    const AccuracyOptions& opt, WorkerPool* pool,
                                    std::vector<float> softmax,
                                    const volatile std::sig_atomic_t* stop) {
  const int L = scalers.layers, H = scalers.heads;
  const auto d = static_cast<std::size_t>(hw.rows);
  const std::size_t per_head = tokens * d;
  const std::size_t total = static_cast<std::size_t>(L) * static_cast<std::size_t>(H) * per_head;
  ReferenceOutputs r;
  r.tokens = tokens;
  const bool softmax_given = opt.softmax && softmax.size() == total;
  if (opt.softmax) r.softmax = softmax_given ? std::move(softmax) : std::vector<float>(total);
  if (opt.ideal) r.ideal.resize(total);
  auto head = [&](int i) {
    if ((stop && *stop) || (softmax_given && !opt.ideal)) return;
    const int l = i / H, h = i % H;
    std::vector<float> q(per_head), k(per_head), v(per_head);
    tr.read_head(trace::Field::Q, l, h, tokens, q.data());
    tr.read_head(trace::Field::K, l, h, tokens, k.data());
    tr.read_head(trace::Field::V, l, h, tokens, v.data());
    const std::size_t base = static_cast<std::size_t>(i) * per_head;
    if (opt.softmax && !softmax_given)
      softmax_window_f32(q.data(), k.data(), v.data(), tokens, hw.rows, hw.window_tokens,
                         &r.softmax[base]);
    if (opt.ideal) {
      IdealHeadF32 m(hw, scalers.at(l, h));
      std::vector<double> y(d);
      for (std::size_t t = 0; t < tokens; ++t) {
        m.write_token(static_cast<std::int64_t>(t), &k[t * d], &v[t * d]);
        m.attend(static_cast<std::int64_t>(t), &q[t * d], y.data());
        // The accelerator returns float32 words: compare on the same grid.
        for (std::size_t j = 0; j < d; ++j) r.ideal[base + t * d + j] = static_cast<float>(y[j]);
      }
    }
  };
  if (pool) {
    pool->for_each(L * H, head);
  } else {
    for (int i = 0; i < L * H; ++i) head(i);
  }
  return r;
}

AccuracyTracker::AccuracyTracker(const HardwareParams& hw, const ScalerTable& scalers,
                                 AccuracyOptions opt, ReferenceOutputs refs, WorkerPool* pool)
    : layers_(scalers.layers),
      heads_(scalers.heads),
      d_(hw.rows),
      opt_(opt),
      refs_(std::move(refs)),
      pool_(pool) {
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
  for (int r = 0; r < kRefs; ++r) {
    head_acc_[r].assign(lh, Acc{});
    layer_acc_[r].assign(static_cast<std::size_t>(layers_), Acc{});
  }
  sums_.resize(H * kRefs);
}

void AccuracyTracker::step(int layer, std::int64_t token, const float* q, const float* k,
                           const float* v, const float* attn_out, const float* out) {
  const std::size_t d = static_cast<std::size_t>(d_);
  const auto t = static_cast<std::size_t>(token);
  if (t >= refs_.tokens && (!refs_.softmax.empty() || !refs_.ideal.empty()))
    throw std::logic_error("AccuracyTracker: token " + std::to_string(token) +
                           " beyond the references computed");
  const bool use[kRefs] = {!refs_.softmax.empty(), !refs_.ideal.empty(),
                           opt_.attn_out && attn_out != nullptr, !nominal_.empty()};
  // Head h of this step: its sums against each reference, into its own slots.
  auto head_step = [&](int h) {
    const std::size_t hi = static_cast<std::size_t>(layer) * static_cast<std::size_t>(heads_) +
                           static_cast<std::size_t>(h);
    const std::size_t off = static_cast<std::size_t>(h) * d;
    const std::size_t at = (hi * refs_.tokens + t) * d;
    const float* x = out + off;
    Sums* sums = &sums_[static_cast<std::size_t>(h) * kRefs];
    if (use[kSoftmax]) sums[kSoftmax] = compare(x, &refs_.softmax[at], d);
    if (use[kIdeal]) sums[kIdeal] = compare(x, &refs_.ideal[at], d);
    if (use[kAttnOut]) sums[kAttnOut] = compare(x, attn_out + off, d);
    if (use[kNominal]) {
      HeadModel& m = nominal_[hi];
      double* y = &nominal_out_[off];
      m.write_token(token, k + off, v + off, 0.0);
      m.attend(token, q + off, 0.0, y);
      for (std::size_t i = 0; i < d; ++i) y[i] = static_cast<double>(static_cast<float>(y[i]));
      sums[kNominal] = compare(x, y, d);
    }
  };
  // Only the nominal reference has work worth handing to the pool.
  if (pool_ && use[kNominal]) {
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
