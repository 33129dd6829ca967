#include "report/json_text.h"

#include <charconv>
#include <cmath>
#include <string>

namespace gcattn::report {
namespace json = boost::json;
namespace {

void put_number(std::string& out, double x) {
  if (!std::isfinite(x)) {
    out += "null";
    return;
  }
  if (x == 0.0 && std::signbit(x)) {
    out += "-0.0";  // "-0" would read back as the integer 0
    return;
  }
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, x);
  out.append(buf, r.ptr);
}

void put_string(std::string& out, json::string_view s) {
  out += json::serialize(json::value(s));
}

bool is_scalar(const json::value& v) {
  return !v.is_object() && !v.is_array();
}

void put(std::string& out, const json::value& v, int indent) {
  const std::string pad(static_cast<std::size_t>(indent) * 2, ' ');
  switch (v.kind()) {
    case json::kind::null:
      out += "null";
      break;
    case json::kind::bool_:
      out += v.get_bool() ? "true" : "false";
      break;
    case json::kind::int64:
      out += std::to_string(v.get_int64());
      break;
    case json::kind::uint64:
      out += std::to_string(v.get_uint64());
      break;
    case json::kind::double_:
      put_number(out, v.get_double());
      break;
    case json::kind::string:
      put_string(out, v.get_string());
      break;
    case json::kind::array: {
      const auto& a = v.get_array();
      if (a.empty()) {
        out += "[]";
        break;
      }
      bool flat = true;
      for (const auto& e : a) flat = flat && is_scalar(e);
      if (flat) {
        out += "[";
        for (std::size_t i = 0; i < a.size(); ++i) {
          if (i) out += ", ";
          put(out, a[i], indent);
        }
        out += "]";
        break;
      }
      out += "[\n";
      for (std::size_t i = 0; i < a.size(); ++i) {
        out += pad + "  ";
        put(out, a[i], indent + 1);
        out += i + 1 < a.size() ? ",\n" : "\n";
      }
      out += pad + "]";
      break;
    }
    case json::kind::object: {
      const auto& o = v.get_object();
      if (o.empty()) {
        out += "{}";
        break;
      }
      out += "{\n";
      std::size_t i = 0;
      for (const auto& kv : o) {
        out += pad + "  ";
        put_string(out, kv.key());
        out += ": ";
        put(out, kv.value(), indent + 1);
        out += ++i < o.size() ? ",\n" : "\n";
      }
      out += pad + "}";
      break;
    }
  }
}

}  // namespace

std::string pretty_json(const json::value& v) {
  std::string out;
  put(out, v, 0);
  out += "\n";
  return out;
}

json::value json_number(double x) {
  if (!std::isfinite(x)) return nullptr;
  return x;
}

}  // namespace gcattn::report
