#pragma once
// exp() of the leakage factors, the same bits on every CPU and in every kernel.
//
// Why not std::exp: glibc picks its exp at load time (an FMA build on CPUs with FMA, another
// without), and the two may differ in the last bit; and the array kernels need eight of them at
// once, which a call per column made about a third of a read (docs/performance.md, seventh
// round). decay_exp is a table-driven exp in plain IEEE double operations (no FMA: both
// functions are compiled out of line with -ffp-contract=off), in a scalar and an AVX-512 form
// that perform the same operations in the same order, so they agree bit for bit. Accuracy: within
// one ulp of glibc's exp (which rounds correctly almost always), equal to it for about 98.6 % of
// arguments (tests/model/physics/test_decay_exp.cpp measures both).
#include <cstddef>

namespace gcattn {

/// e^x for any x. On [-700, 700] the algorithm above; beyond it (results below 1e-304 or above
/// 1e304) and for NaN, std::exp.
double decay_exp(double x);

/// y[i] = decay_exp(x[i]) for i < n, bit for bit; eight at a time on CPUs with AVX-512. y may
/// be x (in place).
void decay_exp_n(const double* x, double* y, std::size_t n);

}  // namespace gcattn
