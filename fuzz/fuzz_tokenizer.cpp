// GPT-2 tokenizer files and checkpoint header. The input is config.json, then vocab.json, then
// merges.txt, separated by lines "--8<--". Accepted checkpoints: positive sizes with n_embd a
// multiple of n_head. Accepted tokenizers: every id the encoder returns is in the vocabulary
// and decoding gives back the text. The shipped tokenizer encodes the raw input and decodes it
// back byte for byte.
#include <optional>
#include <string>
#include <vector>

#include "base/errors.h"
#include "fuzz_support.h"
#include "gpt2/checkpoint.h"
#include "gpt2/tokenizer.h"
#include "trace/utf8.h"

using namespace gcattn;

namespace {

void check_round_trip(const gpt2::Tokenizer& tok, std::string_view text) {
  const std::vector<int> ids = tok.encode(text);
  for (int id : ids) FUZZ_CHECK(id >= 0 && static_cast<std::size_t>(id) < tok.size());
  FUZZ_CHECK(tok.decode(ids) == text);
}

const gpt2::Tokenizer& shipped() {
  static const gpt2::Tokenizer t =
      gpt2::Tokenizer::load(GCATTN_SOURCE_DIR "/traces/models/shakespeare-gpt2-mini/vocab.json",
                            GCATTN_SOURCE_DIR "/traces/models/shakespeare-gpt2-mini/merges.txt");
  return t;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const auto [config, rest] = fuzz::split(in, "\n--8<--\n");
  const auto [vocab, merges] = fuzz::split(rest, "\n--8<--\n");
  try {
    const gpt2::Gpt2Config c = gpt2::Gpt2Config::parse(config, "config.json");
    FUZZ_CHECK(c.n_layer > 0 && c.n_head > 0 && c.n_embd > 0 && c.n_positions > 0 &&
               c.vocab_size > 0);
    FUZZ_CHECK(c.n_embd % c.n_head == 0);
  } catch (const gcattn::InputError&) {
  }
  // Input is valid UTF-8 by contract (the CLI checks prompts first).
  const bool utf8 = trace::first_invalid_utf8(std::string(in)) == in.size();
  if (!rest.empty()) {
    try {
      const gpt2::Tokenizer tok = gpt2::Tokenizer::load(fuzz::scratch_file("vocab.json", vocab),
                                                        fuzz::scratch_file("merges.txt", merges));
      // A vocabulary need not cover every byte; when it does, any text round-trips.
      if (utf8 && tok.size() >= 256) {
        try {
          check_round_trip(tok, config);
        } catch (const gcattn::InputError&) {  // a byte the vocabulary lacks
        }
      }
    } catch (const gcattn::InputError&) {
    }
  }
  if (utf8) check_round_trip(shipped(), in);
  return 0;
}
