// safetensors and KV-cache trace reader. Accepted files: tensors contiguous and inside the file,
// byte counts = elements x dtype size, the NaN scan agrees with the converted values, a trace's
// tokens read back finite (through the mapping and through pread, the same values) and its
// metadata survives a round trip.
#include <cmath>
#include <vector>

#include "base/errors.h"
#include "fuzz_support.h"
#include "trace/safetensors.h"
#include "trace/trace_file.h"

using namespace gcattn;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path =
      fuzz::scratch_file("t.safetensors", {reinterpret_cast<const char*>(data), size});
  try {
    const trace::SafetensorsFile f(path);
    std::size_t end = 0;
    for (const auto& t : f.tensors()) {
      FUZZ_CHECK(t.begin == end);  // no hole, no overlap
      end = t.end;
      FUZZ_CHECK(t.bytes() == t.elements() * trace::dtype_size(t.dtype));
      FUZZ_CHECK(8 + f.header_bytes() + t.end <= f.file_size());
      if (trace::is_float(t.dtype) && t.elements() <= 4096) {
        const std::vector<float> v = f.to_f32(t);
        FUZZ_CHECK(v.size() == t.elements());
        const auto bad = f.first_nonfinite(t);
        if (bad) {
          FUZZ_CHECK(*bad < v.size());
          // F64 values beyond the float range become infinite floats; NaN stays NaN.
          FUZZ_CHECK(!std::isfinite(v[*bad]));
        }
        for (std::size_t i = 0; i < (bad ? *bad : v.size()); ++i) {
          FUZZ_CHECK(std::isfinite(v[i]) || t.dtype == trace::DType::F64);
        }
      }
    }
    FUZZ_CHECK(8 + f.header_bytes() + end == f.file_size());
  } catch (const gcattn::InputError&) {
  }
  try {
    const trace::TraceReader tr(path);  // full NaN/Inf scan
    const trace::TraceMeta& m = tr.meta();
    FUZZ_CHECK(m.layers > 0 && m.heads > 0 && m.d_head > 0);
    FUZZ_CHECK(tr.token_ids().size() == m.tokens);
    std::vector<float> row(m.row()), streamed(m.row());
    const int fields = tr.has_attn_out() ? 4 : 3;
    for (std::size_t t = 0; t < m.tokens && t < 16; ++t) {
      for (int f = 0; f < fields; ++f) {
        tr.read_token(static_cast<trace::Field>(f), t, row.data());
        for (float x : row) FUZZ_CHECK(std::isfinite(x));
        // The replay's path (pread, its own scan) reads the same values.
        tr.stream_token(static_cast<trace::Field>(f), t, true, streamed.data());
        for (std::size_t i = 0; i < row.size(); ++i) FUZZ_CHECK(streamed[i] == row[i]);
      }
    }
    const trace::TraceMeta back = trace::TraceMeta::from_metadata(m.to_metadata(), path);
    FUZZ_CHECK(back.tokens == m.tokens && back.layers == m.layers && back.heads == m.heads &&
               back.d_head == m.d_head && back.text == m.text && back.model == m.model);
  } catch (const gcattn::InputError&) {
  }
  return 0;
}
