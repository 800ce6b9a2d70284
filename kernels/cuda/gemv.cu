// Matrix-vector products for decode steps and passes, any number of sessions. Sessions go in groups
// of up to 8 (one group per blockIdx.x); a block stages its group's input rows once in shared
// memory (RMS-normalised there when norm_w is given); each row of weights is streamed with
// independent 16-byte loads issued together. Rows are few (x_proj, out_proj of small models): the
// eight warps of a block split one row's columns and add their parts in a fixed order.
// Each output is summed in an order that depends on the matrix shape only, never on the number of
// sessions or the group a session falls in: a session's outputs are the same bits in every batch.
//
// The kernel is a programmatic dependent: it loads its first row of weights before waiting for the
// previous kernel, hiding the launch gap behind the weight stream.
#include <algorithm>

#include "kernels/cuda/common.cuh"
#include "kernels/cuda/dense_epilogue.cuh"
#include "kernels/cuda/ops.hpp"
#include "kernels/cuda/pdl.cuh"

namespace recur::kernels::cuda {
namespace {

constexpr int kWarps = 8;
constexpr int kMaxGroups = 65535;  // session groups per launch
// 16-byte weight loads in flight per lane and row: fewer for larger batches, whose accumulators
// need the registers.
template <int B>
inline constexpr int kVectors = B <= 2 ? 8 : 4;

// Elements per 16-byte weight load.
template <bool BF16>
inline constexpr int kWidth = BF16 ? 8 : 4;

template <bool BF16>
__device__ __forceinline__ void unpack(const uint4& raw, float* out) {
  if constexpr (BF16) {
    const std::uint32_t words[4] = {raw.x, raw.y, raw.z, raw.w};
    for (int i = 0; i < 4; ++i) {
      out[2 * i] = __uint_as_float(words[i] << 16);
      out[2 * i + 1] = __uint_as_float(words[i] & 0xffff0000u);
    }
  } else {
    out[0] = __uint_as_float(raw.x), out[1] = __uint_as_float(raw.y);
    out[2] = __uint_as_float(raw.z), out[3] = __uint_as_float(raw.w);
  }
}

// Output r of session b; `window`, when given, is the conv window of (b, r) loaded beforehand.
__device__ __forceinline__ void finish(const GemvArgs& a, const ConvStepFusion& cv, bool has_conv,
                                       int b, int r, float v, const ConvWindow* window) {
  if (a.bias) v += a.bias[r];
  float* out = a.y + static_cast<std::size_t>(b) * a.y_stride + r;
  *out = a.accumulate ? *out + v : v;
  if (has_conv && r < cv.C) {
    if (window && window->ready)
      conv_step(cv, *window, b, r, v);
    else
      conv_epilogue(cv, b, r, v);
  }
}

// The arguments seen from the first session of this block's group of B. Groups run along
// blockIdx.x and rows along blockIdx.y, so blocks running together share rows of weights in L2.
template <int B>
__device__ __forceinline__ void select_group(GemvArgs& a, ConvStepFusion& cv) {
  const std::size_t first = static_cast<std::size_t>(blockIdx.x) * B;
  a.x += first * a.x_stride;
  a.y += first * a.y_stride;
  if (cv.slots) {
    cv.slots += first;
    cv.out += first * cv.C;
  }
}

// Stages the B input rows in shared memory with 16-byte loads issued together (every session's at
// once), multiplied by the norm weight when there is one: xs[b][k] = norm_w[k] * x[b][k]. The RMS
// statistics are gathered on the way (per-thread, per-warp, then per-block sums in a fixed order
// that depends only on the row length: thread t adds quads t, t + 256, ... of every row), so the
// products can start at once and be scaled by rstd[b] at the end.
template <int B, bool NORM>
__device__ __forceinline__ void stage_inputs(const GemvArgs& a, int cols, float* xs,
                                             float* ss_warp) {
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  const int quads = cols / 4;  // cols is a multiple of 4 on the vector path
  // Quads per session and thread in flight: the norm weights travel with the inputs, and more
  // sessions take fewer each.
  constexpr int kPerThread = (NORM ? 4 : 8) / B > 0 ? (NORM ? 4 : 8) / B : 1;
  float ss[B];
#pragma unroll
  for (int b = 0; b < B; ++b) ss[b] = 0.0f;
  for (int base = 0; base < quads; base += kPerThread * blockDim.x) {
    float4 v[B][kPerThread], w[kPerThread];
#pragma unroll
    for (int i = 0; i < kPerThread; ++i) {
      const int q = base + i * blockDim.x + threadIdx.x;
      if (q >= quads) continue;
      if constexpr (NORM) w[i] = reinterpret_cast<const float4*>(a.norm_w)[q];
#pragma unroll
      for (int b = 0; b < B; ++b)
        v[b][i] =
            reinterpret_cast<const float4*>(a.x + static_cast<std::size_t>(b) * a.x_stride)[q];
    }
#pragma unroll
    for (int i = 0; i < kPerThread; ++i) {
      const int q = base + i * blockDim.x + threadIdx.x;
      if (q >= quads) continue;
#pragma unroll
      for (int b = 0; b < B; ++b) {
        float4 x = v[b][i];
        if constexpr (NORM) {
          ss[b] += x.x * x.x + x.y * x.y + x.z * x.z + x.w * x.w;
          x = float4{w[i].x * x.x, w[i].y * x.y, w[i].z * x.z, w[i].w * x.w};
        }
        reinterpret_cast<float4*>(xs + b * cols)[q] = x;
      }
    }
  }
  if constexpr (NORM) {
#pragma unroll
    for (int b = 0; b < B; ++b) {
      const float total = group_sum(ss[b], 32);
      if (lane == 0) ss_warp[warp * B + b] = total;
    }
  }
  __syncthreads();
}

template <int B>
__device__ __forceinline__ float rstd_of(const float* ss_warp, int b, int cols, float eps) {
  float ss = 0.0f;
  for (int w = 0; w < kWarps; ++w) ss += ss_warp[w * B + b];
  return 1.0f / sqrtf(ss / static_cast<float>(cols) + eps);
}

// Vector path: cols a multiple of the vector width, rows 16-byte aligned. A warp takes two rows at
// a time (kRows), so each shared-memory read of the inputs feeds two rows and twice the weight
// bytes are in flight. With SPLIT warps per row pair (few rows), the warps of a block share a
// pair's columns and add their parts in a fixed order.
//
// The grid is no larger than what stays resident at once. With SPLIT 1, warp w of block y takes
// row pairs w * gridDim.y + y, then every 8 * gridDim.y further: each block, and so each
// multiprocessor, gets an equal share of the rows. With SPLIT > 1 a block takes 8 / SPLIT
// consecutive pairs per round, all its warps running the same rounds (they meet at barriers).
//
// With the conv step fused, each finishing lane's conv window is requested with its pair's first
// weights (the first pair's before the wait), so the epilogue does not stall the warp.
template <int B, bool BF16, bool NORM, int SPLIT>
__global__ void __launch_bounds__(kWarps * 32, 2)
    gemv_vec_kernel(GemvArgs a, ConvStepFusion cv, bool has_conv) {
  extern __shared__ float xs[];  // [B][cols], then [kWarps][kRows][B] partial sums
  __shared__ float ss_warp[kWarps * B];
  constexpr int W = kWidth<BF16>;
  constexpr int kRows = 2;
  constexpr int kGroups = kWarps / SPLIT;  // row pairs per block
  const int rows = static_cast<int>(a.W.rows), cols = static_cast<int>(a.W.cols);
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  const int part = warp % SPLIT;
  const int slice = ((cols + SPLIT - 1) / SPLIT + W - 1) / W * W;
  const int k_begin = part * slice, k_end = min(cols, k_begin + slice);
  const uint4* weights = static_cast<const uint4*>(a.W.data);
  const int vectors_per_row = cols / W;
  const int pairs = (rows + kRows - 1) / kRows;
  const int pair_step = gridDim.y * kGroups;

  select_group<B>(a, cv);
  int pair = SPLIT == 1 ? warp * gridDim.y + blockIdx.y : blockIdx.y * kGroups + warp / SPLIT;
  uint4 raw[kRows][kVectors<B>];
  auto load = [&](int p, int chunk) {
#pragma unroll
    for (int j = 0; j < kRows; ++j) {
      const int row = p * kRows + j;
#pragma unroll
      for (int i = 0; i < kVectors<B>; ++i) {
        const int k = chunk + (lane + i * 32) * W;
        if (row < rows && k < k_end)
          raw[j][i] = weights[static_cast<std::size_t>(row) * vectors_per_row + k / W];
      }
    }
  };
  // Lane j * B + b finishes row j of a pair for session b: its conv window.
  const bool finisher = has_conv && lane < kRows * B && (SPLIT == 1 || part == 0);
  ConvWindow window;
  auto conv_row = [&](int p) {
    const int r = p * kRows + lane / B;
    return finisher && r < rows && r < cv.C ? r : -1;
  };
  // Weights, conv weights and the slot do not come from the previous kernel: requested before
  // waiting for it. The conv history is requested after the wait: its address needs the slot,
  // whose load would otherwise hold the warp before the wait.
  load(pair, k_begin);
  const int first_row = conv_row(pair);
  if (first_row >= 0) load_conv_weights(cv, first_row, window);
  const int slot = finisher ? cv.slots[lane % B] : -1;  // the same for every pair
  wait_for_predecessor();
  if (first_row >= 0) load_conv_history(cv, slot, first_row, window);
  stage_inputs<B, NORM>(a, cols, xs, ss_warp);
  allow_successor();
  float* partial = xs + B * cols;
  // The finishing lane's session's 1/rms, once.
  const int fin_b = lane % B;
  const float rstd = NORM && lane < kRows * B ? rstd_of<B>(ss_warp, fin_b, cols, a.eps) : 1.0f;

  for (bool first = true; (SPLIT == 1 ? pair : pair - warp / SPLIT) < pairs;
       pair += pair_step, first = false) {
    float acc[kRows][B];
#pragma unroll
    for (int j = 0; j < kRows; ++j)
#pragma unroll
      for (int b = 0; b < B; ++b) acc[j][b] = 0.0f;
    for (int chunk = k_begin; chunk < k_end; chunk += kVectors<B> * 32 * W) {
      if (!first || chunk != k_begin) load(pair, chunk);
      if (const int r = conv_row(pair); !first && chunk == k_begin && r >= 0) {
        load_conv_weights(cv, r, window);
        load_conv_history(cv, slot, r, window);
      }
#pragma unroll
      for (int i = 0; i < kVectors<B>; ++i) {
        const int k = chunk + (lane + i * 32) * W;
        if (k >= k_end) break;
        float w[kRows][W];
#pragma unroll
        for (int j = 0; j < kRows; ++j) unpack<BF16>(raw[j][i], w[j]);
#pragma unroll
        for (int b = 0; b < B; ++b) {
          // 16-byte shared loads, each used for all kRows rows. With two per lane (bf16), lanes
          // 4-7 of every eight take them in the other order, so no two lanes of a phase share a
          // bank.
          const float4* xr = reinterpret_cast<const float4*>(xs + b * cols + k);
          float4 xq[W / 4];
          if constexpr (W == 8) {
            const bool swap = (lane >> 2) & 1;
            const float4 first = xr[swap ? 1 : 0], second = xr[swap ? 0 : 1];
            xq[0] = swap ? second : first;
            xq[1] = swap ? first : second;
          } else {
            xq[0] = xr[0];
          }
#pragma unroll
          for (int q = 0; q < W / 4; ++q) {
            const float4 xv = xq[q];
#pragma unroll
            for (int j = 0; j < kRows; ++j) {
              acc[j][b] += w[j][4 * q] * xv.x;
              acc[j][b] += w[j][4 * q + 1] * xv.y;
              acc[j][b] += w[j][4 * q + 2] * xv.z;
              acc[j][b] += w[j][4 * q + 3] * xv.w;
            }
          }
        }
      }
    }
#pragma unroll
    for (int j = 0; j < kRows; ++j)
#pragma unroll
      for (int b = 0; b < B; ++b) acc[j][b] = group_sum(acc[j][b], 32);
    if constexpr (SPLIT == 1) {
      // Lane j * B + b finishes row j, session b, all finishing lanes together (the sums are in
      // every lane; static register indexing picks this lane's).
      if (lane < kRows * B) {
        float v = 0.0f;
#pragma unroll
        for (int j = 0; j < kRows; ++j)
#pragma unroll
          for (int b = 0; b < B; ++b)
            if (lane == j * B + b) v = acc[j][b];
        if constexpr (NORM) v *= rstd;
        const int r = pair * kRows + lane / B;
        if (r < rows) finish(a, cv, has_conv, fin_b, r, v, &window);
      }
    } else {
      if (lane == 0) {
#pragma unroll
        for (int j = 0; j < kRows; ++j)
#pragma unroll
          for (int b = 0; b < B; ++b) partial[(warp * kRows + j) * B + b] = acc[j][b];
      }
      __syncthreads();
      if (part == 0 && lane < kRows * B) {
        const int j = lane / B, b = lane % B;
        float v = 0.0f;
        for (int p = 0; p < SPLIT; ++p) v += partial[((warp + p) * kRows + j) * B + b];
        if constexpr (NORM) v *= rstd;
        if (pair * kRows + j < rows) finish(a, cv, has_conv, b, pair * kRows + j, v, &window);
      }
      __syncthreads();
    }
  }
}

// Any shape: one element per lane step (the fixtures' odd widths).
template <int B, bool BF16, bool NORM>
__global__ void __launch_bounds__(kWarps * 32)
    gemv_any_kernel(GemvArgs a, ConvStepFusion cv, bool has_conv) {
  __shared__ float rstd[B];
  const int rows = static_cast<int>(a.W.rows), cols = static_cast<int>(a.W.cols);
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  select_group<B>(a, cv);
  wait_for_predecessor();
  if constexpr (NORM) {
    for (int b = warp; b < B; b += kWarps) {
      const float* xr = a.x + static_cast<std::size_t>(b) * a.x_stride;
      float ss = 0.0f;
      for (int k = lane; k < cols; k += 32) ss += xr[k] * xr[k];
      ss = group_sum(ss, 32);
      if (lane == 0) rstd[b] = 1.0f / sqrtf(ss / static_cast<float>(cols) + a.eps);
    }
    __syncthreads();
  }
  allow_successor();
  for (int r = blockIdx.y * kWarps + warp; r < rows; r += gridDim.y * kWarps) {
    float acc[B];
    for (int b = 0; b < B; ++b) acc[b] = 0.0f;
    for (int k = lane; k < cols; k += 32) {
      const float w = load_weight<BF16>(a.W.data, static_cast<std::size_t>(r) * cols + k);
      for (int b = 0; b < B; ++b) {
        float xv = a.x[static_cast<std::size_t>(b) * a.x_stride + k];
        if constexpr (NORM) xv = a.norm_w[k] * (xv * rstd[b]);
        acc[b] += w * xv;
      }
    }
    for (int b = 0; b < B; ++b) acc[b] = group_sum(acc[b], 32);
    if (lane < B)
      for (int b = 0; b < B; ++b)
        if (b == lane) finish(a, cv, has_conv, b, r, acc[b], nullptr);
  }
}

int sm_count() {
  static const int n = [] {
    int device = 0, count = 0;
    cudaGetDevice(&device);
    cudaDeviceGetAttribute(&count, cudaDevAttrMultiProcessorCount, device);
    return count > 0 ? count : 1;
  }();
  return n;
}

// Dynamic shared memory a block of the vector kernel may take on this device (less what its static
// arrays need).
std::size_t max_dynamic_shared() {
  static const std::size_t n = [] {
    int device = 0, bytes = 0;
    cudaGetDevice(&device);
    cudaDeviceGetAttribute(&bytes, cudaDevAttrMaxSharedMemoryPerBlockOptin, device);
    return bytes > 1024 ? static_cast<std::size_t>(bytes) - 1024 : std::size_t{0};
  }();
  return n;
}

// Blocks along the rows for each group of sessions: no more than the rows need, and no more than
// all groups together keep resident at once (`resident` blocks on the GPU): a second wave would
// idle most multiprocessors at its tail. Which block takes a row does not change its sums.
int row_blocks(int needed, int session_groups, int resident) {
  return std::max(1, std::min(needed, resident / session_groups));
}

template <class Kernel>
int resident_blocks(Kernel kernel, std::size_t shared) {
  int per_sm = 0;
  if (cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, kernel, kWarps * 32, shared) !=
          cudaSuccess ||
      per_sm < 1)
    per_sm = 1;
  return per_sm * sm_count();
}

template <int B, bool BF16, bool NORM>
cudaError_t launch(const GemvArgs& a, int sessions, cudaStream_t s) {
  const int session_groups = sessions / B;
  const ConvStepFusion cv = a.conv ? *a.conv : ConvStepFusion{};
  const bool has_conv = a.conv != nullptr;
  const int rows = static_cast<int>(a.W.rows), cols = static_cast<int>(a.W.cols);
  constexpr int W = kWidth<BF16>;
  const bool vec = cols % W == 0 && reinterpret_cast<std::uintptr_t>(a.W.data) % 16 == 0 &&
                   a.x_stride % 4 == 0 && reinterpret_cast<std::uintptr_t>(a.x) % 16 == 0;
  const std::size_t shared = (static_cast<std::size_t>(B) * cols + kWarps * 2 * B) * sizeof(float);
  if (!vec || shared > max_dynamic_shared()) {
    auto kernel = gemv_any_kernel<B, BF16, NORM>;
    const int blocks =
        row_blocks((rows + kWarps - 1) / kWarps, session_groups, resident_blocks(kernel, 0));
    return launch_dependent(kernel, dim3(session_groups, blocks), kWarps * 32, 0, s, a, cv,
                            has_conv);
  }
  // Warps per row pair: the fewest that still give every multiprocessor a block (few rows: the
  // warps of a block split a pair's columns so the whole GPU streams). Long rows whose pairs would
  // give fewer than two blocks per multiprocessor are split in four too: more blocks stream at once
  // (the out_proj of the 2.8B shape: 67% of the copy bandwidth against 60%).
  constexpr int kRows = 2;
  const int pairs = (rows + kRows - 1) / kRows;
  const bool long_rows = cols / W >= 512;
  const int split = pairs >= sm_count() * kWarps * (long_rows ? 2 : 1) ? 1
                    : pairs >= sm_count() * 2                          ? kWarps / 2
                                                                       : kWarps;
  auto kernel = split == 1            ? gemv_vec_kernel<B, BF16, NORM, 1>
                : split == kWarps / 2 ? gemv_vec_kernel<B, BF16, NORM, kWarps / 2>
                                      : gemv_vec_kernel<B, BF16, NORM, kWarps>;
  // Per device and cheap; decode steps are captured once, so this runs at capture time only.
  if (auto e = cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                    static_cast<int>(max_dynamic_shared()));
      e != cudaSuccess)
    return e;
  const int pairs_per_block = kWarps / split;
  const int blocks = row_blocks((pairs + pairs_per_block - 1) / pairs_per_block, session_groups,
                                resident_blocks(kernel, shared));
  return launch_dependent(kernel, dim3(session_groups, blocks), kWarps * 32, shared, s, a, cv,
                          has_conv);
}

template <int B>
cudaError_t dispatch(const GemvArgs& a, int sessions, cudaStream_t s) {
  const bool bf16 = a.W.type == ElementType::bf16;
  if (a.norm_w)
    return bf16 ? launch<B, true, true>(a, sessions, s) : launch<B, false, true>(a, sessions, s);
  return bf16 ? launch<B, true, false>(a, sessions, s) : launch<B, false, false>(a, sessions, s);
}

}  // namespace

cudaError_t gemv(const GemvArgs& a, cudaStream_t s) {
  if (a.B <= 0 || a.W.rows == 0) return cudaSuccess;
  // Groups of 8 sessions, then the rest as groups of 4, 2 and 1. Each row's arithmetic is the same
  // in every group size, so a session's results do not depend on how its batch was cut.
  int done = 0;
  for (int piece : {8, 4, 2, 1}) {
    while (a.B - done >= piece) {
      const int sessions = std::min((a.B - done) / piece, kMaxGroups) * piece;
      GemvArgs part = a;
      part.B = piece;
      part.x = a.x + static_cast<std::size_t>(done) * a.x_stride;
      part.y = a.y + static_cast<std::size_t>(done) * a.y_stride;
      ConvStepFusion conv;
      if (a.conv) {
        conv = *a.conv;
        conv.slots += done;
        conv.out += static_cast<std::size_t>(done) * conv.C;
        part.conv = &conv;
      }
      cudaError_t e = piece == 8   ? dispatch<8>(part, sessions, s)
                      : piece == 4 ? dispatch<4>(part, sessions, s)
                      : piece == 2 ? dispatch<2>(part, sessions, s)
                                   : dispatch<1>(part, sessions, s);
      if (e != cudaSuccess) return e;
      done += sessions;
    }
  }
  return cudaSuccess;
}

}  // namespace recur::kernels::cuda
