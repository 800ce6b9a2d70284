// Dense layers: y = W x (+ b) for a block of tokens, the weights fp32 or bf16, activations fp32.
//
// Each output element is one dot product summed in a fixed order (16 interleaved partial sums, then
// a fixed pairwise reduction, then the tail), the same whatever the number of tokens, the batch
// composition or the thread count. A session's logits therefore do not depend on what it was
// batched with, nor on how its prompt was split into chunks.
#pragma once

#include <cstddef>

#include "kernels/cpu/thread_pool.hpp"
#include "kernels/element_type.hpp"

namespace recur::kernels::cpu {

// Strided rows of fp32 activations: token t starts at data + t * stride.
struct Rows {
  const float* data = nullptr;
  std::size_t stride = 0;
};

struct MutableRows {
  float* data = nullptr;
  std::size_t stride = 0;
};

// For t < n_tokens and r < w.rows: y[t][r] = sum_k w[r][k] * x[t][k] (+ bias[r] when bias != null).
void linear(const MatrixView& w, Rows x, std::size_t n_tokens, const float* bias, MutableRows y,
            ThreadPool& pool);

// The single dot product used by linear(), for tests and other kernels: sum_k w[k] * x[k].
float dot(ElementType type, const void* w, const float* x, std::size_t n);

}  // namespace recur::kernels::cpu
