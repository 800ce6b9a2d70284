// The selective scan of a Mamba-1 mixer with its D skip and SiLU gate, continued from a saved
// state.
#pragma once

#include <cmath>
#include <cstddef>
#include <span>

#include "kernels/cpu/linear.hpp"
#include "kernels/cpu/sequence.hpp"

namespace recur::kernels::cpu {

struct SelectiveScanArgs {
  std::span<const SequenceSpan> sequences;  // state: [channels][N], updated in place
  std::size_t channels = 0;                 // d_inner
  std::size_t d_state = 0;                  // N
  Rows u;                                   // [T][channels]: the convolved, activated input x'
  Rows dt;                   // [T][channels]: dt_proj output including its bias, before softplus
  const float* A = nullptr;  // [channels][N]: A = -exp(A_log)
  Rows B;                    // [T][N]
  Rows C;                    // [T][N]
  const float* D = nullptr;  // [channels]
  Rows z;                    // [T][channels]: the gate
  MutableRows y;             // [T][channels]
};

// For every token t of each sequence, channel c and state index n:
//   delta = softplus(dt[t][c])
//   s[c][n] = exp(delta * A[c][n]) * s[c][n] + (delta * B[t][n]) * u[t][c]
//   y[t][c] = (sum_n s[c][n] * C[t][n] + D[c] * u[t][c]) * silu(z[t][c])
// The states move eight at a time with a polynomial exp (within 2e-7 of libm's); softplus and SiLU
// (vector_math.hpp) go eight channels at a time through the same exp; the sum over n runs in eight
// lanes added in a fixed order. Feeding T tokens at once gives bit-identical results
// to feeding them one call at a time, and a sequence's results do not depend on the others.
void selective_scan(const SelectiveScanArgs& args, ThreadPool& pool);

}  // namespace recur::kernels::cpu
