// Device helpers shared by the kernels: bf16 conversion, weight loads, activations, reductions.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "kernels/cuda/ops.hpp"
#include "kernels/element_type.hpp"

namespace recur::kernels::cuda {

__device__ __forceinline__ float bf16_to_f32(std::uint16_t v) {
  return __uint_as_float(static_cast<std::uint32_t>(v) << 16);
}

// Round to nearest even, as the CPU twin does.
__device__ __forceinline__ std::uint16_t f32_to_bf16(float f) {
  std::uint32_t bits = __float_as_uint(f);
  if ((bits & 0x7f800000u) == 0x7f800000u && (bits & 0x007fffffu) != 0)
    return static_cast<std::uint16_t>((bits >> 16) | 0x0040u);
  bits += 0x7fffu + ((bits >> 16) & 1u);
  return static_cast<std::uint16_t>(bits >> 16);
}

// Writes the two-term bf16 copy of v at index i (see Bf16Split).
template <class Split>
__device__ __forceinline__ void store_split(const Split& out, std::size_t i, float v) {
  const std::uint16_t hi = f32_to_bf16(v);
  out.hi[i] = hi;
  out.hi[out.lo_offset + i] = f32_to_bf16(v - bf16_to_f32(hi));
}

template <bool BF16>
__device__ __forceinline__ float load_weight(const void* base, std::size_t i) {
  if constexpr (BF16)
    return bf16_to_f32(static_cast<const std::uint16_t*>(base)[i]);
  else
    return static_cast<const float*>(base)[i];
}

// Accurate exp (not the fast intrinsic): results stay within fp32 rounding of the CPU reference.
__device__ __forceinline__ float silu(float x) {
  return x / (1.0f + expf(-x));
}
__device__ __forceinline__ float softplus(float x) {
  return x > 20.0f ? x : log1pf(expf(x));
}

// Sum over groups of `width` consecutive lanes (width a power of two <= 32), result in every lane.
__device__ __forceinline__ float group_sum(float v, int width) {
  for (int offset = width / 2; offset > 0; offset /= 2)
    v += __shfl_xor_sync(0xffffffffu, v, offset);
  return v;
}

// Column c of a pending sum (see Terms) from its two terms as loaded: first + second, then
// + bias[c], the order of add_terms. With the residual stream's value as `first`'s base,
// sum_terms(p, r, c, base) is (base + t0) + t1 (+ bias[c]).
__device__ __forceinline__ float sum_of(const Terms& p, float first, float second, int c) {
  float v = first;
  v = v + second;
  if (p.bias) v += p.bias[c];
  return v;
}
__device__ __forceinline__ float sum_terms(const Terms& p, int r, int c) {
  const std::size_t i = static_cast<std::size_t>(r) * p.ld + c;
  return sum_of(p, p.t[i], p.t[p.second + i], c);
}
__device__ __forceinline__ float sum_terms(const Terms& p, int r, int c, float base) {
  const std::size_t i = static_cast<std::size_t>(r) * p.ld + c;
  return sum_of(p, base + p.t[i], p.t[p.second + i], c);
}

// Element (r, c) of a product that may be pending: summed from its terms when they are given,
// else read from `summed` (rows of ld floats).
__device__ __forceinline__ float read_sum(const Terms& p, const float* summed, std::size_t ld,
                                          int r, int c) {
  return p.t ? sum_terms(p, r, c) : summed[static_cast<std::size_t>(r) * ld + c];
}

inline cudaError_t last_launch_status() {
  return cudaGetLastError();
}

inline int blocks_for(long long n, int threads) {
  return static_cast<int>((n + threads - 1) / threads);
}

}  // namespace recur::kernels::cuda
