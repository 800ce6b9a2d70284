// The conv step fused into in_proj's epilogue, shared by the dense kernels of a decode step
// (gemv.cu, tensor_linear.cu).
#pragma once

#include "kernels/cuda/common.cuh"
#include "kernels/cuda/ops.hpp"

namespace recur::kernels::cuda {

// The conv step (+SiLU) of channel c of session b, given the channel's new input x_new: reads the
// slot's K-1 previous inputs, writes the output and shifts the window. Padding rows (slot -1)
// convolve a zero history and write no state.
__device__ __forceinline__ void conv_epilogue(const ConvStepFusion& cv, int b, int c, float x_new) {
  const int slot = cv.slots[b];
  const int hist = cv.K - 1;
  float* state = slot >= 0 ? cv.state.base + static_cast<std::size_t>(slot) * cv.state.slot_stride +
                                 static_cast<std::size_t>(c) * hist
                           : nullptr;
  float window[16];
  for (int j = 0; j < hist; ++j) window[j] = state ? state[j] : 0.0f;
  window[hist] = x_new;
  float sum = 0.0f;
  for (int k = 0; k < cv.K; ++k) sum += cv.w[c * cv.K + k] * window[k];
  if (cv.bias) sum += cv.bias[c];
  cv.out[static_cast<std::size_t>(b) * cv.C + c] = silu(sum);
  if (state)
    for (int j = 0; j < hist; ++j) state[j] = window[j + 1];
}

}  // namespace recur::kernels::cuda
