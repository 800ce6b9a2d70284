#include "kernels/cuda/pdl.cuh"

namespace recur::kernels::cuda {

bool programmatic_launch_supported() {
  static const bool supported = [] {
    int device = 0, major = 0;
    if (cudaGetDevice(&device) != cudaSuccess) return false;
    if (cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device) != cudaSuccess)
      return false;
    return major >= 9;
  }();
  return supported;
}

}  // namespace recur::kernels::cuda
