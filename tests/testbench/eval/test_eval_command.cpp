// gcattn eval and gcattn generate end to end on the shipped models (traces/models): the hardware
// model closed loop on the accelerator against its host attention, the softmax baseline on the
// host, generation, the error cases and an interrupted eval. Short texts written for the tests.
#include <catch2/catch.hpp>

#include <chrono>
#include <cmath>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include <boost/json.hpp>

#include "eval/model_card.h"
#include "eval/text_source.h"
#include "support/process.h"
#include "testbench/player/player_support.h"

using namespace gcattn;
namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

const std::string kHw = std::string(GCATTN_SOURCE_DIR) + "/traces/models/shakespeare-gpt2-gaincell";
const std::string kSoftmax =
    std::string(GCATTN_SOURCE_DIR) + "/traces/models/shakespeare-gpt2-softmax-1k";

// Test text in the style of the training data (not from it).
const char* kText =
    "KING:\nWhat news from the north, good cousin? Speak it plain.\n\n"
    "MESSENGER:\nMy lord, the rebels gather by the river,\nAnd every town between "
    "here and the sea\nDoth ring its bells to call the farmers out.\n\n"
    "KING:\nThen let them ring; we shall be there by morning.\n";

void write(const fs::path& p, const std::string& s) {
  std::ofstream(p, std::ios::binary) << s;
}

json::object read_json(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return json::parse(ss.str()).as_object();
}

double num(const json::value& v) {
  return v.to_number<double>();
}

}  // namespace

TEST_CASE(
    "eval runs the hardware model closed loop on the accelerator and agrees with its host "
    "attention",
    "[eval]") {
  test::TempDir dir("eval_both");
  write(dir / "t.txt", kText);
  const auto r = test::run_process(
      test::gcattn_command("eval --model '" + kHw + "' --text '" + (dir / "t.txt").string() +
                           "' --attention both --report-json '" + (dir / "r.json").string() + "'"));
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  const json::object rep = read_json(dir / "r.json");
  const json::object& ev = rep.at("eval").as_object();
  const double tokens = num(ev.at("tokens"));
  CHECK(tokens == static_cast<double>(std::string(kText).size() - 1));  // byte-level tokens
  const double ppl = num(ev.at("perplexity")), host_ppl = num(ev.at("host").at("perplexity"));
  CHECK(ev.at("attention").as_string() == "accelerator");
  CHECK(ev.at("host").at("attention").as_string() == "host-gaincell");
  CHECK(ppl > 1.0);
  CHECK(ppl < 30.0);  // a trained model, far below the 257 of a uniform guess
  CHECK(std::abs(std::log(num(ev.at("nll_nats_per_token")) / std::log(ppl))) < 1e-9);
  CHECK(num(ev.at("bits_per_byte")) == Approx(num(ev.at("nll_nats_per_token")) / std::log(2.0)));
  // The simulator and the training-time function agree (issue target: within 1 %).
  CHECK(std::abs(ppl / host_ppl - 1.0) < 0.01);
  CHECK(num(ev.at("top1_agreement")) > 0.95);
  // Every attention went through the host interface: one layer step per token and layer.
  CHECK(num(rep.at("timing").at("layer_steps")) == tokens * 4);
  CHECK(num(rep.at("energy").at("per_token_pj")) > 0.0);
  CHECK(rep.at("gpu").at("rows").as_array().size() > 0);
  CHECK(rep.at("model").at("attention").as_string() == "gaincell");
  CHECK(rep.at("complete").as_bool());
}

TEST_CASE("eval of the softmax baseline on the host, and --tokens", "[eval]") {
  test::TempDir dir("eval_softmax");
  write(dir / "t.txt", kText);
  const auto r = test::run_process(test::gcattn_command(
      "eval --model '" + kSoftmax + "' --text '" + (dir / "t.txt").string() +
      "' --attention host --tokens 50 --report-json '" + (dir / "r.json").string() + "'"));
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  const json::object rep = read_json(dir / "r.json");
  const json::object& ev = rep.at("eval").as_object();
  CHECK(num(ev.at("tokens")) == 50);
  CHECK(ev.at("attention").as_string() == "host-softmax");
  CHECK(num(ev.at("perplexity")) > 1.0);
  CHECK(num(ev.at("perplexity")) < 30.0);
  CHECK(rep.count("timing") == 0);  // nothing simulated
}

TEST_CASE("generate runs closed loop on the accelerator and reports latency, energy and speed",
          "[eval]") {
  const auto r = test::run_process(test::gcattn_command(
      "generate --model '" + kHw + "' --prompt 'KING:' --tokens 24 --seed 3 --top-k 5"));
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK(r.output.rfind("KING:", 0) == 0);
  CHECK_THAT(r.output, Catch::Contains("nJ per token"));
  CHECK_THAT(r.output, Catch::Contains("tokens/s"));
  // Seeded sampling reproduces.
  const auto again = test::run_process(test::gcattn_command(
      "generate --model '" + kHw + "' --prompt 'KING:' --tokens 24 --seed 3 --top-k 5"));
  CHECK(again.output.substr(0, again.output.find("---")) ==
        r.output.substr(0, r.output.find("---")));
}

TEST_CASE("eval and generate refuse bad input with the file named and a distinct exit code",
          "[eval]") {
  test::TempDir dir("eval_bad");
  write(dir / "t.txt", kText);
  write(dir / "empty.txt", "");
  write(dir / "latin1.txt", std::string("caf\xe9 au lait\n"));
  fs::create_directories(dir / "noweights");
  fs::copy(kHw + "/config.json", dir / "noweights/config.json");
  fs::create_directories(dir / "noscalers");
  for (const char* f : {"config.json", "model.safetensors", "vocab.json", "merges.txt"})
    fs::copy(kHw + "/" + f, dir / "noscalers" / f);
  write(dir / "noscalers/gcattn.json", R"({"attention": "gaincell", "scalers": "scalers.json"})");
  const std::string text = " --text '" + (dir / "t.txt").string() + "'";
  struct Case {
    std::string args;
    int code;
    std::string says;
  };
  const Case cases[] = {
      {"eval --model '" + kHw + "' --text '" + (dir / "empty.txt").string() + "'", 4,
       "empty.txt: the text is empty"},
      {"eval --model '" + kHw + "' --text '" + (dir / "latin1.txt").string() + "'", 4,
       "latin1.txt: not UTF-8"},
      {"eval --model '" + (dir / "noweights").string() + "'" + text, 4, "noweights"},
      {"eval --model '" + (dir / "noscalers").string() + "'" + text, 4, "without its scalers"},
      {"eval --model '" + kHw + "'" + text + " --set array.rows=32", 4, "head dimension 64"},
      {"eval --model '" + kHw + "'" + text + " --tokens 100000", 4, "beyond the text"},
      {"eval --model '" + kSoftmax + "'" + text, 4, "softmax model"},
      {"eval --model '" + kHw + "'" + text + " --attention gpu", 2, "--attention"},
      {"generate --model '" + kHw + "' --prompt x --tokens 5000", 2, "exceed the context"},
  };
  for (const Case& c : cases) {
    const auto r = test::run_process(test::gcattn_command(c.args));
    INFO(c.args << "\n" << r.output);
    CHECK(r.exit_code == c.code);
    CHECK_THAT(r.output, Catch::Contains(c.says));
    CHECK_THAT(r.output, !Catch::Contains("internal error"));
  }
}

TEST_CASE("an interrupted eval writes its partial report marked incomplete", "[eval]") {
  test::TempDir dir("eval_interrupt");
  std::string long_text;
  while (long_text.size() < 6000) long_text += kText;
  write(dir / "t.txt", long_text);
  const fs::path rep = dir / "r.json";
  const pid_t pid =
      test::spawn_gcattn("eval --model '" + kHw + "' --text '" + (dir / "t.txt").string() +
                             "' --report-json '" + rep.string() + "'",
                         (dir / "log").string());
  REQUIRE(pid > 0);
  REQUIRE(test::wait_for_handler(pid, SIGINT, std::chrono::seconds(20)));
  std::this_thread::sleep_for(std::chrono::milliseconds(800));
  ::kill(pid, SIGINT);
  CHECK(test::wait_process(pid) == 130);
  REQUIRE(fs::exists(rep));
  const json::object r = read_json(rep);
  CHECK_FALSE(r.at("complete").as_bool());
  CHECK_FALSE(r.at("eval").at("complete").as_bool());
  CHECK(num(r.at("eval").at("tokens")) < long_text.size() - 1);
  CHECK(num(r.at("timing").at("layer_steps")) == num(r.at("eval").at("tokens")) * 4);
}

TEST_CASE("eval texts are cut into chunks of the context, every token but the first predicted once",
          "[eval]") {
  const auto c = eval::make_chunks(2500, 1024);
  REQUIRE(c.size() == 3);
  CHECK(c[0].begin == 0);
  CHECK(c[0].length == 1024);
  CHECK(c[1].begin == 1024);
  CHECK(c[2].begin == 2048);
  CHECK(c[2].length == 452);
  CHECK(eval::make_chunks(0, 1024).empty());
}

TEST_CASE("a model card names the attention kind, and a gaincell card its scalers", "[eval]") {
  test::TempDir dir("eval_card");
  CHECK_FALSE(eval::read_model_card(dir.path().string()).hardware());  // no card: softmax
  write(
      dir / "gcattn.json",
      R"({"attention": "gaincell", "scalers": "s.json", "training": {"decay_per_token": 0.001}})");
  CHECK_THROWS_WITH(eval::read_model_card(dir.path().string()),
                    Catch::Contains("gcattn.json") && Catch::Contains("s.json"));
  write(dir / "s.json", "{}");
  const eval::ModelCard card = eval::read_model_card(dir.path().string());
  CHECK(card.hardware());
  CHECK(card.decay_per_token == 0.001);
  CHECK(card.preset == "paper");
  write(dir / "gcattn.json", R"({"attention": "spiking"})");
  CHECK_THROWS_WITH(eval::read_model_card(dir.path().string()), Catch::Contains("'attention'"));
}

TEST_CASE("eval --seeds N: chips with their own variation and noise, mean and spread",
          "[eval][variation]") {
  test::TempDir dir("eval_seeds");
  write(dir / "t.txt", kText);
  const std::string base = "eval --model '" + kHw + "' --text '" + (dir / "t.txt").string() +
                           "' --attention host --tokens 96 --seeds 3";
  // Read noise and cell gain spread: each chip scores the text differently.
  const auto noisy = test::run_process(test::gcattn_command(
      base + " --set noise.read_sigma=0.05 --set variation.cell_gain_sigma=0.05 --report-json '" +
      (dir / "noisy.json").string() + "'"));
  INFO(noisy.output);
  REQUIRE(noisy.exit_code == 0);
  CHECK_THAT(noisy.output, Catch::Matchers::Contains("Monte Carlo over 3 chips"));
  const json::object report = read_json(dir / "noisy.json");
  const json::object& mc = report.at("eval").at("monte_carlo").as_object();
  CHECK(num(mc.at("chips")) == 3);
  const json::array& seeds = mc.at("seeds").as_array();
  REQUIRE(seeds.size() == 3);
  std::set<double> ppls;
  for (std::size_t i = 0; i < seeds.size(); ++i) {
    CHECK(num(seeds[i].at("variation_seed")) == num(seeds[0].at("variation_seed")) + i);
    CHECK(num(seeds[i].at("noise_seed")) == num(seeds[0].at("noise_seed")) + i);
    ppls.insert(num(seeds[i].at("perplexity")));
  }
  CHECK(ppls.size() == 3);  // three different chips
  const json::object& s = mc.at("summary").at("perplexity").as_object();
  CHECK(num(s.at("min")) == *ppls.begin());
  CHECK(num(s.at("max")) == *ppls.rbegin());
  CHECK(num(s.at("mean")) > num(s.at("min")));
  CHECK(num(s.at("std")) > 0.0);
  // Chip 0 is the run itself.
  CHECK(num(seeds[0].at("perplexity")) == num(report.at("eval").at("perplexity")));
  // Every sigma zero (the preset): every chip is the nominal one.
  const auto nominal = test::run_process(
      test::gcattn_command(base + " --report-json '" + (dir / "nominal.json").string() + "'"));
  INFO(nominal.output);
  REQUIRE(nominal.exit_code == 0);
  const json::object nominal_report = read_json(dir / "nominal.json");
  const json::object& n = nominal_report.at("eval").at("monte_carlo").at("summary").as_object();
  CHECK(num(n.at("perplexity").at("std")) == 0.0);
  CHECK(num(n.at("perplexity").at("min")) == num(n.at("perplexity").at("max")));
}
