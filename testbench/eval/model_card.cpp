#include "eval/model_card.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <boost/json.hpp>

#include "base/errors.h"

namespace gcattn::eval {
namespace json = boost::json;
namespace fs = std::filesystem;

ModelCard read_model_card(const std::string& dir) {
  ModelCard card;
  const fs::path p = fs::path(dir) / "gcattn.json";
  if (!fs::exists(p)) return card;
  card.path = p.string();
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  auto bad = [&](const std::string& what) {
    return InputError(card.path + ": " + what +
                      " (the file scripts/train_hw_gpt2.py export writes; docs/model-flow.md)");
  };
  json::value v;
  try {
    v = json::parse(ss.str());
  } catch (const std::exception& e) {
    throw bad(std::string("not JSON: ") + e.what());
  }
  if (!v.is_object()) throw bad("expected a JSON object");
  const json::object& o = v.as_object();
  const json::value* kind = o.if_contains("attention");
  if (!kind || !kind->is_string()) throw bad("field 'attention' missing: softmax or gaincell");
  const std::string k(kind->as_string());
  if (k == "softmax") return card;
  if (k != "gaincell") throw bad("field 'attention' is '" + k + "': expected softmax or gaincell");
  card.attention = ModelCard::Attention::GainCell;
  if (const json::value* pr = o.if_contains("preset")) {
    if (!pr->is_string()) throw bad("field 'preset' must be a preset name");
    card.preset = std::string(pr->as_string());
  }
  if (const json::value* s = o.if_contains("set")) {
    if (!s->is_object()) throw bad("field 'set' must be an object {key: value}");
    for (const auto& [key, val] : s->as_object()) {
      card.overrides[std::string(key)] =
          val.is_string() ? std::string(val.as_string()) : json::serialize(val);
    }
  }
  const json::value* sc = o.if_contains("scalers");
  if (!sc || !sc->is_string() || sc->as_string().empty())
    throw bad("a gaincell model needs field 'scalers' naming its scalers file");
  card.scalers_path = (fs::path(dir) / std::string(sc->as_string())).string();
  if (!fs::exists(card.scalers_path))
    throw bad("the scalers file " + card.scalers_path +
              " does not exist: a hardware model without its scalers cannot run");
  if (const json::value* t = o.if_contains("training")) {
    if (const json::value* d =
            t->is_object() ? t->as_object().if_contains("decay_per_token") : nullptr) {
      if (!d->is_number() || d->to_number<double>() < 0.0)
        throw bad("field 'training.decay_per_token' must be a number >= 0");
      card.decay_per_token = d->to_number<double>();
    }
  }
  return card;
}

}  // namespace gcattn::eval
