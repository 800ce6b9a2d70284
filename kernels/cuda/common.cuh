// Device helpers shared by the kernels: bf16 conversion, weight loads, activations, reductions.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

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

inline cudaError_t last_launch_status() {
  return cudaGetLastError();
}

inline int blocks_for(long long n, int threads) {
  return static_cast<int>((n + threads - 1) / threads);
}

}  // namespace recur::kernels::cuda
