// Causal depthwise convolution + SiLU, continued from each slot's rolling state (twin of
// kernels/cpu/conv1d.cpp). Taps are summed in order k = 0..K-1, then the bias is added.
#include "kernels/cuda/common.cuh"
#include "kernels/cuda/ops.hpp"

namespace recur::kernels::cuda {
namespace {

constexpr int kMaxKernel = 16;

__device__ __forceinline__ float* slot_state(StateRef st, int slot) {
  return st.base + static_cast<std::size_t>(slot) * st.slot_stride;
}

// Outputs of every token of the pass; reads the states, writes none.
__global__ void conv_out_kernel(const float* x, int x_stride, const SequenceDesc* seqs,
                                const int* token_seq, int T, int C, int K, const float* w,
                                const float* bias, StateRef st, float* out, Bf16Split out_bf16) {
  const long long i = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x;
  if (i >= static_cast<long long>(T) * C) return;
  const int t = static_cast<int>(i / C), c = static_cast<int>(i % C);
  const SequenceDesc seq = seqs[token_seq[t]];
  const int pos = t - seq.first;
  const int hist = K - 1;
  const float* state =
      seq.slot >= 0 ? slot_state(st, seq.slot) + static_cast<std::size_t>(c) * hist : nullptr;
  float sum = 0.0f;
  for (int k = 0; k < K; ++k) {
    const int src = pos - hist + k;
    float v;
    if (src >= 0)
      v = x[static_cast<std::size_t>(seq.first + src) * x_stride + c];
    else
      v = state ? state[hist + src] : 0.0f;
    sum += w[c * K + k] * v;
  }
  if (bias) sum += bias[c];
  const float o = silu(sum);
  out[static_cast<std::size_t>(t) * C + c] = o;
  if (out_bf16.hi) store_split(out_bf16, static_cast<std::size_t>(t) * C + c, o);
}

// Afterwards, each state holds the last K-1 inputs of its sequence.
__global__ void conv_state_kernel(const float* x, int x_stride, const SequenceDesc* seqs,
                                  int n_seqs, int C, int K, StateRef st) {
  const long long i = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x;
  if (i >= static_cast<long long>(n_seqs) * C) return;
  const int q = static_cast<int>(i / C), c = static_cast<int>(i % C);
  const SequenceDesc seq = seqs[q];
  if (seq.slot < 0) return;
  const int hist = K - 1;
  float* state = slot_state(st, seq.slot) + static_cast<std::size_t>(c) * hist;
  float old[kMaxKernel];
  for (int j = 0; j < hist; ++j) old[j] = state[j];
  for (int j = 0; j < hist; ++j) {
    const int p = seq.count - hist + j;  // position of the input that lands in column j
    state[j] =
        p >= 0 ? x[static_cast<std::size_t>(seq.first + p) * x_stride + c] : old[seq.count + j];
  }
}

// One token per session: read the state once, produce the output, write the state once. The
// window lives in registers (every loop unrolled to KMAX, the kernel width's bound), and the
// history's loads go out together. The epilogue fused into in_proj (dense_epilogue.cuh) computes
// the same step in the same order; built on its helpers, this kernel took 5.98 us a layer at 256
// sessions against 5.50 (bench/cuda_engine_bench --kernels-only, one H200), so it keeps its own.
template <int KMAX>
__global__ void conv_step_kernel(const float* x, int x_stride, const int* slots, int B, int C,
                                 int K, const float* w, const float* bias, StateRef st, float* out,
                                 Bf16Split out_bf16, Terms x_terms) {
  const long long i = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x;
  if (i >= static_cast<long long>(B) * C) return;
  const int b = static_cast<int>(i / C), c = static_cast<int>(i % C);
  const int slot = slots[b];
  const int hist = K - 1;
  float window[KMAX];
  float* state = slot >= 0 ? slot_state(st, slot) + static_cast<std::size_t>(c) * hist : nullptr;
#pragma unroll
  for (int j = 0; j < KMAX - 1; ++j) window[j] = state && j < hist ? state[j] : 0.0f;
  const float x_new = read_sum(x_terms, x, x_stride, b, c);
  float sum = 0.0f;
#pragma unroll
  for (int k = 0; k < KMAX; ++k)
    if (k < K) sum += w[c * K + k] * (k == hist ? x_new : window[k]);
  if (bias) sum += bias[c];
  const float o = silu(sum);
  out[static_cast<std::size_t>(b) * C + c] = o;
  if (out_bf16.hi) store_split(out_bf16, static_cast<std::size_t>(b) * C + c, o);
  if (state) {
#pragma unroll
    for (int j = 0; j < KMAX - 1; ++j)
      if (j < hist) state[j] = j + 1 < hist ? window[j + 1] : x_new;
  }
}

}  // namespace

cudaError_t causal_conv1d(const float* x, int x_stride, const SequenceDesc* seqs, int n_seqs,
                          const int* token_seq, int T, int C, int K, const float* w,
                          const float* bias, StateRef state, float* out, Bf16Split out_bf16,
                          cudaStream_t s) {
  if (T <= 0) return cudaSuccess;
  if (K < 1 || K > kMaxKernel) return cudaErrorInvalidValue;
  conv_out_kernel<<<blocks_for(static_cast<long long>(T) * C, 256), 256, 0, s>>>(
      x, x_stride, seqs, token_seq, T, C, K, w, bias, state, out, out_bf16);
  if (auto e = last_launch_status(); e != cudaSuccess) return e;
  if (K == 1) return cudaSuccess;
  conv_state_kernel<<<blocks_for(static_cast<long long>(n_seqs) * C, 256), 256, 0, s>>>(
      x, x_stride, seqs, n_seqs, C, K, state);
  return last_launch_status();
}

cudaError_t causal_conv1d_step(const float* x, int x_stride, const int* slots, int B, int C, int K,
                               const float* w, const float* bias, StateRef state, float* out,
                               Bf16Split out_bf16, cudaStream_t s, Terms x_terms) {
  if (B <= 0) return cudaSuccess;
  if (K < 1 || K > kMaxKernel) return cudaErrorInvalidValue;
  auto kernel = K <= 4 ? conv_step_kernel<4> : conv_step_kernel<kMaxKernel>;
  kernel<<<blocks_for(static_cast<long long>(B) * C, 256), 256, 0, s>>>(
      x, x_stride, slots, B, C, K, w, bias, state, out, out_bf16, x_terms);
  return last_launch_status();
}

}  // namespace recur::kernels::cuda
