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
__global__ void rmsnorm_kernel(float* x, const int* rows, int D, const float* w, float eps,
                               float* out, Bf16Split out_bf16, Terms residual) {
  __shared__ float partial[32];
  const int i = blockIdx.x;
  const int src = rows ? rows[i] : i;
  float* xr = x + static_cast<std::size_t>(src) * D;
  float ss = 0.0f;
  for (int j = threadIdx.x; j < D; j += blockDim.x) {
    float v = xr[j];
    if (residual.t) xr[j] = v = sum_terms(residual, src, j, v);  // read back below by this thread
    ss += v * v;
  }
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

__global__ void add_terms_kernel(const float* terms, int rows, int cols, const float* bias,
                                 bool accumulate, float* y, int y_stride) {
  const long long i = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x;
  const long long n = static_cast<long long>(rows) * cols;
  if (i >= n) return;
  const int r = static_cast<int>(i / cols), c = static_cast<int>(i % cols);
  float* out = y + static_cast<std::size_t>(r) * y_stride + c;
  const Terms p{terms, static_cast<std::size_t>(n), cols, bias};
  *out = sum_of(p, accumulate ? *out + terms[i] : terms[i], terms[n + i], c);
}

__global__ void to_bf16_kernel(const float* x, int rows, int cols, int x_stride, Bf16Split out,
                               int out_stride, Terms x_terms) {
  const long long i = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x;
  if (i >= static_cast<long long>(rows) * cols) return;
  const int r = static_cast<int>(i / cols), c = static_cast<int>(i % cols);
  store_split(out, static_cast<std::size_t>(r) * out_stride + c,
              read_sum(x_terms, x, x_stride, r, c));
}

// Keeps the better of (bv, bi) and (v, i): the larger value, the lower index on ties; NaN never
// wins.
__device__ __forceinline__ void keep_best(float& bv, int& bi, float v, int i) {
  if (!isnan(v) && (v > bv || (v == bv && i < bi))) bv = v, bi = i;
}

// The best candidate of the warp, in every lane.
__device__ __forceinline__ void warp_best(float& bv, int& bi) {
  for (int offset = 16; offset > 0; offset /= 2) {
    const float ov = __shfl_xor_sync(0xffffffffu, bv, offset);
    const int oi = __shfl_xor_sync(0xffffffffu, bi, offset);
    keep_best(bv, bi, ov, oi);
  }
}

// One block of kArgmaxThreads per row; ties go to the lowest index, NaN never wins. With a 16-byte
// aligned row each thread reads four values at a time, all its loads issued together.
constexpr int kArgmaxThreads = 1024;
__global__ void __launch_bounds__(kArgmaxThreads)
    argmax_kernel(const float* logits, int V, int limit, std::int32_t* out) {
  __shared__ float best_v[kArgmaxThreads / 32];
  __shared__ int best_i[kArgmaxThreads / 32];
  const float* row = logits + static_cast<std::size_t>(blockIdx.x) * V;
  float bv = -INFINITY;
  int bi = 0x7fffffff;
  int scalar_from = 0;
  if (reinterpret_cast<std::uintptr_t>(row) % 16 == 0) {
    const int quads = limit / 4;
    const float4* q = reinterpret_cast<const float4*>(row);
#pragma unroll 4
    for (int j = threadIdx.x; j < quads; j += kArgmaxThreads) {
      const float4 v = q[j];
      keep_best(bv, bi, v.x, 4 * j);
      keep_best(bv, bi, v.y, 4 * j + 1);
      keep_best(bv, bi, v.z, 4 * j + 2);
      keep_best(bv, bi, v.w, 4 * j + 3);
    }
    scalar_from = quads * 4;
  }
  for (int j = scalar_from + threadIdx.x; j < limit; j += kArgmaxThreads)
    keep_best(bv, bi, row[j], j);
  warp_best(bv, bi);
  if ((threadIdx.x & 31) == 0) best_v[threadIdx.x >> 5] = bv, best_i[threadIdx.x >> 5] = bi;
  __syncthreads();
  if (threadIdx.x < 32) {
    bv = best_v[threadIdx.x], bi = best_i[threadIdx.x];
    warp_best(bv, bi);
    if (threadIdx.x == 0) out[blockIdx.x] = bi == 0x7fffffff ? 0 : bi;
  }
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

cudaError_t rmsnorm(float* x, const int* rows, int n, int D, const float* w, float eps, float* out,
                    Bf16Split out_bf16, cudaStream_t s, Terms residual) {
  if (n <= 0) return cudaSuccess;
  rmsnorm_kernel<<<n, 256, 0, s>>>(x, rows, D, w, eps, out, out_bf16, residual);
  return last_launch_status();
}

cudaError_t add_bias(float* y, int rows, int cols, int stride, const float* bias, cudaStream_t s) {
  const long long n = static_cast<long long>(rows) * cols;
  if (n <= 0) return cudaSuccess;
  add_bias_kernel<<<blocks_for(n, 256), 256, 0, s>>>(y, rows, cols, stride, bias);
  return last_launch_status();
}

cudaError_t add_terms(const float* terms, int rows, int cols, const float* bias, bool accumulate,
                      float* y, int y_stride, cudaStream_t s) {
  const long long n = static_cast<long long>(rows) * cols;
  if (n <= 0) return cudaSuccess;
  add_terms_kernel<<<blocks_for(n, 256), 256, 0, s>>>(terms, rows, cols, bias, accumulate, y,
                                                      y_stride);
  return last_launch_status();
}

cudaError_t to_bf16(const float* x, int rows, int cols, int x_stride, Bf16Split out, int out_stride,
                    cudaStream_t s, Terms x_terms) {
  const long long n = static_cast<long long>(rows) * cols;
  if (n <= 0) return cudaSuccess;
  to_bf16_kernel<<<blocks_for(n, 256), 256, 0, s>>>(x, rows, cols, x_stride, out, out_stride,
                                                    x_terms);
  return last_launch_status();
}

cudaError_t argmax_rows(const float* logits, int rows, int V, int limit, std::int32_t* out,
                        cudaStream_t s) {
  if (rows <= 0) return cudaSuccess;
  argmax_kernel<<<rows, kArgmaxThreads, 0, s>>>(logits, V, limit, out);
  return last_launch_status();
}

cudaError_t zero_slot(float* pool, std::size_t slot_floats, int slot, cudaStream_t s) {
  return cudaMemsetAsync(pool + static_cast<std::size_t>(slot) * slot_floats, 0,
                         slot_floats * sizeof(float), s);
}

}  // namespace recur::kernels::cuda
