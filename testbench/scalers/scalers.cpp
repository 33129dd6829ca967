#include "scalers/scalers.h"

#include <cmath>
#include <cstdint>
#include <limits>

#include <boost/json.hpp>

#include "base/errors.h"
#include "gcattn/config/json_parse.h"
#include "io/atomic_file.h"
#include "io/input_file.h"
#include "report/json_text.h"

namespace gcattn {
namespace json = boost::json;

ScalerTable::ScalerTable(int l, int h, const HeadScalers& all)
    : layers(l),
      heads(h),
      entries(static_cast<std::size_t>(l) * static_cast<std::size_t>(h), all) {}

ScalerTable ScalerTable::rounded_to_float() const {
  ScalerTable t = *this;
  auto r = [](AffineScaler& s) {
    s.gain = static_cast<double>(static_cast<float>(s.gain));
    s.offset = static_cast<double>(static_cast<float>(s.offset));
  };
  for (auto& e : t.entries) {
    r(e.q);
    r(e.k);
    r(e.v);
    r(e.out);
  }
  return t;
}

namespace {

const char* const kNames[4] = {"q", "k", "v", "out"};
constexpr std::uint64_t kMaxCount = 1 << 20;  // layers, heads
constexpr std::size_t kMaxScalersBytes = std::size_t(1) << 30;

AffineScaler* member(HeadScalers& s, int i) {
  switch (i) {
    case 0:
      return &s.q;
    case 1:
      return &s.k;
    case 2:
      return &s.v;
    default:
      return &s.out;
  }
}

json::array pair(const AffineScaler& s) {
  return json::array{report::json_number(s.gain), report::json_number(s.offset)};
}

struct Parser {
  const std::string& origin;

  [[noreturn]] void fail(const std::string& field, const std::string& why) const {
    throw InputError(
        origin + ": field '" + field + "' " + why +
        " (format: docs/report-format.md, \"Scalers file\"; `gcattn calibrate` writes one)");
  }
  const json::value& need(const json::object& o, const char* key) const {
    const auto* v = o.if_contains(key);
    if (!v) fail(key, "is missing");
    return *v;
  }
  // A non-negative integer no larger than max (uint64 values above INT64_MAX included).
  std::uint64_t integer(const json::value& v, const char* key, std::uint64_t max) const {
    const bool ok =
        (v.is_int64() && v.get_int64() >= 0 && static_cast<std::uint64_t>(v.get_int64()) <= max) ||
        (v.is_uint64() && v.get_uint64() <= max);
    if (!ok) {
      fail(key,
           "must be an integer from 0 to " + std::to_string(max) + ", got " + json::serialize(v));
    }
    return v.is_int64() ? static_cast<std::uint64_t>(v.get_int64()) : v.get_uint64();
  }
  int count(const json::object& o, const char* key) const {
    const auto& v = need(o, key);
    const auto n = integer(v, key, kMaxCount);
    if (n < 1) fail(key, "must be a positive integer, got " + json::serialize(v));
    return static_cast<int>(n);
  }
  double finite(const json::value& v, const std::string& field) const {
    if (!v.is_number()) fail(field, "must be a number, got " + json::serialize(v));
    const double x = v.to_number<double>();
    if (!std::isfinite(x)) fail(field, "must be finite");
    return x;
  }
};

}  // namespace

// Read by hand rather than with Boost.JSON's value_to: a bad file must be told the file, the
// layer, head, field and value at fault and the fix (value_to throws a bare "not a number"), and
// the numbers go through parse_json_exact (correctly rounded, Boost.JSON 1.81 is not).
ScalerTable parse_scalers(const std::string& text, const std::string& origin) {
  json::error_code ec;
  const json::value root = parse_json_exact(text, ec);
  if (ec) throw InputError(origin + ": not valid JSON: " + ec.message());
  if (!root.is_object()) throw InputError(origin + ": a scalers file must be a JSON object");
  const auto& o = root.as_object();
  const Parser p{origin};
  const auto& fmt = p.need(o, "format");
  if (!fmt.is_string() || fmt.as_string() != kScalersFormat) {
    p.fail("format",
           std::string("must be \"") + kScalersFormat + "\", got " + json::serialize(fmt));
  }
  const auto& ver = p.need(o, "version");
  if (!ver.is_number() || ver.to_number<double>() != kScalersVersion) {
    p.fail("version",
           "must be " + std::to_string(kScalersVersion) + ", got " + json::serialize(ver));
  }
  ScalerTable t;
  t.layers = p.count(o, "layers");
  t.heads = p.count(o, "heads");
  if (const auto* m = o.if_contains("method"); m && m->is_string())
    t.method = std::string(m->as_string());
  if (const auto* m = o.if_contains("trace"); m && m->is_string())
    t.trace = std::string(m->as_string());
  if (const auto* m = o.if_contains("calibration_tokens")) {
    t.calibration_tokens =
        p.integer(*m, "calibration_tokens", std::numeric_limits<std::uint64_t>::max());
  }
  const auto& sv = p.need(o, "scalers");
  if (!sv.is_array() || sv.as_array().size() != static_cast<std::size_t>(t.layers)) {
    p.fail("scalers",
           "must be an array of " + std::to_string(t.layers) + " layers (field 'layers')");
  }
  // Every layer's shape is checked before the table is allocated: the counts alone may ask
  // for 2^40 entries.
  for (int l = 0; l < t.layers; ++l) {
    const auto& lv = sv.as_array()[static_cast<std::size_t>(l)];
    if (!lv.is_array() || lv.as_array().size() != static_cast<std::size_t>(t.heads)) {
      p.fail("scalers[" + std::to_string(l) + "]",
             "must be an array of " + std::to_string(t.heads) + " heads (field 'heads')");
    }
  }
  t.entries.resize(static_cast<std::size_t>(t.layers) * static_cast<std::size_t>(t.heads));
  for (int l = 0; l < t.layers; ++l) {
    const auto& lv = sv.as_array()[static_cast<std::size_t>(l)];
    const std::string lf = "scalers[" + std::to_string(l) + "]";
    for (int h = 0; h < t.heads; ++h) {
      const auto& hv = lv.as_array()[static_cast<std::size_t>(h)];
      const std::string hf = lf + "[" + std::to_string(h) + "]";
      if (!hv.is_object())
        p.fail(hf,
               "must be an object {\"q\": [gain, offset], \"k\": ..., \"v\": ..., \"out\": ...}");
      for (int i = 0; i < 4; ++i) {
        const std::string f = hf + "." + kNames[i];
        const auto* e = hv.as_object().if_contains(kNames[i]);
        if (!e) p.fail(f, "is missing");
        if (!e->is_array() || e->as_array().size() != 2)
          p.fail(f, "must be [gain, offset], got " + json::serialize(*e));
        AffineScaler* s = member(t.at(l, h), i);
        s->gain = p.finite(e->as_array()[0], f + "[0]");
        s->offset = p.finite(e->as_array()[1], f + "[1]");
      }
      for (const auto& kv : hv.as_object()) {
        const std::string k(kv.key());
        if (k != "q" && k != "k" && k != "v" && k != "out")
          p.fail(hf + "." + k, "is not a scaler (q, k, v, out)");
      }
    }
  }
  return t;
}

ScalerTable read_scalers(const std::string& path) {
  return parse_scalers(io::read_input_file(path, kMaxScalersBytes, "a scalers file (JSON)"), path);
}

std::string scalers_to_json(const ScalerTable& t) {
  json::object o;
  o["format"] = kScalersFormat;
  o["version"] = kScalersVersion;
  o["method"] = t.method;
  o["trace"] = t.trace;
  o["calibration_tokens"] = t.calibration_tokens;
  o["layers"] = t.layers;
  o["heads"] = t.heads;
  o["_doc"] =
      "Per-layer, per-head affine scalers x_hw = gain * x + offset (PAPER.md section 3), "
      "[layer][head]{q, k, v, out: [gain, offset]}; docs/report-format.md";
  json::array layers;
  for (int l = 0; l < t.layers; ++l) {
    json::array heads;
    for (int h = 0; h < t.heads; ++h) {
      const HeadScalers& s = t.at(l, h);
      heads.push_back(
          json::object{{"q", pair(s.q)}, {"k", pair(s.k)}, {"v", pair(s.v)}, {"out", pair(s.out)}});
    }
    layers.push_back(std::move(heads));
  }
  o["scalers"] = std::move(layers);
  return report::pretty_json(o);
}

void write_scalers(const std::string& path, const ScalerTable& t) {
  io::write_file_atomic(path, scalers_to_json(t));
}

}  // namespace gcattn
