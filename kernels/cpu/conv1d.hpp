// The causal depthwise convolution of a Mamba mixer, continued from a rolling state, with SiLU.
#pragma once

#include <cstddef>
#include <span>

#include "kernels/cpu/linear.hpp"
#include "kernels/cpu/sequence.hpp"

namespace recur::kernels::cpu {

struct CausalConvArgs {
  std::span<const SequenceSpan>
      sequences;  // state: [channels][K-1], the previous inputs, oldest first
  Rows x;         // [T][channels] raw inputs (before the convolution)
  std::size_t channels = 0;
  std::size_t kernel = 0;         // K: taps per channel
  const float* weight = nullptr;  // [channels][K]; tap K-1 multiplies the current input
  const float* bias = nullptr;    // [channels] or null
  MutableRows out;                // [T][channels]: SiLU(sum_k weight[k] * window[k] + bias)
};

// For each sequence, runs the convolution over its tokens. The window of token t is the K-1 inputs
// before it (from the state for the first tokens) and x[t]; taps are summed in order k = 0..K-1,
// then the bias is added. Afterwards each state holds its last K-1 inputs, exactly as if the tokens
// had been fed one call at a time.
void causal_conv1d_silu(const CausalConvArgs& args, ThreadPool& pool);

}  // namespace recur::kernels::cpu
