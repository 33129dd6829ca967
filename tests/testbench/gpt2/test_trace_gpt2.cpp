// `gcattn trace gpt2 | synth | info | verify`: traces recorded by the engine hold exactly what an
// independent implementation computes; the command line reports bad input with exit codes.
#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "base/errors.h"
#include "cli/commands.h"
#include "gpt2/checkpoint.h"
#include "gpt2/trace_recorder.h"
#include "support/partial_files.h"
#include "testbench/gpt2/tiny_gpt2.h"
#include "trace/half.h"
#include "trace/trace_file.h"

using namespace gcattn;
namespace fs = std::filesystem;

namespace {

struct Run {
  int code;
  std::string out, err;
};

Run run(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  const int code = cli::run_cli(args, out, err);
  return {code, out.str(), err.str()};
}

std::size_t argmax(const std::vector<double>& v) {
  return static_cast<std::size_t>(std::max_element(v.begin(), v.end()) - v.begin());
}

}  // namespace

TEST_CASE("trace gpt2 records what an independent implementation computes", "[gpt2][trace][cli]") {
  const auto dir = testing::temp_dir("trace-gpt2");
  testing::TinySpec spec;
  spec.dtype = trace::DType::F16;
  const auto w = testing::write_tiny_checkpoint(dir / "model", spec);
  const std::string out = (dir / "t.safetensors").string();
  const Run r = run({"trace", "gpt2", "--model", (dir / "model").string(), "--prompt", "Oh the",
                     "--tokens", "24", "-o", out, "--quiet"});
  INFO(r.err);
  REQUIRE(r.code == 0);
  const trace::TraceReader tr(out);
  const trace::TraceMeta& m = tr.meta();
  CHECK(m.tokens == 24);
  CHECK(m.prompt_length == 3);  // "Oh", " the" -> 'O', 'h', " the"
  CHECK(m.layers == 2);
  CHECK(m.heads == 2);
  CHECK(m.d_head == 8);
  CHECK(m.context_length == 40);
  CHECK(m.vocab_size == 260);
  CHECK(m.model == "model");
  CHECK(m.prompt == "Oh the");
  CHECK(m.extra.at("decoding") == "greedy");
  CHECK(m.tool_args.at(0) == "--model");
  CHECK(r.out.rfind(m.text, 0) == 0);  // the text is printed first
  CHECK(m.text.rfind("Oh the", 0) == 0);
  CHECK(tr.has_attn_out());

  // Teacher-forced reference over the recorded tokens: q, k, v, attn_out, and greedy choices.
  std::vector<int> ids;
  for (auto id : tr.token_ids()) ids.push_back(id);
  CHECK(std::vector<int>(ids.begin(), ids.begin() + 3) == std::vector<int>{'O', 'h', 258});
  const auto ref = testing::reference_forward(w, 2, 2, 16, 260, ids);
  double worst = 0;
  std::vector<float> row(m.row());
  for (std::size_t t = 0; t < ids.size(); ++t) {
    const std::vector<double>* want[4] = {&ref.q[t], &ref.k[t], &ref.v[t], &ref.attn_out[t]};
    for (int f = 0; f < 4; ++f) {
      tr.read_token(static_cast<trace::Field>(f), t, row.data());
      for (std::size_t i = 0; i < row.size(); ++i)
        worst = std::max(worst, std::fabs(row[i] - (*want[f])[i]));
    }
    if (t + 1 < ids.size() && t + 1 >= 3)
      CHECK(static_cast<std::size_t>(ids[t + 1]) == argmax(ref.logits[t]));
  }
  CHECK(worst < 1e-4);

  const Run v = run({"trace", "verify", out, "--model", (dir / "model").string()});
  INFO(v.out << v.err);
  CHECK(v.code == 0);
  CHECK_THAT(v.out, Catch::Contains("ok: every value within tolerance"));

  // A tampered value is caught by verify with its location.
  {
    trace::Metadata meta;
    auto ts = testing::load_tensors(out, &meta);
    for (auto& t : ts) {
      if (t.spec.name == "k")
        t.bytes[4 * (5 * m.row() + 9) + 3] ^= 0x08;  // F32 exponent bit of [5, 0, 1, 1]
    }
    trace::write_safetensors((dir / "tampered.safetensors").string(), ts, meta);
  }
  const Run bad = run({"trace", "verify", (dir / "tampered.safetensors").string(), "--model",
                       (dir / "model").string()});
  CHECK(bad.code == gcattn::kExitInput);
  CHECK_THAT(bad.err, Catch::Contains("k [token 5, layer 0, head 1, dim 1]"));

  const Run info = run({"trace", "info", out});
  CHECK(info.code == 0);
  CHECK_THAT(info.out, Catch::Contains("24 (prompt 3, generated 21)") &&
                           Catch::Contains("2 layers x 2 heads x d_head 8") &&
                           Catch::Contains("per-layer statistics"));
}

TEST_CASE(
    "trace gpt2: seeded sampling is reproducible, F16 and F32 storage, empty prompt, prompt file",
    "[gpt2][trace][cli]") {
  const auto dir = testing::temp_dir("trace-sample");
  testing::write_tiny_checkpoint(dir / "m", {});
  const auto gen = [&](const std::string& name, std::vector<std::string> extra) {
    std::vector<std::string> a = {"trace",    "gpt2", "--model", (dir / "m").string(),
                                  "--tokens", "30",   "-o",      (dir / name).string(),
                                  "--quiet"};
    a.insert(a.end(), extra.begin(), extra.end());
    const Run r = run(a);
    INFO(r.err);
    REQUIRE(r.code == 0);
    return trace::TraceReader((dir / name).string()).token_ids();
  };
  const auto a =
      gen("a", {"--prompt", "x", "--top-k", "50", "--temperature", "1.5", "--seed", "3"});
  const auto b =
      gen("b", {"--prompt", "x", "--top-k", "50", "--temperature", "1.5", "--seed", "3"});
  const auto c =
      gen("c", {"--prompt", "x", "--top-k", "50", "--temperature", "1.5", "--seed", "4"});
  const auto g = gen("g", {"--prompt", "x", "--no-attn-out", "--threads", "1"});
  CHECK(a == b);
  CHECK(a != c);
  CHECK(a != g);
  const trace::TraceReader tg((dir / "g").string());
  CHECK_FALSE(tg.has_attn_out());
  CHECK(tg.dtype(trace::Field::Q) == trace::DType::F32);
  CHECK(tg.meta().extra.at("decoding") == "greedy");
  CHECK(trace::TraceReader((dir / "a").string()).meta().extra.at("decoding") ==
        "sample top_k=50 temperature=1.5 seed=3");
  const auto e = gen("e", {"--prompt", ""});
  CHECK(e.at(0) == 259);  // starts from <|endoftext|>
  std::ofstream(dir / "prompt.txt") << " the the";
  const auto pf = gen("pf", {"--prompt-file", (dir / "prompt.txt").string()});
  CHECK(std::vector<int>(pf.begin(), pf.begin() + 2) == std::vector<int>{258, 258});
  // F16 storage: the values are the engine's rounded to F16, and verify accepts them.
  const auto h = gen("h", {"--prompt", "x", "--dtype", "f16"});
  CHECK(h == g);
  const trace::TraceReader th((dir / "h").string()), tf((dir / "g").string());
  CHECK(th.dtype(trace::Field::V) == trace::DType::F16);
  for (std::size_t t = 0; t < 30; t += 7) {
    for (int l = 0; l < 2; ++l) {
      const float* a16 = th.v(t, l, 1);
      const float* a32 = tf.v(t, l, 1);
      for (int d = 0; d < 8; ++d)
        CHECK(a16[d] == trace::half_to_float(trace::float_to_half(a32[d])));
    }
  }
  const Run v = run({"trace", "verify", (dir / "h").string(), "--model", (dir / "m").string(),
                     "--tolerance", "0"});
  INFO(v.out << v.err);
  CHECK(v.code == 0);
}

TEST_CASE("trace command line: usage and input errors map to exit codes",
          "[gpt2][trace][cli][errors]") {
  const auto dir = testing::temp_dir("trace-cli-errors");
  testing::TinySpec s;
  s.n_positions = 16;
  testing::write_tiny_checkpoint(dir / "m", s);
  const std::string m = (dir / "m").string(), o = (dir / "o.safetensors").string();
  const auto code = [&](std::vector<std::string> a) { return run(a).code; };
  CHECK(code({"trace"}) == gcattn::kExitUsage);
  CHECK(code({"trace", "bogus"}) == gcattn::kExitUsage);
  CHECK(code({"trace", "--help"}) == 0);
  CHECK(code({"trace", "gpt2", "--help"}) == 0);
  CHECK(code({"trace", "gpt2", "--model", m, "--tokens", "5", "-o", o}) ==
        gcattn::kExitUsage);  // no prompt
  CHECK(code({"trace", "gpt2", "--model", m, "--prompt", "a", "--prompt-file", "f", "--tokens", "5",
              "-o", o}) == gcattn::kExitUsage);
  CHECK(code({"trace", "gpt2", "--model", m, "--prompt", "a", "--tokens", "0", "-o", o}) ==
        gcattn::kExitUsage);
  CHECK(code({"trace", "gpt2", "--model", m, "--prompt", "a", "--tokens", "5", "-o", o,
              "--temperature", "0"}) == gcattn::kExitUsage);
  CHECK(code({"trace", "gpt2", "--model", m, "--prompt", "a", "--tokens", "5", "-o", o, "--dtype",
              "f8"}) == gcattn::kExitUsage);
  CHECK(code({"trace", "gpt2", "--model", m, "--prompt", "a", "--tokens", "many", "-o", o}) ==
        gcattn::kExitUsage);
  const Run ctx =
      run({"trace", "gpt2", "--model", m, "--prompt", "a", "--tokens", "17", "-o", o, "--quiet"});
  CHECK(ctx.code == gcattn::kExitInput);
  CHECK_THAT(ctx.err, Catch::Contains("--tokens 17 exceeds the model's context (n_positions = 16"));
  const Run longp = run(
      {"trace", "gpt2", "--model", m, "--prompt", "abcdef", "--tokens", "3", "-o", o, "--quiet"});
  CHECK(longp.code == gcattn::kExitInput);
  CHECK_THAT(longp.err, Catch::Contains("the prompt is 6 tokens, more than --tokens 3"));
  const Run nomodel = run({"trace", "gpt2", "--model", (dir / "none").string(), "--prompt", "a",
                           "--tokens", "3", "-o", o});
  CHECK(nomodel.code == gcattn::kExitInput);
  CHECK_THAT(nomodel.err, Catch::Contains("not a directory"));
  const Run badutf = run(
      {"trace", "gpt2", "--model", m, "--prompt", "a\xC3", "--tokens", "3", "-o", o, "--quiet"});
  CHECK(badutf.code == gcattn::kExitInput);
  CHECK_THAT(badutf.err, Catch::Contains("--prompt: not valid UTF-8 (byte offset 1)"));
  std::ofstream(dir / "bad.txt", std::ios::binary) << "ok \xFF";
  const Run badfile = run({"trace", "gpt2", "--model", m, "--prompt-file",
                           (dir / "bad.txt").string(), "--tokens", "3", "-o", o});
  CHECK(badfile.code == gcattn::kExitInput);
  CHECK_THAT(badfile.err, Catch::Contains("bad.txt: not valid UTF-8 (byte offset 3)"));
  CHECK_FALSE(fs::exists(o));  // nothing written on failure

  CHECK(code({"trace", "synth", "--tokens", "4", "-o", o}) == gcattn::kExitUsage);  // no shape
  CHECK(code({"trace", "synth", "--shape", "gpt5", "--tokens", "4", "-o", o}) ==
        gcattn::kExitUsage);
  CHECK(code({"trace", "synth", "--shape", "gpt2", "--layers", "3", "--tokens", "4", "-o", o}) ==
        gcattn::kExitUsage);
  CHECK(code({"trace", "synth", "--shape", "gpt2", "--tokens", "4", "--distribution", "cauchy",
              "-o", o}) == gcattn::kExitUsage);
  const Run syn =
      run({"trace", "synth", "--shape", "gpt2-medium", "--tokens", "4", "--seed", "9", "-o", o});
  CHECK(syn.code == 0);
  CHECK(trace::TraceReader(o).meta().model == "synthetic-gpt2-medium");
  CHECK(trace::TraceReader(o).meta().layers == 24);
  const Run ver = run({"trace", "verify", o, "--model", m});
  CHECK(ver.code == gcattn::kExitInput);
  CHECK_THAT(ver.err, Catch::Contains("synthetic trace"));

  std::ofstream(dir / "junk.safetensors") << "not a trace at all";
  const Run junk = run({"trace", "info", (dir / "junk.safetensors").string()});
  CHECK(junk.code == gcattn::kExitInput);
  CHECK_THAT(junk.err, Catch::Contains("junk.safetensors") && Catch::Contains("not plausible"));
  CHECK(code({"trace", "info"}) == gcattn::kExitUsage);
}

TEST_CASE("the gcattn executable returns the input-error exit code for a bad trace",
          "[gpt2][trace][cli]") {
  const auto dir = testing::temp_dir("trace-exe");
  std::ofstream(dir / "x.safetensors") << "12345678";
  const std::string cmd = std::string(GCATTN_BINARY) + " trace info " +
                          (dir / "x.safetensors").string() + " >/dev/null 2>&1";
  const int status = std::system(cmd.c_str());
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == gcattn::kExitInput);
}

TEST_CASE("an interrupted recording leaves no file behind", "[gpt2][trace]") {
  const auto dir = testing::temp_dir("trace-stop");
  testing::write_tiny_checkpoint(dir / "m", {});
  const gpt2::Checkpoint ck = gpt2::load_checkpoint((dir / "m").string());
  volatile std::sig_atomic_t stop = 1;
  gpt2::RecordOptions o;
  o.prompt = "ab";
  o.tokens = 10;
  o.stop = &stop;
  const std::string out = (dir / "t.safetensors").string();
  const gpt2::RecordResult r = gpt2::record_trace(ck, o, out, nullptr);
  CHECK(r.interrupted);
  CHECK(r.tokens_done == 0);
  CHECK_FALSE(fs::exists(out));
  CHECK(test::partial_files(dir) == 0);
}
