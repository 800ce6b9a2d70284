// RMS normalisation of fp32 rows: out = weight * (x / sqrt(mean(x^2) + eps)).
#pragma once

#include <cstddef>

#include "kernels/cpu/linear.hpp"

namespace recur::kernels::cpu {

// For each of n_tokens rows of width dim. The mean of squares is accumulated in double, so the
// result is the fp32 rounding of the exact normalisation. `out` may alias `x`.
void rmsnorm(Rows x, std::size_t n_tokens, std::size_t dim, const float* weight, float eps,
             MutableRows out);

}  // namespace recur::kernels::cpu
