// What it costs to make every block of the GPU wait for every other, the step a decode layer
// needs four times (in_proj -> x_proj -> scan -> out_proj -> next in_proj, each all-to-all):
//  - a kernel boundary: empty kernels back to back in a CUDA graph, with and without programmatic
//    dependent launch (how the decode step runs);
//  - a grid-wide barrier inside one cooperative (all blocks resident) kernel, as a persistent
//    decode kernel would use: a generation barrier with fences, the same with release/acquire
//    atomics, a monotonic counter, and cooperative_groups' grid.sync().
// Each is timed over many repetitions with CUDA events and printed per synchronisation, with its
// ratio to the PDL kernel boundary measured in the same run.
//
// Run: build/bench/cuda_sync_bench
#include <cooperative_groups.h>
#include <cuda_runtime.h>

#include <cstdio>
#include <utility>

#include "kernels/cuda/pdl.cuh"

namespace {

namespace cg = cooperative_groups;

constexpr int kRepeats = 2000;

#define CHECK(call)                                                                   \
  do {                                                                                \
    const cudaError_t e = (call);                                                     \
    if (e != cudaSuccess) {                                                           \
      std::printf("%s: %s: %s\n", #call, cudaGetErrorName(e), cudaGetErrorString(e)); \
      return 1;                                                                       \
    }                                                                                 \
  } while (0)

// Arrivals at bar[0], generation at bar[1]; the last block resets the arrivals and advances the
// generation, with device-wide fences around.
__device__ void barrier_fenced(unsigned* bar) {
  __syncthreads();
  if (threadIdx.x == 0) {
    volatile unsigned* generation = bar + 1;
    const unsigned seen = *generation;
    __threadfence();
    if (atomicAdd(bar, 1u) == gridDim.x - 1) {
      atomicExch(bar, 0u);
      __threadfence();
      atomicAdd(bar + 1, 1u);
    } else {
      while (*generation == seen) {
      }
    }
    __threadfence();
  }
  __syncthreads();
}

// The same with release/acquire atomics in place of the fences.
__device__ void barrier_acquire_release(unsigned* bar) {
  __syncthreads();
  if (threadIdx.x == 0) {
    unsigned seen, old;
    asm volatile("ld.relaxed.gpu.global.u32 %0, [%1];" : "=r"(seen) : "l"(bar + 1) : "memory");
    asm volatile("atom.acq_rel.gpu.global.add.u32 %0, [%1], 1;" : "=r"(old) : "l"(bar) : "memory");
    if (old == gridDim.x - 1) {
      asm volatile("st.relaxed.gpu.global.u32 [%0], 0;" ::"l"(bar) : "memory");
      asm volatile("red.release.gpu.global.add.u32 [%0], 1;" ::"l"(bar + 1) : "memory");
    } else {
      unsigned now;
      do {
        asm volatile("ld.acquire.gpu.global.u32 %0, [%1];" : "=r"(now) : "l"(bar + 1) : "memory");
      } while (now == seen);
    }
  }
  __syncthreads();
}

// A counter that only grows: barrier i waits for (i + 1) * blocks arrivals (no reset).
__device__ void barrier_counter(unsigned* bar, unsigned target) {
  __syncthreads();
  if (threadIdx.x == 0) {
    asm volatile("red.release.gpu.global.add.u32 [%0], 1;" ::"l"(bar) : "memory");
    unsigned now;
    do {
      asm volatile("ld.acquire.gpu.global.u32 %0, [%1];" : "=r"(now) : "l"(bar) : "memory");
    } while (now < target);
  }
  __syncthreads();
}

__global__ void fenced_kernel(unsigned* bar, int n) {
  for (int i = 0; i < n; ++i) barrier_fenced(bar);
}
__global__ void acquire_release_kernel(unsigned* bar, int n) {
  for (int i = 0; i < n; ++i) barrier_acquire_release(bar);
}
__global__ void counter_kernel(unsigned* bar, int n) {
  for (int i = 0; i < n; ++i) barrier_counter(bar, (i + 1) * gridDim.x);
}
__global__ void grid_sync_kernel(unsigned*, int n) {
  cg::grid_group grid = cg::this_grid();
  for (int i = 0; i < n; ++i) grid.sync();
}

// An empty programmatic dependent: waits for its predecessor, then lets its successor launch.
__global__ void empty_kernel() {
  recur::kernels::cuda::wait_for_predecessor();
  recur::kernels::cuda::allow_successor();
}

// Microseconds per kernel of kRepeats empty kernels of `blocks` x `threads` replayed as a graph.
int time_boundaries(int blocks, int threads, bool pdl, cudaStream_t s, float* us) {
  cudaGraph_t graph;
  cudaGraphExec_t exec;
  CHECK(cudaStreamBeginCapture(s, cudaStreamCaptureModeGlobal));
  for (int i = 0; i < kRepeats; ++i) {
    if (pdl)
      CHECK(recur::kernels::cuda::launch_dependent(empty_kernel, blocks, threads, 0, s));
    else
      empty_kernel<<<blocks, threads, 0, s>>>();
  }
  CHECK(cudaGetLastError());
  CHECK(cudaStreamEndCapture(s, &graph));
  CHECK(cudaGraphInstantiate(&exec, graph, 0));
  cudaEvent_t a, b;
  CHECK(cudaEventCreate(&a));
  CHECK(cudaEventCreate(&b));
  CHECK(cudaGraphLaunch(exec, s));  // warm-up
  CHECK(cudaEventRecord(a, s));
  CHECK(cudaGraphLaunch(exec, s));
  CHECK(cudaEventRecord(b, s));
  CHECK(cudaEventSynchronize(b));
  float ms = 0;
  CHECK(cudaEventElapsedTime(&ms, a, b));
  *us = ms * 1e3f / kRepeats;
  cudaGraphExecDestroy(exec);
  cudaGraphDestroy(graph);
  return 0;
}

// Microseconds per barrier of one cooperative launch of `kernel` running kRepeats barriers.
int time_barriers(void (*kernel)(unsigned*, int), int blocks, int threads, unsigned* bar,
                  cudaStream_t s, float* us) {
  int n = kRepeats;
  void* args[] = {&bar, &n};
  cudaEvent_t a, b;
  CHECK(cudaEventCreate(&a));
  CHECK(cudaEventCreate(&b));
  for (int run = 0; run < 2; ++run) {  // the first is a warm-up
    CHECK(cudaMemsetAsync(bar, 0, 2 * sizeof(unsigned), s));
    CHECK(cudaEventRecord(a, s));
    CHECK(
        cudaLaunchCooperativeKernel(reinterpret_cast<void*>(kernel), blocks, threads, args, 0, s));
    CHECK(cudaEventRecord(b, s));
  }
  CHECK(cudaEventSynchronize(b));
  float ms = 0;
  CHECK(cudaEventElapsedTime(&ms, a, b));
  *us = ms * 1e3f / kRepeats;
  return 0;
}

}  // namespace

int main() {
  int devices = 0;
  if (cudaGetDeviceCount(&devices) != cudaSuccess || devices == 0) {
    std::printf("no CUDA device: nothing to measure\n");
    return 77;
  }
  cudaDeviceProp prop{};
  CHECK(cudaGetDeviceProperties(&prop, 0));
  const int sms = prop.multiProcessorCount;
  std::printf("device: %s, %d SMs; %d repetitions each\n\n", prop.name, sms, kRepeats);
  cudaStream_t s;
  CHECK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
  unsigned* bar = nullptr;
  CHECK(cudaMalloc(&bar, 2 * sizeof(unsigned)));

  float boundary = 0, plain = 0;
  if (time_boundaries(2 * sms, 256, true, s, &boundary) ||
      time_boundaries(2 * sms, 256, false, s, &plain))
    return 1;
  std::printf("%-58s %8s %10s\n", "synchronisation of every block", "us each", "vs PDL");
  std::printf("%-58s %8.3f %9.2fx\n", "kernel boundary in a graph, PDL (2 blocks/SM x 256)",
              boundary, 1.0);
  std::printf("%-58s %8.3f %9.2fx\n", "kernel boundary in a graph, no PDL", plain,
              plain / boundary);
  struct Barrier {
    const char* name;
    void (*kernel)(unsigned*, int);
  };
  const Barrier barriers[] = {{"generation barrier, fences", fenced_kernel},
                              {"generation barrier, release/acquire", acquire_release_kernel},
                              {"monotonic counter, release/acquire", counter_kernel},
                              {"cooperative_groups grid.sync()", grid_sync_kernel}};
  for (const auto& [per_sm, threads] : {std::pair{1, 256}, std::pair{2, 256}, std::pair{1, 512}}) {
    for (const Barrier& b : barriers) {
      float us = 0;
      if (time_barriers(b.kernel, per_sm * sms, threads, bar, s, &us)) return 1;
      char name[96];
      std::snprintf(name, sizeof name, "%s (%d x %d)", b.name, per_sm * sms, threads);
      std::printf("%-58s %8.3f %9.2fx\n", name, us, us / boundary);
    }
  }
  cudaFree(bar);
  cudaStreamDestroy(s);
  return 0;
}
