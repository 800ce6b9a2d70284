// Small kernels around the big ones: embedding gather, RMSNorm, bias, casts, argmax, slot zeroing.
#include <cfloat>

#include "kernels/cuda/common.cuh"
#include "kernels/cuda/ops.hpp"

namespace recur::kernels::cuda {
namespace {

template <bool BF16>
__global__ void embed_kernel(const void* E, int D, const std::int32_t* tokens, float* h) {
  const int t = blockIdx.x;
  const std::size_t row = static_cast<std::size_t>(tokens[t]) * D;
  for (int j = threadIdx.x; j < D; j += blockDim.x)
    h[static_cast<std::size_t>(t) * D + j] = load_weight<BF16>(E, row + j);
}

// One block per row: sum of squares in fp32 with a block reduction.
__global__ void rmsnorm_kernel(const float* x, const int* rows, int D, const float* w, float eps,
                               float* out, Bf16Split out_bf16) {
  __shared__ float partial[32];
  const int i = blockIdx.x;
  const int src = rows ? rows[i] : i;
  const float* xr = x + static_cast<std::size_t>(src) * D;
  float ss = 0.0f;
  for (int j = threadIdx.x; j < D; j += blockDim.x) ss += xr[j] * xr[j];
  ss = group_sum(ss, 32);
  if ((threadIdx.x & 31) == 0) partial[threadIdx.x >> 5] = ss;
  __syncthreads();
  if (threadIdx.x < 32) {
    float v = threadIdx.x < (blockDim.x >> 5) ? partial[threadIdx.x] : 0.0f;
    v = group_sum(v, 32);
    if (threadIdx.x == 0) partial[0] = v;
  }
  __syncthreads();
  const float scale = 1.0f / sqrtf(partial[0] / static_cast<float>(D) + eps);
  for (int j = threadIdx.x; j < D; j += blockDim.x) {
    const float v = w[j] * (xr[j] * scale);
    if (out) out[static_cast<std::size_t>(i) * D + j] = v;
    if (out_bf16.hi) store_split(out_bf16, static_cast<std::size_t>(i) * D + j, v);
  }
}

__global__ void add_bias_kernel(float* y, int rows, int cols, int stride, const float* bias) {
  const long long i = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x;
  if (i >= static_cast<long long>(rows) * cols) return;
  const int r = static_cast<int>(i / cols), c = static_cast<int>(i % cols);
  y[static_cast<std::size_t>(r) * stride + c] += bias[c];
}

__global__ void to_bf16_kernel(const float* x, int rows, int cols, int x_stride, Bf16Split out,
                               int out_stride) {
  const long long i = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x;
  if (i >= static_cast<long long>(rows) * cols) return;
  const int r = static_cast<int>(i / cols), c = static_cast<int>(i % cols);
  store_split(out, static_cast<std::size_t>(r) * out_stride + c,
              x[static_cast<std::size_t>(r) * x_stride + c]);
}

// One block per row; ties go to the lowest index, NaN compares below everything.
__global__ void argmax_kernel(const float* logits, int V, int limit, std::int32_t* out) {
  __shared__ float best_v[256];
  __shared__ int best_i[256];
  const float* row = logits + static_cast<std::size_t>(blockIdx.x) * V;
  float bv = -INFINITY;
  int bi = 0x7fffffff;
  for (int j = threadIdx.x; j < limit; j += blockDim.x) {
    const float v = row[j];
    if (!isnan(v) && (v > bv || (v == bv && j < bi))) bv = v, bi = j;
  }
  best_v[threadIdx.x] = bv;
  best_i[threadIdx.x] = bi;
  __syncthreads();
  for (int stride = blockDim.x / 2; stride > 0; stride /= 2) {
    if (threadIdx.x < stride) {
      const float ov = best_v[threadIdx.x + stride];
      const int oi = best_i[threadIdx.x + stride];
      if (ov > best_v[threadIdx.x] || (ov == best_v[threadIdx.x] && oi < best_i[threadIdx.x]))
        best_v[threadIdx.x] = ov, best_i[threadIdx.x] = oi;
    }
    __syncthreads();
  }
  if (threadIdx.x == 0) out[blockIdx.x] = best_i[0] == 0x7fffffff ? 0 : best_i[0];
}

}  // namespace

cudaError_t embed(const MatrixView& E, const std::int32_t* tokens, int T, float* h,
                  cudaStream_t s) {
  if (T <= 0) return cudaSuccess;
  const int D = static_cast<int>(E.cols);
  if (E.type == ElementType::bf16)
    embed_kernel<true><<<T, 256, 0, s>>>(E.data, D, tokens, h);
  else
    embed_kernel<false><<<T, 256, 0, s>>>(E.data, D, tokens, h);
  return last_launch_status();
}

cudaError_t rmsnorm(const float* x, const int* rows, int n, int D, const float* w, float eps,
                    float* out, Bf16Split out_bf16, cudaStream_t s) {
  if (n <= 0) return cudaSuccess;
  rmsnorm_kernel<<<n, 256, 0, s>>>(x, rows, D, w, eps, out, out_bf16);
  return last_launch_status();
}

cudaError_t add_bias(float* y, int rows, int cols, int stride, const float* bias, cudaStream_t s) {
  const long long n = static_cast<long long>(rows) * cols;
  if (n <= 0) return cudaSuccess;
  add_bias_kernel<<<blocks_for(n, 256), 256, 0, s>>>(y, rows, cols, stride, bias);
  return last_launch_status();
}

cudaError_t to_bf16(const float* x, int rows, int cols, int x_stride, Bf16Split out, int out_stride,
                    cudaStream_t s) {
  const long long n = static_cast<long long>(rows) * cols;
  if (n <= 0) return cudaSuccess;
  to_bf16_kernel<<<blocks_for(n, 256), 256, 0, s>>>(x, rows, cols, x_stride, out, out_stride);
  return last_launch_status();
}

cudaError_t argmax_rows(const float* logits, int rows, int V, int limit, std::int32_t* out,
                        cudaStream_t s) {
  if (rows <= 0) return cudaSuccess;
  argmax_kernel<<<rows, 256, 0, s>>>(logits, V, limit, out);
  return last_launch_status();
}

cudaError_t zero_slot(float* pool, std::size_t slot_floats, int slot, cudaStream_t s) {
  return cudaMemsetAsync(pool + static_cast<std::size_t>(slot) * slot_floats, 0,
                         slot_floats * sizeof(float), s);
}

}  // namespace recur::kernels::cuda
