// The traces shipped in traces/*.safetensors that were recorded from a model: their q, k, v and
// attn_out must equal what the engine computes from the shipped checkpoint (model_dir in the
// metadata, relative to the repository root, or traces/models/<model>).
#include <catch2/catch.hpp>

#include <filesystem>

#include "eval/host_attention.h"
#include "eval/model_card.h"
#include "gpt2/checkpoint.h"
#include "gpt2/trace_recorder.h"
#include "trace/trace_file.h"

namespace fs = std::filesystem;
using namespace gcattn;

TEST_CASE("shipped GPT-2 traces equal what the engine computes", "[gpt2][trace][shipped]") {
  const fs::path root(GCATTN_SOURCE_DIR);
  int checked = 0;
  for (const auto& e : fs::directory_iterator(root / "traces")) {
    if (e.path().extension() != ".safetensors") continue;
    const trace::TraceReader tr(e.path().string());
    if (tr.meta().synthetic) continue;
    const auto it = tr.meta().extra.find("model_dir");
    REQUIRE(it != tr.meta().extra.end());
    fs::path dir(it->second);
    if (dir.is_relative()) dir = root / dir;
    if (!fs::is_directory(dir))
      dir = root / "traces" / "models" / tr.meta().model;  // recorded elsewhere
    INFO(e.path().string() << " recorded from " << dir.string());
    REQUIRE(fs::is_directory(dir));  // a shipped trace must name a shipped model
    const gpt2::Checkpoint ck = gpt2::load_checkpoint(dir.string());
    // A gain-cell model's trace was recorded with its own attention (its gcattn.json).
    const eval::ModelAttention attention = eval::model_attention(
        eval::read_model_card(dir.string()), ck.config().n_layer, ck.config().n_head, 0);
    const gpt2::VerifyResult r = gpt2::verify_trace(ck, tr, 0, 1e-5, attention.hook.get());
    INFO(r.first_failure);
    CHECK(r.ok);
    for (int f = 0; f < 3; ++f) CHECK(r.field[f].present);
    ++checked;
  }
  // The trace of the README's main command (the hardware model's) is one of them.
  CHECK(fs::exists(root / "traces" / "shakespeare-gpt2-gaincell.safetensors"));
  CHECK(checked >= 1);
}
