// Device memory and CUDA errors as recur values, for the CUDA backend.
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>
#include <string>
#include <utility>

#include "base/result.hpp"

namespace recur {

// The kind of failure a CUDA error is: device memory running out is resource_exhausted, a device
// or driver that cannot be used is unavailable, anything else (a failed launch, a bad address) is
// internal.
inline ErrorCode cuda_error_code(cudaError_t e) {
  switch (e) {
    case cudaErrorMemoryAllocation:
      return ErrorCode::resource_exhausted;
    case cudaErrorInvalidDevice:
      return ErrorCode::not_found;
    case cudaErrorNoDevice:
    case cudaErrorInsufficientDriver:
    case cudaErrorDevicesUnavailable:
    case cudaErrorInitializationError:
    case cudaErrorSystemDriverMismatch:
    case cudaErrorCompatNotSupportedOnDevice:
      return ErrorCode::unavailable;
    default:
      return ErrorCode::internal;
  }
}

// Status of a CUDA call: "cuda: <what>: <error name>: <description>" on failure, with the code of
// cuda_error_code.
inline Status cuda_check(cudaError_t e, const std::string& what) {
  if (e == cudaSuccess) return {};
  return fail(cuda_error_code(e),
              "cuda: " + what + ": " + cudaGetErrorName(e) + ": " + cudaGetErrorString(e));
}

// An owned device allocation.
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  DeviceBuffer(DeviceBuffer&& o) noexcept
      : ptr_(std::exchange(o.ptr_, nullptr)), bytes_(o.bytes_) {}
  DeviceBuffer& operator=(DeviceBuffer&& o) noexcept {
    std::swap(ptr_, o.ptr_);
    std::swap(bytes_, o.bytes_);
    return *this;
  }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  ~DeviceBuffer() {
    if (ptr_) cudaFree(ptr_);
  }

  Status allocate(std::size_t bytes, const std::string& what) {
    if (ptr_) cudaFree(ptr_);
    ptr_ = nullptr;
    bytes_ = bytes;
    if (bytes == 0) return {};
    return cuda_check(cudaMalloc(&ptr_, bytes),
                      "allocating " + std::to_string(bytes) + " bytes for " + what);
  }
  // Allocates and copies `bytes` from host memory.
  Status upload(const void* host, std::size_t bytes, const std::string& what) {
    if (auto s = allocate(bytes, what); !s) return s;
    if (bytes == 0) return {};
    return cuda_check(cudaMemcpy(ptr_, host, bytes, cudaMemcpyHostToDevice), "uploading " + what);
  }

  template <class T = void>
  T* get() const {
    return static_cast<T*>(ptr_);
  }
  std::size_t bytes() const { return bytes_; }

 private:
  void* ptr_ = nullptr;
  std::size_t bytes_ = 0;
};

// Page-locked host memory for transfers that overlap with kernels.
template <class T>
class PinnedArray {
 public:
  PinnedArray() = default;
  PinnedArray(const PinnedArray&) = delete;
  PinnedArray& operator=(const PinnedArray&) = delete;
  ~PinnedArray() {
    if (ptr_) cudaFreeHost(ptr_);
  }
  Status allocate(std::size_t n, const std::string& what) {
    n_ = n;
    return cuda_check(
        cudaMallocHost(reinterpret_cast<void**>(&ptr_), std::max<std::size_t>(n, 1) * sizeof(T)),
        "allocating pinned memory for " + what);
  }
  T* data() const { return ptr_; }
  T& operator[](std::size_t i) const { return ptr_[i]; }
  std::size_t size() const { return n_; }

 private:
  T* ptr_ = nullptr;
  std::size_t n_ = 0;
};

}  // namespace recur
