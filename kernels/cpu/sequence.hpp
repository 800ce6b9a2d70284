// A batch of sequences laid out token after token in one activation block: sequence i owns tokens
// [first, first + count) and a recurrent state that the kernels continue from and update.
#pragma once

#include <cstddef>

namespace recur::kernels::cpu {

struct SequenceSpan {
  std::size_t first = 0;   // index of its first token in the block
  std::size_t count = 0;   // number of tokens
  float* state = nullptr;  // the kernel's per-sequence state
};

}  // namespace recur::kernels::cpu
