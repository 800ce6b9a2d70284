// Batch-invariant dense layers with bf16 weights on tensor cores (mma.sync m16n8k16, fp32
// accumulate), for any number of token rows: decode steps and passes.
//
// The inputs come as their two-term bf16 split (hi + lo, about 16 bits of mantissa) made once per
// row by split_rows, which also takes the RMS norm's weight and returns each row's 1/rms; the
// product of the norm is applied to each output. Rows of tokens are the M side of each product,
// weight rows the N side; a lane loads 8 consecutive weights of a row with one 16-byte load and
// uses them as the B fragments of two mma k-halves, reading the inputs with the same permutation
// of k, so the pairs that are summed are the right ones.
//
// Batch invariance: an output is summed in an order set by the matrix shape alone. A k step is 32
// columns; the S k-splits (S from the row count) take steps split, split + S, ... in order, each
// step as four mma (hi, lo of the first half; hi, lo of the second), and the splits' sums are added
// in split order. How many rows run together, where a row sits in its tile, how rows and weight
// rows are tiled: none of it changes a bit of a row's outputs.
#include <algorithm>

#include "kernels/cuda/common.cuh"
#include "kernels/cuda/dense_epilogue.cuh"
#include "kernels/cuda/ops.hpp"
#include "kernels/cuda/pdl.cuh"

namespace recur::kernels::cuda {
namespace {

constexpr int kWarps = 8;
constexpr int kThreads = kWarps * 32;
// Below this many 8-row tiles a matrix splits k over up to 8 warps, so that even one token row
// streams the weights with enough warps. A constant, not the GPU's size: the order of the sums must
// not depend on the device.
constexpr int kSplitTarget = 512;
// k steps of weights in flight per warp: 16-byte loads per lane.
template <int NR>
inline constexpr int kPrefetch = 4 / NR;

__device__ __forceinline__ void mma_bf16(float (&c)[4], unsigned a0, unsigned a1, unsigned a2,
                                         unsigned a3, unsigned b0, unsigned b1) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
  asm volatile(
      "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, "
      "{%8,%9}, {%0,%1,%2,%3};\n"
      : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
      : "r"(a0), "r"(a1), "r"(a2), "r"(a3), "r"(b0), "r"(b1));
#else
  __trap();  // built for sm_80 and newer only
#endif
}

__device__ __forceinline__ unsigned pack(std::uint16_t first, std::uint16_t second) {
  return static_cast<unsigned>(first) | (static_cast<unsigned>(second) << 16);
}

// One warp per row: 1/rms (lane-strided sums, then the warp's butterfly: an order fixed by cols)
// and the split of norm_w * x (or x), zeros up to the padded width.
__global__ void split_rows_kernel(const float* x, int x_stride, const int* rows, int B, int cols,
                                  const float* norm_w, float eps, Bf16Split out, int ld,
                                  float* rstd) {
  const int lane = threadIdx.x & 31;
  const int b = blockIdx.x * (blockDim.x / 32) + (threadIdx.x >> 5);
  wait_for_predecessor();
  allow_successor();
  if (b >= B) return;
  const float* row = x + static_cast<std::size_t>(rows ? rows[b] : b) * x_stride;
  if (rstd) {
    float ss = 0.0f;
    for (int k = lane; k < cols; k += 32) ss += row[k] * row[k];
    ss = group_sum(ss, 32);
    if (lane == 0) rstd[b] = 1.0f / sqrtf(ss / static_cast<float>(cols) + eps);
  }
  for (int k = lane; k < ld; k += 32) {
    const float v = k < cols ? (norm_w ? norm_w[k] * row[k] : row[k]) : 0.0f;
    store_split(out, static_cast<std::size_t>(b) * ld + k, v);
  }
}

// MT m-tiles of 16 rows per block, NR n-tiles of 8 weight rows per warp, S k-splits; the block's
// 8 warps are 8/S groups of S.
template <int MT, int NR, int S>
__global__ void __launch_bounds__(kThreads, 2)
    tensor_linear_kernel(TensorLinearArgs a, ConvStepFusion cv, bool has_conv, bool vec) {
  __shared__ float partial[(S > 1 ? kWarps : 1) * MT * NR * 4 * 32];
  constexpr int TM = MT * 16;
  const int rows = static_cast<int>(a.W.rows), cols = static_cast<int>(a.W.cols);
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  const int split = warp % S, group = warp / S;
  const int gq = lane >> 2, q = lane & 3;
  const int token0 = blockIdx.x * TM;
  const int row0 = (blockIdx.y * (kWarps / S) + group) * NR * 8;
  const std::uint16_t* W = static_cast<const std::uint16_t*>(a.W.data);
  const int steps = (cols + 31) / 32;
  const int mine = steps > split ? (steps - split + S - 1) / S : 0;  // this warp's k steps

  // Weights of this warp's i-th step: 8 columns of each of its NR rows per lane.
  auto load_weights = [&](int i, uint4(&w)[NR]) {
    const int k = (split + i * S) * 32 + q * 8;
#pragma unroll
    for (int nt = 0; nt < NR; ++nt) {
      const int r = row0 + nt * 8 + gq;
      const std::uint16_t* src = W + static_cast<std::size_t>(r) * cols + k;
      if (i >= mine || r >= rows || k >= cols) {
        w[nt] = uint4{0, 0, 0, 0};  // past the last step, row or column (vec: cols % 8 == 0)
      } else if (vec) {
        w[nt] = *reinterpret_cast<const uint4*>(src);
      } else {
        std::uint16_t e[8];
#pragma unroll
        for (int j = 0; j < 8; ++j) e[j] = k + j < cols ? src[j] : 0;
        w[nt] = uint4{pack(e[0], e[1]), pack(e[2], e[3]), pack(e[4], e[5]), pack(e[6], e[7])};
      }
    }
  };

  uint4 cur[kPrefetch<NR>][NR], next[kPrefetch<NR>][NR];
#pragma unroll
  for (int p = 0; p < kPrefetch<NR>; ++p) load_weights(p, cur[p]);  // constants: before the wait
  wait_for_predecessor();
  allow_successor();

  float acc[MT][NR][4];
#pragma unroll
  for (int mt = 0; mt < MT; ++mt)
#pragma unroll
    for (int nt = 0; nt < NR; ++nt)
#pragma unroll
      for (int i = 0; i < 4; ++i) acc[mt][nt][i] = 0.0f;

  const std::uint16_t* hi = a.x.hi;
  const std::uint16_t* lo = a.x.hi + a.x.lo_offset;
  for (int base = 0; base < mine; base += kPrefetch<NR>) {
#pragma unroll
    for (int p = 0; p < kPrefetch<NR>; ++p) load_weights(base + kPrefetch<NR> + p, next[p]);
#pragma unroll
    for (int p = 0; p < kPrefetch<NR>; ++p) {
      if (base + p >= mine) break;
      const int k = (split + (base + p) * S) * 32 + q * 8;
#pragma unroll
      for (int mt = 0; mt < MT; ++mt) {
        const int b0 = token0 + mt * 16 + gq, b8 = b0 + 8;
        const std::size_t i0 = static_cast<std::size_t>(b0) * a.x_ld + k;
        const std::size_t i8 = static_cast<std::size_t>(b8) * a.x_ld + k;
        const uint4 zero{0, 0, 0, 0};
        const uint4 hi0 = b0 < a.B ? *reinterpret_cast<const uint4*>(hi + i0) : zero;
        const uint4 lo0 = b0 < a.B ? *reinterpret_cast<const uint4*>(lo + i0) : zero;
        const uint4 hi8 = b8 < a.B ? *reinterpret_cast<const uint4*>(hi + i8) : zero;
        const uint4 lo8 = b8 < a.B ? *reinterpret_cast<const uint4*>(lo + i8) : zero;
#pragma unroll
        for (int nt = 0; nt < NR; ++nt) {
          const uint4 w = cur[p][nt];
          mma_bf16(acc[mt][nt], hi0.x, hi8.x, hi0.y, hi8.y, w.x, w.y);
          mma_bf16(acc[mt][nt], lo0.x, lo8.x, lo0.y, lo8.y, w.x, w.y);
          mma_bf16(acc[mt][nt], hi0.z, hi8.z, hi0.w, hi8.w, w.z, w.w);
          mma_bf16(acc[mt][nt], lo0.z, lo8.z, lo0.w, lo8.w, w.z, w.w);
        }
      }
    }
#pragma unroll
    for (int p = 0; p < kPrefetch<NR>; ++p)
#pragma unroll
      for (int nt = 0; nt < NR; ++nt) cur[p][nt] = next[p][nt];
  }

  if constexpr (S > 1) {
    // The splits' sums, added in split order by the first warp of each group.
    constexpr int kPer = MT * NR * 4;
    if (split > 0) {
#pragma unroll
      for (int mt = 0; mt < MT; ++mt)
#pragma unroll
        for (int nt = 0; nt < NR; ++nt)
#pragma unroll
          for (int i = 0; i < 4; ++i)
            partial[(warp * kPer + (mt * NR + nt) * 4 + i) * 32 + lane] = acc[mt][nt][i];
    }
    __syncthreads();
    if (split == 0) {
      for (int p = 1; p < S; ++p)
#pragma unroll
        for (int mt = 0; mt < MT; ++mt)
#pragma unroll
          for (int nt = 0; nt < NR; ++nt)
#pragma unroll
            for (int i = 0; i < 4; ++i)
              acc[mt][nt][i] += partial[((warp + p) * kPer + (mt * NR + nt) * 4 + i) * 32 + lane];
    }
  }
  if (split != 0) return;
#pragma unroll
  for (int mt = 0; mt < MT; ++mt)
#pragma unroll
    for (int nt = 0; nt < NR; ++nt)
#pragma unroll
      for (int i = 0; i < 4; ++i) {
        const int b = token0 + mt * 16 + gq + (i >= 2 ? 8 : 0);
        const int r = row0 + nt * 8 + 2 * q + (i & 1);
        if (b >= a.B || r >= rows) continue;
        float v = acc[mt][nt][i];
        if (a.rstd) v *= a.rstd[b];
        if (a.bias) v += a.bias[r];
        float* out = a.y + static_cast<std::size_t>(b) * a.y_stride + r;
        *out = a.accumulate ? *out + v : v;
        if (has_conv && r < cv.C) conv_epilogue(cv, b, r, v);
      }
}

// The k-splits of a matrix: from its row count alone.
int splits_for(std::size_t rows) {
  const std::size_t tiles = (rows + 7) / 8;
  int S = 1;
  while (S < 8 && tiles * S < static_cast<std::size_t>(kSplitTarget)) S *= 2;
  return S;
}

template <int MT, int NR, int S>
cudaError_t launch(const TensorLinearArgs& a, bool vec, cudaStream_t s) {
  constexpr int TM = MT * 16;
  const int rows_per_block = kWarps / S * NR * 8;
  const dim3 grid((a.B + TM - 1) / TM,
                  (static_cast<int>(a.W.rows) + rows_per_block - 1) / rows_per_block);
  const ConvStepFusion cv = a.conv ? *a.conv : ConvStepFusion{};
  return launch_dependent(tensor_linear_kernel<MT, NR, S>, grid, kThreads, 0, s, a, cv,
                          a.conv != nullptr, vec);
}

template <int MT, int NR>
cudaError_t launch_split(const TensorLinearArgs& a, int S, bool vec, cudaStream_t s) {
  switch (S) {
    case 1:
      return launch<MT, NR, 1>(a, vec, s);
    case 2:
      return launch<MT, NR, 2>(a, vec, s);
    case 4:
      return launch<MT, NR, 4>(a, vec, s);
    default:
      return launch<MT, NR, 8>(a, vec, s);
  }
}

}  // namespace

int split_width(int cols) {
  return (cols + 31) / 32 * 32;
}

cudaError_t split_rows(const float* x, int x_stride, const int* rows, int B, int cols,
                       const float* norm_w, float eps, Bf16Split out, float* rstd, cudaStream_t s) {
  if (B <= 0) return cudaSuccess;
  constexpr int kRowsPerBlock = 8;
  return launch_dependent(split_rows_kernel, (B + kRowsPerBlock - 1) / kRowsPerBlock,
                          kRowsPerBlock * 32, 0, s, x, x_stride, rows, B, cols, norm_w, eps, out,
                          split_width(cols), rstd);
}

cudaError_t tensor_linear(const TensorLinearArgs& a, cudaStream_t s) {
  if (a.B <= 0 || a.W.rows == 0) return cudaSuccess;
  if (a.W.type != ElementType::bf16 || a.W.cols == 0 ||
      a.x_ld < split_width(static_cast<int>(a.W.cols)))
    return cudaErrorInvalidValue;
  const int S = splits_for(a.W.rows);
  const bool vec = a.W.cols % 8 == 0 && reinterpret_cast<std::uintptr_t>(a.W.data) % 16 == 0;
  // Tiles are a matter of speed only: few rows take one m-tile and one n-tile per warp (the most
  // warps streaming weights), many take two and two (each weight feeds 32 rows).
  if (a.B <= 16) return launch_split<1, 1>(a, S, vec, s);
  return launch_split<2, 2>(a, S, vec, s);
}

}  // namespace recur::kernels::cuda
