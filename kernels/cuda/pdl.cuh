// Programmatic dependent launch (Hopper): a kernel launched with it may start while its predecessor
// finishes, do work that needs nothing from it (load weights, constants), then wait for it.
#pragma once

#include <cuda_runtime.h>

namespace recur::kernels::cuda {

// Every kernel here allows its successor only after its own wait, so when a kernel starts, the one
// two launches back has completed: a kernel may read, before its wait, what that one and earlier
// ones wrote (only its immediate predecessor's output needs the wait).

// Blocks until the preceding kernel has completed and its writes are visible. A no-op when the
// kernel was not launched as a programmatic dependent or the GPU predates sm_90.
__device__ __forceinline__ void wait_for_predecessor() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  asm volatile("griddepcontrol.wait;" ::: "memory");
#endif
}

// Lets the next kernel in the stream begin launching (it still waits for this one's completion).
__device__ __forceinline__ void allow_successor() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  asm volatile("griddepcontrol.launch_dependents;");
#endif
}

// Whether the current device supports programmatic dependent launch (compute capability 9.0+).
bool programmatic_launch_supported();

// Launches `kernel` on `stream`, as a programmatic dependent when supported. The kernel must call
// wait_for_predecessor() before it reads anything the previous kernel writes.
template <class... Params, class... Args>
cudaError_t launch_dependent(void (*kernel)(Params...), dim3 grid, dim3 block, std::size_t shared,
                             cudaStream_t stream, Args&&... args) {
  cudaLaunchConfig_t config{};
  config.gridDim = grid;
  config.blockDim = block;
  config.dynamicSmemBytes = shared;
  config.stream = stream;
  cudaLaunchAttribute attribute[1];
  attribute[0].id = cudaLaunchAttributeProgrammaticStreamSerialization;
  attribute[0].val.programmaticStreamSerializationAllowed = 1;
  config.attrs = attribute;
  config.numAttrs = programmatic_launch_supported() ? 1 : 0;
  return cudaLaunchKernelEx(&config, kernel, std::forward<Args>(args)...);
}

}  // namespace recur::kernels::cuda
