#include "calibrate/calibrate.h"

#include <algorithm>
#include <cmath>

#include "base/errors.h"
#include "gcattn/numerics/fast_reference.h"
#include "gcattn/numerics/head.h"
#include "gcattn/numerics/reference.h"
#include "gcattn/parallel/worker_pool.h"
#include "trace/trace_file.h"

namespace gcattn::calibrate {
namespace {

struct Stats {
  double mean = 0.0, std = 0.0;
};

template <typename T>
Stats stats_of(const T* x, std::size_t n) {
  Stats s;
  if (n == 0) return s;
  double sum = 0.0;
  for (std::size_t i = 0; i < n; ++i) sum += static_cast<double>(x[i]);
  s.mean = sum / static_cast<double>(n);
  double ss = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    const double dx = static_cast<double>(x[i]) - s.mean;
    ss += dx * dx;
  }
  s.std = std::sqrt(ss / static_cast<double>(n));
  return s;
}

Stats affine_stats(const AffineScaler& a, const Stats& x) {
  return {a.gain * x.mean + a.offset, std::fabs(a.gain) * x.std};
}

// The q, k, v (model space) of one head over the prefix, [token][d] contiguous.
struct HeadInputs {
  std::vector<float> q, k, v;
};

HeadInputs gather(const trace::TraceReader& tr, int layer, int head, std::size_t n) {
  const std::size_t d = static_cast<std::size_t>(tr.d_head());
  HeadInputs in;
  in.q.resize(n * d);
  in.k.resize(n * d);
  in.v.resize(n * d);
  tr.read_head(trace::Field::Q, layer, head, n, in.q.data());  // thread-safe, unlike q()
  tr.read_head(trace::Field::K, layer, head, n, in.k.data());
  tr.read_head(trace::Field::V, layer, head, n, in.v.data());
  return in;
}

// Streamed statistics of one head over the prefix: per token the sums that give the cosine and
// error of any affine output scaler out = gain * x + offset against the softmax reference y,
// and over all tokens the moments of x and y for the least-squares and mean/std fits. No vector
// of outputs is kept, and no allocation per token.
struct TokenSums {
  double x = 0, y = 0, xx = 0, xy = 0, yy = 0;  // over the d outputs of one token
};

struct HeadRun {
  std::vector<TokenSums> tokens;
  Stats x, y;      // over all outputs of the prefix
  double cov = 0;  // covariance of x and y
};

// The configured hardware (pre-output-scaler digital sums x) next to the softmax reference y
// ([n][d], softmax_window_f32; null: zero, for runs whose y statistics are not used), token by
// token, in one pass. The moments are accumulated around the first token's means (shifted data:
// no cancellation when the mean is far larger than the spread).
HeadRun run_head(const HardwareParams& hw, HeadScalers s, const HeadInputs& in, std::size_t n,
                 double period_s, const float* y_all) {
  s.out = AffineScaler{1.0, 0.0};
  HeadModel head(hw, s);
  const std::size_t d = static_cast<std::size_t>(hw.rows);
  std::vector<double> x(d), y(d, 0.0);
  HeadRun r;
  r.tokens.resize(n);
  double kx = 0, ky = 0;  // shifts
  double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
  for (std::size_t t = 0; t < n; ++t) {
    const double now = static_cast<double>(t) * period_s;
    head.write_token(static_cast<std::int64_t>(t), &in.k[t * d], &in.v[t * d], now);
    head.attend(static_cast<std::int64_t>(t), &in.q[t * d], now, x.data());
    if (y_all) {
      for (std::size_t i = 0; i < d; ++i) y[i] = y_all[t * d + i];
    }
    TokenSums& ts = r.tokens[t];
    for (std::size_t i = 0; i < d; ++i) {
      ts.x += x[i];
      ts.y += y[i];
      ts.xx += x[i] * x[i];
      ts.xy += x[i] * y[i];
      ts.yy += y[i] * y[i];
    }
    if (t == 0) {
      kx = ts.x / static_cast<double>(d);
      ky = ts.y / static_cast<double>(d);
    }
    for (std::size_t i = 0; i < d; ++i) {
      const double a = x[i] - kx, b = y[i] - ky;
      sx += a;
      sy += b;
      sxx += a * a;
      syy += b * b;
      sxy += a * b;
    }
  }
  const double m = static_cast<double>(n * d);
  r.x.mean = kx + sx / m;
  r.y.mean = ky + sy / m;
  r.x.std = std::sqrt(std::max(0.0, sxx / m - (sx / m) * (sx / m)));
  r.y.std = std::sqrt(std::max(0.0, syy / m - (sy / m) * (sy / m)));
  r.cov = sxy / m - (sx / m) * (sy / m);
  return r;
}

AffineScaler range_q(const std::vector<float>& q, double p) {
  const std::vector<double> x(q.begin(), q.end());
  const double lo = percentile(x, 100.0 - p), hi = percentile(x, p);
  if (!(hi > lo)) return {1.0, 0.5 - lo};  // constant input: put it mid-scale
  return {1.0 / (hi - lo), -lo / (hi - lo)};
}

AffineScaler range_kv(const std::vector<float>& x, double p, const HardwareParams& hw) {
  std::vector<double> a(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) a[i] = std::fabs(static_cast<double>(x[i]));
  const double m = percentile(std::move(a), p);
  const double half = std::min(hw.kv_v_max_v - hw.v_mid_v, hw.v_mid_v - hw.kv_v_min_v);
  if (!(m > 0.0) || !(half > 0.0)) return {1.0, hw.v_mid_v};
  return {half / m, hw.v_mid_v};
}

// Least-squares y ~ gain * x + offset, from the streamed moments.
AffineScaler least_squares(const HeadRun& r) {
  if (!(r.x.std > 0.0)) return {1.0, r.y.mean - r.x.mean};
  const double gain = r.cov / (r.x.std * r.x.std);
  return {gain, r.y.mean - gain * r.x.mean};
}

// Mean/std matching of gain * x + offset to target (the range step of the intermediate model).
AffineScaler match_stats(const Stats& sx, const Stats& target) {
  if (!(sx.std > 0.0)) return {1.0, target.mean - sx.mean};
  const double gain = target.std / sx.std;
  return {gain, target.mean - gain * sx.mean};
}

struct HeadAccuracy {
  double cos_sum = 0.0;
  std::size_t tokens = 0;
  double err2 = 0.0, ref2 = 0.0;
};

// Cosine per token and pooled error of out(x) against y, from the per-token sums: with
// o = g x + b, o.y = g xy + b y, |o|^2 = g^2 xx + 2 g b x + d b^2, |o - y|^2 = |o|^2 - 2 o.y + yy.
void accumulate(HeadAccuracy& acc, const HeadRun& r, const AffineScaler& out, std::size_t d) {
  const double g = out.gain, b = out.offset, dd = static_cast<double>(d);
  for (const TokenSums& t : r.tokens) {
    const double oy = g * t.xy + b * t.y;
    const double oo = g * g * t.xx + 2.0 * g * b * t.x + dd * b * b;
    acc.err2 += std::max(0.0, oo - 2.0 * oy + t.yy);
    acc.ref2 += t.yy;
    double c;
    if (oo <= 0.0 && t.yy == 0.0) {
      c = 1.0;
    } else if (oo <= 0.0 || t.yy == 0.0) {
      c = 0.0;
    } else {
      c = oy / std::sqrt(oo * t.yy);
    }
    acc.cos_sum += c;
    ++acc.tokens;
  }
}

PrefixAccuracy finish(const HeadAccuracy& a) {
  PrefixAccuracy p;
  p.cosine = a.tokens ? a.cos_sum / static_cast<double>(a.tokens) : 0.0;
  p.relative_rms = a.ref2 > 0.0 ? std::sqrt(a.err2 / a.ref2) : (a.err2 > 0.0 ? INFINITY : 0.0);
  return p;
}

// The paper's damped mean/std matching of every scaler of one head against target statistics.
// Returns the iterations used (max_iterations + 1 when it did not converge).
int adapt(HeadScalers& s, const Stats input[3], const Stats& x_hw, const Stats target[4],
          const Options& opt) {
  const Stats raw[4] = {input[0], input[1], input[2], x_hw};
  AffineScaler* sc[4] = {&s.q, &s.k, &s.v, &s.out};
  for (int it = 0; it <= opt.max_iterations; ++it) {
    const double alpha =
        it < opt.alpha_decay_steps && opt.alpha_decay_steps > 1
            ? opt.alpha_max + (opt.alpha_min - opt.alpha_max) * it / (opt.alpha_decay_steps - 1)
            : opt.alpha_min;
    bool done = true;
    for (int i = 0; i < 4; ++i) {
      // Statistics of the scaler's output (before clamping), as the authors' range_scaler records.
      const Stats now = affine_stats(*sc[i], raw[i]);
      const double tol = opt.tolerance * std::max(target[i].std, 1e-30);
      AffineScaler next = *sc[i];
      if (std::fabs(now.std - target[i].std) > tol) {
        done = false;
        if (now.std != 0.0)
          next.gain = alpha * (sc[i]->gain * target[i].std / now.std) + (1 - alpha) * sc[i]->gain;
      }
      if (std::fabs(now.mean - target[i].mean) > tol) {
        done = false;
        next.offset =
            alpha * (sc[i]->offset + target[i].mean - now.mean) + (1 - alpha) * sc[i]->offset;
      }
      *sc[i] = next;
    }
    if (done) return it;
  }
  return opt.max_iterations + 1;
}

}  // namespace

const char* method_name(Method m) {
  return m == Method::Paper ? "paper" : "range";
}

Method parse_method(const std::string& name, const std::string& option) {
  if (name == "range") return Method::Range;
  if (name == "paper") return Method::Paper;
  throw UsageError(option + " must be range or paper, got '" + name + "'");
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0.0;
  const double pos = std::clamp(p, 0.0, 100.0) / 100.0 * static_cast<double>(v.size() - 1);
  const auto i = static_cast<std::size_t>(std::floor(pos));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(i), v.end());
  const double a = v[i];
  if (i + 1 >= v.size()) return a;
  const double b = *std::min_element(v.begin() + static_cast<std::ptrdiff_t>(i) + 1, v.end());
  return a + (b - a) * (pos - static_cast<double>(i));
}

Result calibrate(const trace::TraceReader& tr, const HardwareParams& chip, const Options& opt) {
  // The scalers are the design's: fitted on the nominal hardware, without the variation and
  // noise of a particular chip (docs/nonidealities.md).
  const HardwareParams hw = nominal_hardware(chip);
  if (tr.d_head() != hw.rows) {
    throw InputError(tr.path() + ": d_head " + std::to_string(tr.d_head()) +
                     " does not match the array rows (array.rows = " + std::to_string(hw.rows) +
                     "); the head dimension must equal the array height");
  }
  if (tr.tokens() == 0) throw InputError(tr.path() + ": the trace holds no tokens");
  if (!(opt.percentile > 50.0 && opt.percentile <= 100.0)) {
    throw UsageError("--percentile must lie in (50, 100], got " + std::to_string(opt.percentile));
  }
  const std::size_t n = opt.tokens ? std::min(opt.tokens, tr.tokens()) : tr.tokens();
  const std::size_t d = static_cast<std::size_t>(hw.rows);
  const double period_s = opt.token_period_ns * 1e-9;
  HardwareParams linear = hw;
  linear.cell_kind = CellKind::Linear;

  Result r;
  r.method = opt.method;
  r.tokens = n;
  r.scalers = ScalerTable(tr.layers(), tr.heads(), hw.default_scalers);
  r.scalers.method = method_name(opt.method);
  r.scalers.trace = tr.path();
  r.scalers.calibration_tokens = n;

  // Every (layer, head) is independent: they run on the pool, each into its own slot, and are
  // combined in (layer, head) order below, so the result does not depend on the thread count.
  struct HeadResult {
    HeadScalers scalers;
    HeadAccuracy accuracy;
    int iterations = 0;  // paper: iterations used (max_iterations + 1: not converged)
  };
  const int L = tr.layers(), H = tr.heads();
  std::vector<HeadResult> results(static_cast<std::size_t>(L) * static_cast<std::size_t>(H));
  if (opt.keep_softmax) r.softmax.assign(results.size() * n * d, 0.0f);
  auto calibrate_head = [&](int i) {
    const int l = i / H, h = i % H;
    HeadResult& res = results[static_cast<std::size_t>(i)];
    if (opt.stop && *opt.stop) return;
    const HeadInputs in = gather(tr, l, h, n);
    HeadScalers s;
    s.q = range_q(in.q, opt.percentile);
    s.k = range_kv(in.k, opt.percentile, hw);
    s.v = range_kv(in.v, opt.percentile, hw);
    s.out = AffineScaler{1.0, 0.0};
    // The softmax reference, kept in the result for the accuracy report when asked.
    std::vector<float> own;
    float* y = opt.keep_softmax ? &r.softmax[static_cast<std::size_t>(i) * n * d] : nullptr;
    if (!y) {
      own.resize(n * d);
      y = own.data();
    }
    softmax_window_f32(in.q.data(), in.k.data(), in.v.data(), n, hw.rows, hw.window_tokens, y);
    const HeadRun hw_run = run_head(hw, s, in, n, period_s, y);
    if (opt.method == Method::Range) {
      s.out = least_squares(hw_run);
    } else {
      // Intermediate model: linear cell, its output scaler matched to the softmax statistics.
      const HeadRun lin = run_head(linear, s, in, n, period_s, nullptr);
      const Stats input[3] = {stats_of(in.q.data(), in.q.size()),
                              stats_of(in.k.data(), in.k.size()),
                              stats_of(in.v.data(), in.v.size())};
      HeadScalers target_s = s;
      target_s.out = match_stats(lin.x, hw_run.y);
      const Stats target[4] = {
          affine_stats(target_s.q, input[0]), affine_stats(target_s.k, input[1]),
          affine_stats(target_s.v, input[2]), affine_stats(target_s.out, lin.x)};
      s = target_s;  // start from the intermediate model's scalers
      res.iterations = adapt(s, input, hw_run.x, target, opt);
    }
    res.scalers = s;
    accumulate(res.accuracy, hw_run, s.out, d);
  };
  if (opt.pool) {
    opt.pool->for_each(L * H, calibrate_head);
  } else {
    for (int i = 0; i < L * H; ++i) calibrate_head(i);
  }
  if (opt.stop && *opt.stop) {
    r.interrupted = true;  // some heads were skipped: the scalers are not usable
    return r;
  }

  HeadAccuracy all;
  for (int l = 0; l < L; ++l) {
    HeadAccuracy layer_acc;
    for (int h = 0; h < H; ++h) {
      const HeadResult& res = results[static_cast<std::size_t>(l * H + h)];
      r.scalers.at(l, h) = res.scalers;
      if (opt.method == Method::Paper) {
        if (res.iterations > opt.max_iterations) ++r.unconverged_heads;
        r.max_iterations_used =
            std::max(r.max_iterations_used, std::min(res.iterations, opt.max_iterations));
      }
      layer_acc.cos_sum += res.accuracy.cos_sum;
      layer_acc.tokens += res.accuracy.tokens;
      layer_acc.err2 += res.accuracy.err2;
      layer_acc.ref2 += res.accuracy.ref2;
    }
    r.per_layer.push_back(finish(layer_acc));
    all.cos_sum += layer_acc.cos_sum;
    all.tokens += layer_acc.tokens;
    all.err2 += layer_acc.err2;
    all.ref2 += layer_acc.ref2;
  }
  r.overall = finish(all);
  return r;
}

}  // namespace gcattn::calibrate
