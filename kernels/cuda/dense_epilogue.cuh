// The conv step fused into in_proj's epilogue, shared by the dense kernels of a decode step
// (gemv.cu, tensor_linear.cu).
#pragma once

#include "kernels/cuda/common.cuh"
#include "kernels/cuda/ops.hpp"

namespace recur::kernels::cuda {

// The K-1 previous inputs of channel c of one session, where they live (null: a padding row, which
// convolves a zero history and writes no state), and the channel's conv weights and bias, in
// registers. Loaded apart from the step so a kernel can fetch them early, before its products are
// done (the conv state is not written by the kernel before: see pdl.cuh). Conv kernels wider than
// kWindowMax are not held (ready stays false) and the step reads them where they are.
constexpr int kWindowMax = 4;
struct ConvWindow {
  bool ready = false;
  float* state;
  float x[kWindowMax - 1];
  float w[kWindowMax];
  float bias;
};

// The window's weights and bias: they depend on the channel only, so a kernel requests them before
// it knows the session's slot.
__device__ __forceinline__ void load_conv_weights(const ConvStepFusion& cv, int c, ConvWindow& w) {
  if (cv.K > kWindowMax) return;
#pragma unroll
  for (int k = 0; k < kWindowMax; ++k) w.w[k] = k < cv.K ? cv.w[c * cv.K + k] : 0.0f;
  w.bias = cv.bias ? cv.bias[c] : 0.0f;
}

// The window's previous inputs, once `slot` (cv.slots[b] of the session b the window belongs to)
// is known; the window is then ready.
__device__ __forceinline__ void load_conv_history(const ConvStepFusion& cv, int slot, int c,
                                                  ConvWindow& w) {
  if (cv.K > kWindowMax) return;
  const int hist = cv.K - 1;
  w.state = slot >= 0 ? cv.state.base + static_cast<std::size_t>(slot) * cv.state.slot_stride +
                            static_cast<std::size_t>(c) * hist
                      : nullptr;
#pragma unroll
  for (int j = 0; j < kWindowMax - 1; ++j) w.x[j] = w.state && j < hist ? w.state[j] : 0.0f;
  w.ready = true;
}

// The conv step (+SiLU) of channel c of session b from a loaded window, given the channel's new
// input x_new: writes the output and shifts the window. Sums in the order of conv_epilogue.
__device__ __forceinline__ void conv_step(const ConvStepFusion& cv, const ConvWindow& w, int b,
                                          int c, float x_new) {
  const int hist = cv.K - 1;
  float sum = 0.0f;
#pragma unroll
  for (int k = 0; k < kWindowMax - 1; ++k)
    if (k < hist) sum += w.w[k] * w.x[k];
#pragma unroll
  for (int k = 0; k < kWindowMax; ++k)
    if (k == hist) sum += w.w[k] * x_new;
  if (cv.bias) sum += w.bias;
  cv.out[static_cast<std::size_t>(b) * cv.C + c] = silu(sum);
  if (w.state) {
#pragma unroll
    for (int j = 0; j < kWindowMax - 1; ++j)
      if (j < hist) w.state[j] = j + 1 < hist ? w.x[j + 1] : x_new;
  }
}

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
