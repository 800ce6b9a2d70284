// Device arrays for GPU tests, and the skip that keeps GPU tests honest on machines without one.
#pragma once

#include <cuda_runtime_api.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

namespace recur::testing {

// Skips the current test, saying why, when no CUDA device can be used.
#define RECUR_REQUIRE_GPU()                                                              \
  do {                                                                                   \
    int recur_devices = 0;                                                               \
    const cudaError_t recur_e = cudaGetDeviceCount(&recur_devices);                      \
    if (recur_e != cudaSuccess || recur_devices == 0)                                    \
      GTEST_SKIP() << "no CUDA device ("                                                 \
                   << (recur_e != cudaSuccess ? cudaGetErrorName(recur_e) : "0 devices") \
                   << "): GPU test skipped";                                             \
  } while (0)

#define RECUR_CUDA_OK(call) \
  ASSERT_EQ((call), cudaSuccess) << #call << ": " << cudaGetErrorString(cudaGetLastError())

template <class T>
class DeviceArray {
 public:
  DeviceArray() = default;
  explicit DeviceArray(const std::vector<T>& host) { upload(host); }
  explicit DeviceArray(std::size_t n) { resize(n); }
  ~DeviceArray() {
    if (ptr_) cudaFree(ptr_);
  }
  DeviceArray(const DeviceArray&) = delete;
  DeviceArray& operator=(const DeviceArray&) = delete;

  void resize(std::size_t n) {
    if (ptr_) cudaFree(ptr_);
    n_ = n;
    cudaMalloc(reinterpret_cast<void**>(&ptr_), std::max<std::size_t>(n, 1) * sizeof(T));
    // Poison: a kernel that forgets an element leaves NaN-like bytes that a comparison catches.
    cudaMemset(ptr_, 0xff, std::max<std::size_t>(n, 1) * sizeof(T));
  }
  void upload(const std::vector<T>& host) {
    resize(host.size());
    cudaMemcpy(ptr_, host.data(), host.size() * sizeof(T), cudaMemcpyHostToDevice);
  }
  std::vector<T> download() const {
    std::vector<T> out(n_);
    cudaDeviceSynchronize();
    cudaMemcpy(out.data(), ptr_, n_ * sizeof(T), cudaMemcpyDeviceToHost);
    return out;
  }
  T* get() const { return ptr_; }
  std::size_t size() const { return n_; }

 private:
  T* ptr_ = nullptr;
  std::size_t n_ = 0;
};

// max |a - b| / max |b| over the arrays (the error relative to the reference's scale); `floor`
// keeps an all-zero reference from dividing by zero. NaN anywhere is infinitely wrong.
template <class A, class B>
double max_relative_difference(const A& a, const B& b, double floor = 1e-30) {
  double diff = 0, scale = floor;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const double d = std::abs(static_cast<double>(a[i]) - static_cast<double>(b[i]));
    if (std::isnan(d)) return INFINITY;
    diff = std::max(diff, d);
    scale = std::max(scale, std::abs(static_cast<double>(b[i])));
  }
  return diff / scale;
}

}  // namespace recur::testing
