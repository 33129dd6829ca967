#pragma once
// The NaN/infinity scan of float32 data arriving from outside: the host interface checks every
// burst written to its data windows (about 2,300 words a GPT-2-small layer step, also in
// timing-only runs), DMA rows and windows written through DMI before a command.
#include <cstddef>

namespace gcattn {

/// Index of the first float32 word in [p, p + words) that is NaN or infinite (an all-ones
/// exponent); `words` if none. p needs no alignment. Sixteen words at a time with AVX-512 where
/// the CPU has it.
std::size_t first_nonfinite_f32(const void* p, std::size_t words);

}  // namespace gcattn
