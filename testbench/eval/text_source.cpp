#include "eval/text_source.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "base/errors.h"
#include "trace/utf8.h"

namespace gcattn::eval {

std::string read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path + ": cannot open the text file");
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  if (text.empty()) throw InputError(path + ": the text is empty; give a file with text to score");
  const std::size_t bad = trace::first_invalid_utf8(text);
  if (bad != text.size()) {
    throw InputError(path + ": not UTF-8 text (invalid byte sequence at byte offset " +
                     std::to_string(bad) + "); convert it with iconv -t UTF-8");
  }
  return text;
}

std::vector<Chunk> make_chunks(std::size_t predictions, std::size_t context) {
  std::vector<Chunk> chunks;
  for (std::size_t b = 0; b < predictions; b += context)
    chunks.push_back({b, std::min(context, predictions - b)});
  return chunks;
}

}  // namespace gcattn::eval
