#pragma once
// Reference attention models to measure the accelerator against.
#include <cstdint>

namespace gcattn {

/// Causal softmax attention of one query over n tokens, as GPT-2 computes it:
/// out = softmax(q . K^T / sqrt(d)) . V. K and V are row-major [n][d]. Double precision.
void softmax_attention(const float* q, const float* k, const float* v, int n, int d, double* out);

/// Cosine similarity and relative RMS error ||x - ref|| / ||ref|| of two vectors.
double cosine_similarity(const double* x, const double* ref, std::size_t n);
double relative_rms_error(const double* x, const double* ref, std::size_t n);

}  // namespace gcattn
