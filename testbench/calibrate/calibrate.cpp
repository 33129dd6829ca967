#include "calibrate/calibrate.h"

#include <algorithm>
#include <cmath>

#include "cli/errors.h"
#include "gcattn/numerics/head.h"
#include "gcattn/numerics/reference.h"
#include "trace/trace_file.h"

namespace gcattn::calibrate {
namespace {

struct Stats {
  double mean = 0.0, std = 0.0;
};

Stats stats_of(const double* x, std::size_t n) {
  Stats s;
  if (n == 0) return s;
  double sum = 0.0;
  for (std::size_t i = 0; i < n; ++i) sum += x[i];
  s.mean = sum / static_cast<double>(n);
  double ss = 0.0;
  for (std::size_t i = 0; i < n; ++i) ss += (x[i] - s.mean) * (x[i] - s.mean);
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
  for (std::size_t t = 0; t < n; ++t) {
    std::copy_n(tr.q(t, layer, head), d, &in.q[t * d]);
    std::copy_n(tr.k(t, layer, head), d, &in.k[t * d]);
    std::copy_n(tr.v(t, layer, head), d, &in.v[t * d]);
  }
  return in;
}

// Pre-output-scaler digital sums [token][d] of a head model over the prefix.
std::vector<double> run_head(const HardwareParams& hw, HeadScalers s, const HeadInputs& in,
                             std::size_t n, double period_s) {
  s.out = AffineScaler{1.0, 0.0};
  HeadModel head(hw, s);
  const std::size_t d = static_cast<std::size_t>(hw.rows);
  std::vector<double> out(n * d);
  for (std::size_t t = 0; t < n; ++t) {
    const double now = static_cast<double>(t) * period_s;
    head.write_token(static_cast<std::int64_t>(t), &in.k[t * d], &in.v[t * d], now);
    head.attend(static_cast<std::int64_t>(t), &in.q[t * d], now, &out[t * d]);
  }
  return out;
}

// Float softmax attention over the hardware's window (the last window_tokens tokens).
std::vector<double> softmax_reference(const HeadInputs& in, std::size_t n, int d, int window) {
  std::vector<double> y(n * static_cast<std::size_t>(d));
  for (std::size_t t = 0; t < n; ++t) {
    const std::size_t first =
        t + 1 > static_cast<std::size_t>(window) ? t + 1 - static_cast<std::size_t>(window) : 0;
    softmax_attention(&in.q[t * d], &in.k[first * d], &in.v[first * d],
                      static_cast<int>(t + 1 - first), d, &y[t * static_cast<std::size_t>(d)]);
  }
  return y;
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

// Least-squares y ~ gain * x + offset.
AffineScaler least_squares(const std::vector<double>& x, const std::vector<double>& y) {
  const Stats sx = stats_of(x.data(), x.size()), sy = stats_of(y.data(), y.size());
  double cov = 0.0;
  for (std::size_t i = 0; i < x.size(); ++i) cov += (x[i] - sx.mean) * (y[i] - sy.mean);
  cov /= static_cast<double>(std::max<std::size_t>(x.size(), 1));
  if (!(sx.std > 0.0)) return {1.0, sy.mean - sx.mean};
  const double gain = cov / (sx.std * sx.std);
  return {gain, sy.mean - gain * sx.mean};
}

// Mean/std matching of gain * x + offset to target (the range step of the intermediate model).
AffineScaler match_stats(const std::vector<double>& x, const Stats& target) {
  const Stats sx = stats_of(x.data(), x.size());
  if (!(sx.std > 0.0)) return {1.0, target.mean - sx.mean};
  const double gain = target.std / sx.std;
  return {gain, target.mean - gain * sx.mean};
}

struct HeadAccuracy {
  double cos_sum = 0.0;
  std::size_t tokens = 0;
  double err2 = 0.0, ref2 = 0.0;
};

void accumulate(HeadAccuracy& acc, const std::vector<double>& x, const AffineScaler& out,
                const std::vector<double>& y, std::size_t n, std::size_t d) {
  std::vector<double> o(d);
  for (std::size_t t = 0; t < n; ++t) {
    for (std::size_t i = 0; i < d; ++i) {
      o[i] = out.apply(x[t * d + i]);
      acc.err2 += (o[i] - y[t * d + i]) * (o[i] - y[t * d + i]);
      acc.ref2 += y[t * d + i] * y[t * d + i];
    }
    acc.cos_sum += cosine_similarity(o.data(), &y[t * d], d);
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
int adapt(HeadScalers& s, const HeadInputs& in, const std::vector<double>& x_hw,
          const Stats target[4], const Options& opt) {
  Stats raw[4];
  {
    const std::vector<double> q(in.q.begin(), in.q.end()), k(in.k.begin(), in.k.end()),
        v(in.v.begin(), in.v.end());
    raw[0] = stats_of(q.data(), q.size());
    raw[1] = stats_of(k.data(), k.size());
    raw[2] = stats_of(v.data(), v.size());
    raw[3] = stats_of(x_hw.data(), x_hw.size());
  }
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
  throw cli::UsageError(option + " must be range or paper, got '" + name + "'");
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

Result calibrate(const trace::TraceReader& tr, const HardwareParams& hw, const Options& opt) {
  if (tr.d_head() != hw.rows) {
    throw cli::InputError(
        tr.path() + ": d_head " + std::to_string(tr.d_head()) +
        " does not match the array rows (array.rows = " + std::to_string(hw.rows) +
        "); the head dimension must equal the array height");
  }
  if (tr.tokens() == 0) throw cli::InputError(tr.path() + ": the trace holds no tokens");
  if (!(opt.percentile > 50.0 && opt.percentile <= 100.0)) {
    throw cli::UsageError("--percentile must lie in (50, 100], got " +
                          std::to_string(opt.percentile));
  }
  const std::size_t n = opt.tokens ? std::min(opt.tokens, tr.tokens()) : tr.tokens();
  const std::size_t d = static_cast<std::size_t>(hw.rows);
  const double period_s = opt.token_period_ns * 1e-9;
  HardwareParams linear = hw;
  linear.cell_kind = CellKind::Linear;

  Result r;
  r.method = opt.method;
  r.tokens = n;
  r.scalers = player::ScalerTable(tr.layers(), tr.heads(), hw.default_scalers);
  r.scalers.method = method_name(opt.method);
  r.scalers.trace = tr.path();
  r.scalers.calibration_tokens = n;
  HeadAccuracy all;
  for (int l = 0; l < tr.layers(); ++l) {
    HeadAccuracy layer_acc;
    for (int h = 0; h < tr.heads(); ++h) {
      if (opt.stop && *opt.stop) {
        r.interrupted = true;
        return r;
      }
      const HeadInputs in = gather(tr, l, h, n);
      const std::vector<double> y = softmax_reference(in, n, hw.rows, hw.window_tokens);
      HeadScalers s;
      s.q = range_q(in.q, opt.percentile);
      s.k = range_kv(in.k, opt.percentile, hw);
      s.v = range_kv(in.v, opt.percentile, hw);
      s.out = AffineScaler{1.0, 0.0};
      const std::vector<double> x_hw = run_head(hw, s, in, n, period_s);
      if (opt.method == Method::Range) {
        s.out = least_squares(x_hw, y);
      } else {
        // Intermediate model: linear cell, its output scaler matched to the softmax statistics.
        const std::vector<double> x_lin = run_head(linear, s, in, n, period_s);
        const Stats sy = stats_of(y.data(), y.size());
        HeadScalers target_s = s;
        target_s.out = match_stats(x_lin, sy);
        Stats target[4];
        {
          const std::vector<double> q(in.q.begin(), in.q.end()), k(in.k.begin(), in.k.end()),
              v(in.v.begin(), in.v.end());
          target[0] = affine_stats(target_s.q, stats_of(q.data(), q.size()));
          target[1] = affine_stats(target_s.k, stats_of(k.data(), k.size()));
          target[2] = affine_stats(target_s.v, stats_of(v.data(), v.size()));
          target[3] = affine_stats(target_s.out, stats_of(x_lin.data(), x_lin.size()));
        }
        s = target_s;  // start from the intermediate model's scalers
        const int used = adapt(s, in, x_hw, target, opt);
        if (used > opt.max_iterations) ++r.unconverged_heads;
        r.max_iterations_used = std::max(r.max_iterations_used, std::min(used, opt.max_iterations));
      }
      r.scalers.at(l, h) = s;
      accumulate(layer_acc, x_hw, s.out, y, n, d);
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
