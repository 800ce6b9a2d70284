// The selective scan (twin of kernels/cpu/selective_scan.cpp), continued from each slot's SSM
// state.
//
// Prefill: one block per (channel, sequence). The lanes of a segment hold the states n of the
// channel; the block's segments split the sequence's tokens. Pass 1 folds each segment into an
// affine map s -> P s + Q; the segment starts follow from the slot's state by a short serial
// prefix; pass 2 re-runs each segment from its start, producing y. The last segment writes the
// state back.
//
// Decode: one group of lanes per (session, channel), dt_proj fused in front of the update; each
// slot's state is read once and written once.
#include "kernels/cuda/common.cuh"
#include "kernels/cuda/ops.hpp"
#include "kernels/cuda/pdl.cuh"

#include <algorithm>

namespace recur::kernels::cuda {
namespace {

constexpr int kMaxState = 256;

// exp(delta * A) as exp2(delta * A2) with A2 = A * log2(e) taken once per channel: the state
// update's exponential is then a scaling and one ex2 rather than expf's range reduction
// (bench/cuda_engine_bench: decode steps of 128 to 1,024 sessions 1-4% faster).
constexpr float kLog2e = 1.4426950408889634f;
__device__ __forceinline__ float decay(float delta, float A2) {
  return exp2f(delta * A2);
}

int next_pow2(int v) {
  int p = 1;
  while (p < v) p *= 2;
  return p;
}

template <int PER>
__global__ void scan_prefill_kernel(ScanArgs a, int lanes, int segments) {
  extern __shared__ float shared[];
  float* P = shared;                   // [segments][N]
  float* Q = shared + segments * a.N;  // [segments][N]
  const int c = blockIdx.x;
  const SequenceDesc seq = a.seqs[blockIdx.y];
  const int lane = threadIdx.x % lanes;
  const int seg = threadIdx.x / lanes;
  const int seg_len = (seq.count + segments - 1) / segments;
  const int t0 = seq.first + min(seg * seg_len, seq.count);
  const int t1 = seq.first + min((seg + 1) * seg_len, seq.count);
  const float dt_bias = a.dt_bias ? a.dt_bias[c] : 0.0f;

  float A[PER];
  for (int j = 0; j < PER; ++j) {
    const int n = lane + j * lanes;
    A[j] = n < a.N ? a.A[c * a.N + n] * kLog2e : 0.0f;
  }
  // Pass 1: the segment's affine map.
  float p[PER], q[PER];
  for (int j = 0; j < PER; ++j) p[j] = 1.0f, q[j] = 0.0f;
  for (int t = t0; t < t1; ++t) {
    const float delta = softplus(a.dt[static_cast<std::size_t>(t) * a.C + c] + dt_bias);
    const float u = a.u[static_cast<std::size_t>(t) * a.C + c];
    const float* row = a.dbc + static_cast<std::size_t>(t) * a.dbc_stride;
    for (int j = 0; j < PER; ++j) {
      const int n = lane + j * lanes;
      if (n >= a.N) continue;
      const float da = decay(delta, A[j]);
      p[j] *= da;
      q[j] = da * q[j] + (delta * row[a.b_offset + n]) * u;
    }
  }
  for (int j = 0; j < PER; ++j) {
    const int n = lane + j * lanes;
    if (n < a.N) P[seg * a.N + n] = p[j], Q[seg * a.N + n] = q[j];
  }
  __syncthreads();
  // Segment starts: a serial prefix over segments, one thread per state.
  float* state = seq.slot >= 0
                     ? a.state.base + static_cast<std::size_t>(seq.slot) * a.state.slot_stride +
                           static_cast<std::size_t>(c) * a.N
                     : nullptr;
  if (seg == 0) {
    for (int j = 0; j < PER; ++j) {
      const int n = lane + j * lanes;
      if (n >= a.N) continue;
      float s = state ? state[n] : 0.0f;
      for (int g = 0; g < segments; ++g) {
        const float next = P[g * a.N + n] * s + Q[g * a.N + n];
        P[g * a.N + n] = s;  // P now holds each segment's start
        s = next;
      }
    }
  }
  __syncthreads();
  // Pass 2: outputs.
  float s[PER];
  for (int j = 0; j < PER; ++j) {
    const int n = lane + j * lanes;
    s[j] = n < a.N ? P[seg * a.N + n] : 0.0f;
  }
  // Every segment runs seg_len iterations so the lanes of a warp shuffle together.
  for (int i = 0; i < seg_len; ++i) {
    const int t = seq.first + seg * seg_len + i;
    const bool live = t < t1;
    float partial = 0.0f;
    float u = 0.0f;
    if (live) {
      const float delta = softplus(a.dt[static_cast<std::size_t>(t) * a.C + c] + dt_bias);
      u = a.u[static_cast<std::size_t>(t) * a.C + c];
      const float* row = a.dbc + static_cast<std::size_t>(t) * a.dbc_stride;
      for (int j = 0; j < PER; ++j) {
        const int n = lane + j * lanes;
        if (n >= a.N) continue;
        s[j] = decay(delta, A[j]) * s[j] + (delta * row[a.b_offset + n]) * u;
        partial += s[j] * row[a.c_offset + n];
      }
    }
    const float total = group_sum(partial, lanes);
    if (live && lane == 0) {
      const float z = a.z[static_cast<std::size_t>(t) * a.z_stride + c];
      const float y = (total + a.D[c] * u) * silu(z);
      a.y[static_cast<std::size_t>(t) * a.C + c] = y;
      if (a.y_bf16.hi) store_split(a.y_bf16, static_cast<std::size_t>(t) * a.C + c, y);
    }
  }
  // The last segment holding tokens writes the state (a sequence shorter than the segment count
  // leaves trailing segments empty; their s equals the last real segment's end).
  if (state && seg == segments - 1) {
    for (int j = 0; j < PER; ++j) {
      const int n = lane + j * lanes;
      if (n < a.N) state[n] = s[j];
    }
  }
}

// A block covers 256 / lanes channels for `sessions` consecutive sessions: A, D, the dt bias and
// the dt_proj weights are loaded once and reused for each session. Lanes hold PER consecutive
// states; with VEC they move as 16-byte vectors.
//
// Only dbc and a precomputed dt come from the previous kernels (x_proj, dt_proj); u and z come
// from the conv step and in_proj, at least two launches back, and the state from the previous
// step, so the first session's slot, state, u and z are loaded before waiting for the predecessor
// (see pdl.cuh), next to the constants. Each session's dbc row is staged once in shared memory for
// the whole block.
// Each lane keeps up to MAX_DT dt_proj weights in registers (more registers for wider ranks).
// PENDING: z, and dbc and dt where given, are read as pending terms (see Terms); a separate
// instantiation, so the kernel of summed inputs keeps its registers. Where dt comes precomputed
// (many sessions, memory-bound) six blocks stay resident per multiprocessor (40 registers): the
// pending kernel at 44 registers fits five. Requesting the next session's operands during the
// current one's update was tried: 74 registers, three blocks, steps of 1,024 sessions 13-16%
// slower. The fused-dt kernels keep the compiler's own choice (a minimum of one block took them
// from 58-64 to 71-79 registers, four blocks to three).
template <bool BF16, bool FUSED_DT, int PER, bool VEC, int MAX_DT, bool PENDING>
__global__ void __launch_bounds__(256, !FUSED_DT && PER == 4 ? 6 : 0)
    scan_step_kernel(ScanStepArgs a, int lanes, int sessions) {
  const int lane = threadIdx.x % lanes;
  const int c_raw = blockIdx.x * (blockDim.x / lanes) + threadIdx.x / lanes;
  const bool active = c_raw < a.C;
  const int c = active ? c_raw : a.C - 1;
  const int n0 = lane * PER;
  float A[PER];
#pragma unroll
  for (int j = 0; j < PER; ++j) A[j] = n0 + j < a.N ? a.A[c * a.N + n0 + j] * kLog2e : 0.0f;
  const float D = a.D[c], bias = a.dt_bias[c];
  // This lane's dt_proj weights, kept in registers when they fit: r = lane * per .. + per - 1
  // (16-byte loads where rows and slices are aligned); else r = lane, lane + lanes, ...
  constexpr int kMaxDt = MAX_DT;
  float wdt[kMaxDt];
  const int per = (a.R + lanes - 1) / lanes;
  const bool dt_in_registers = FUSED_DT && per <= kMaxDt;
  if constexpr (FUSED_DT) {
    const std::size_t base = static_cast<std::size_t>(c) * a.R + lane * per;
    if (BF16 && dt_in_registers && a.R % 8 == 0 && per % 8 == 0 &&
        reinterpret_cast<std::uintptr_t>(a.dt_proj.data) % 16 == 0) {
      const uint4* w =
          reinterpret_cast<const uint4*>(static_cast<const std::uint16_t*>(a.dt_proj.data) + base);
#pragma unroll
      for (int q = 0; q < kMaxDt / 8; ++q) {
        if (q * 8 >= per) break;
        const uint4 v = w[q];
        const std::uint32_t words[4] = {v.x, v.y, v.z, v.w};
#pragma unroll
        for (int e = 0; e < 4; ++e) {
          wdt[q * 8 + 2 * e] = __uint_as_float(words[e] << 16);
          wdt[q * 8 + 2 * e + 1] = __uint_as_float(words[e] & 0xffff0000u);
        }
      }
    } else {
#pragma unroll
      for (int i = 0; i < kMaxDt; ++i)
        wdt[i] = dt_in_registers && i < per && lane * per + i < a.R
                     ? load_weight<BF16>(a.dt_proj.data, base + i)
                     : 0.0f;
    }
  }
  // Session b's operands that do not come from the predecessor.
  struct Operands {
    float* state;  // null: padding row or inactive lane group
    float s[PER];
    float u, z;
    float z_second;  // a pending z's second term, added where z is used (the loads do not wait)
  };
  // An input that may be pending (PENDING and its terms given) or summed.
  auto input = [&](const Terms& terms, const float* summed, std::size_t ld, int b, int col) {
    if constexpr (PENDING) return read_sum(terms, summed, ld, b, col);
    return summed[static_cast<std::size_t>(b) * ld + col];
  };
  auto load_operands = [&](int b, Operands& o) {
    const int slot = a.slots[b];
    o.state = slot >= 0 && active
                  ? a.state.base + static_cast<std::size_t>(slot) * a.state.slot_stride +
                        static_cast<std::size_t>(c) * a.N + n0
                  : nullptr;
    if constexpr (VEC) {
#pragma unroll
      for (int q = 0; q < PER / 4; ++q) {
        const float4 v = o.state && n0 + 4 * q < a.N ? reinterpret_cast<const float4*>(o.state)[q]
                                                     : float4{0, 0, 0, 0};
        o.s[4 * q] = v.x, o.s[4 * q + 1] = v.y, o.s[4 * q + 2] = v.z, o.s[4 * q + 3] = v.w;
      }
    } else {
#pragma unroll
      for (int j = 0; j < PER; ++j) o.s[j] = o.state && n0 + j < a.N ? o.state[j] : 0.0f;
    }
    o.u = a.u[static_cast<std::size_t>(b) * a.C + c];
    if constexpr (PENDING) {
      if (a.z_terms.t) {
        const std::size_t i = static_cast<std::size_t>(b) * a.z_terms.ld + c;
        o.z = a.z_terms.t[i];
        o.z_second = a.z_terms.t[a.z_terms.second + i];
        return;
      }
    }
    o.z = a.z[static_cast<std::size_t>(b) * a.z_stride + c];
  };
  auto gate_input = [&](const Operands& o) {
    if constexpr (PENDING) {
      if (a.z_terms.t) return sum_of(a.z_terms, o.z, o.z_second, c);
    }
    return o.z;
  };
  const int first = blockIdx.y * sessions;
  Operands o;
  if (first < a.B) load_operands(first, o);
  wait_for_predecessor();
  allow_successor();
  const int W = a.R + 2 * a.N;
  extern __shared__ float row[];  // [W]: this session's dt_low, B and C
  for (int i = 0; i < sessions; ++i) {
    const int b = first + i;
    if (b >= a.B) break;  // the same for the whole block
    if (i > 0) load_operands(b, o);
    // A precomputed dt (or its two terms) is requested before the row is staged, which hides its
    // latency.
    float dt_first = 0.0f, dt_second = 0.0f;
    if constexpr (!FUSED_DT) {
      const bool terms = PENDING && a.dt_terms.t;
      const std::size_t i_dt = static_cast<std::size_t>(b) * (terms ? a.dt_terms.ld : a.C) + c;
      dt_first = terms ? a.dt_terms.t[i_dt] : a.dt[i_dt];
      if (terms) dt_second = a.dt_terms.t[a.dt_terms.second + i_dt];
    }
    __syncthreads();  // the previous session's row has been read
    for (int k = threadIdx.x; k < W; k += blockDim.x) row[k] = input(a.dbc_terms, a.dbc, W, b, k);
    __syncthreads();
    float dt;
    if constexpr (FUSED_DT) {
      float acc = 0.0f;
      if (dt_in_registers) {
#pragma unroll
        for (int i = 0; i < kMaxDt; ++i)
          if (i < per && lane * per + i < a.R) acc += wdt[i] * row[lane * per + i];
      } else {
#pragma unroll 4
        for (int r = lane; r < a.R; r += lanes)
          acc += load_weight<BF16>(a.dt_proj.data, static_cast<std::size_t>(c) * a.R + r) * row[r];
      }
      dt = group_sum(acc, lanes);
    } else {
      dt = PENDING && a.dt_terms.t ? sum_of(a.dt_terms, dt_first, dt_second, c) : dt_first;
    }
    const float delta = softplus(dt + bias);
    const float u = o.u;
    float partial = 0.0f;
#pragma unroll
    for (int j = 0; j < PER; ++j) {
      const int n = n0 + j;
      if (n >= a.N) continue;
      o.s[j] = decay(delta, A[j]) * o.s[j] + (delta * row[a.R + n]) * u;
      partial += o.s[j] * row[a.R + a.N + n];
    }
    if (o.state) {
      if constexpr (VEC) {
#pragma unroll
        for (int q = 0; q < PER / 4; ++q)
          if (n0 + 4 * q < a.N)
            reinterpret_cast<float4*>(o.state)[q] =
                float4{o.s[4 * q], o.s[4 * q + 1], o.s[4 * q + 2], o.s[4 * q + 3]};
      } else {
#pragma unroll
        for (int j = 0; j < PER; ++j)
          if (n0 + j < a.N) o.state[j] = o.s[j];
      }
    }
    const float total = group_sum(partial, lanes);
    if (active && lane == 0) {
      const float y = (total + D * u) * silu(gate_input(o));
      a.y[static_cast<std::size_t>(b) * a.C + c] = y;
      if (a.y_bf16.hi) store_split(a.y_bf16, static_cast<std::size_t>(b) * a.C + c, y);
    }
  }
}

template <int PER>
cudaError_t launch_prefill(const ScanArgs& a, int lanes, cudaStream_t s) {
  const int segments = max(1, min(64, 128 / lanes));
  const dim3 grid(a.C, a.n_seqs);
  const std::size_t shared = 2 * static_cast<std::size_t>(segments) * a.N * sizeof(float);
  scan_prefill_kernel<PER><<<grid, lanes * segments, shared, s>>>(a, lanes, segments);
  return last_launch_status();
}

template <bool BF16, bool FUSED_DT, int PER, bool PENDING>
cudaError_t launch_step(const ScanStepArgs& a, bool vec, cudaStream_t s) {
  const int lanes = std::min(32, next_pow2((a.N + PER - 1) / PER));
  const int channels_per_block = 256 / lanes;
  // Sessions per block: enough blocks to fill the GPU, few enough to reuse A across sessions.
  const int sessions = std::max(1, std::min(16, a.B / 64));
  const dim3 grid((a.C + channels_per_block - 1) / channels_per_block,
                  (a.B + sessions - 1) / sessions);
  // dt_proj weights per lane: 16 registers cover the small shapes at full occupancy; wider ranks
  // (the 2.8B shape: 160) take 48. Shared memory: one dbc row.
  const bool wide = FUSED_DT && a.R > 16 * lanes;
  const std::size_t shared = static_cast<std::size_t>(a.R + 2 * a.N) * sizeof(float);
  auto kernel = vec ? (wide ? scan_step_kernel<BF16, FUSED_DT, PER, true, 48, PENDING>
                            : scan_step_kernel<BF16, FUSED_DT, PER, true, 16, PENDING>)
                    : (wide ? scan_step_kernel<BF16, FUSED_DT, PER, false, 48, PENDING>
                            : scan_step_kernel<BF16, FUSED_DT, PER, false, 16, PENDING>);
  return launch_dependent(kernel, grid, 256, shared, s, a, lanes, sessions);
}

template <bool BF16, bool FUSED_DT>
cudaError_t launch_step(const ScanStepArgs& a, cudaStream_t s) {
  const bool vec = a.N % 4 == 0 && a.state.slot_stride % 4 == 0 &&
                   reinterpret_cast<std::uintptr_t>(a.state.base) % 16 == 0;
  const bool pending = a.z_terms.t || a.dbc_terms.t || a.dt_terms.t;
  if (pending)
    return a.N <= 128 ? launch_step<BF16, FUSED_DT, 4, true>(a, vec, s)
                      : launch_step<BF16, FUSED_DT, 8, true>(a, vec, s);
  return a.N <= 128 ? launch_step<BF16, FUSED_DT, 4, false>(a, vec, s)
                    : launch_step<BF16, FUSED_DT, 8, false>(a, vec, s);
}

}  // namespace

cudaError_t selective_scan(const ScanArgs& a, cudaStream_t s) {
  if (a.n_seqs <= 0 || a.C <= 0) return cudaSuccess;
  if (a.N < 1 || a.N > kMaxState) return cudaErrorInvalidValue;
  const int lanes = min(32, next_pow2(a.N));
  const int per = (a.N + lanes - 1) / lanes;
  if (per == 1) return launch_prefill<1>(a, lanes, s);
  if (per == 2) return launch_prefill<2>(a, lanes, s);
  if (per <= 4) return launch_prefill<4>(a, lanes, s);
  return launch_prefill<8>(a, lanes, s);
}

cudaError_t selective_scan_step(const ScanStepArgs& a, cudaStream_t s) {
  if (a.B <= 0 || a.C <= 0) return cudaSuccess;
  if (a.N < 1 || a.N > kMaxState) return cudaErrorInvalidValue;
  if (a.dt || a.dt_terms.t) return launch_step<false, false>(a, s);
  return a.dt_proj.type == ElementType::bf16 ? launch_step<true, true>(a, s)
                                             : launch_step<false, true>(a, s);
}

}  // namespace recur::kernels::cuda
