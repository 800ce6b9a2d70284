// Dense layers for many tokens through cuBLAS: Y[t] = W x[t] (+ beta * Y[t]), W fp32 or bf16 in
// row-major [rows][cols]. fp32 weights run a full-precision fp32 GEMM (no TF32). bf16 weights take
// the two-term bf16 split of the activations (Bf16Split) and run one GEMM per term into the same
// fp32 output, so the activations keep about 16 bits of mantissa.
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime_api.h>

#include <cstddef>
#include <string>

#include "kernels/cuda/ops.hpp"
#include "kernels/element_type.hpp"

namespace recur::kernels::cuda {

class Blas {
 public:
  Blas() = default;
  ~Blas();
  Blas(const Blas&) = delete;
  Blas& operator=(const Blas&) = delete;

  // Creates the handle bound to `stream` with a fixed workspace, so GEMMs can be captured in
  // graphs. Returns an empty string on success, else what failed.
  std::string init(cudaStream_t stream, std::size_t workspace_bytes = std::size_t{32} << 20);

  // Y = W X^T over T tokens: x rows of x_ld floats (fp32 weights) or the split bf16 copy with rows
  // of x_ld elements (bf16 weights); y rows of y_ld floats. beta 1 adds into y (the residual
  // stream).
  cublasStatus_t linear(const MatrixView& W, const float* x, Bf16Split x_bf16, int x_ld, int T,
                        float* y, int y_ld, float beta = 0.0f);

  // bf16 weights only: both terms of the split in one strided-batched GEMM that shares W, so one
  // launch covers twice the tiles: terms[0..T) = W hi^T and terms[T..2T) = W lo^T, rows of
  // W.rows floats. add_terms then sums them into the destination.
  cublasStatus_t linear_terms(const MatrixView& W, Bf16Split x_bf16, int x_ld, int T, float* terms);

 private:
  cublasHandle_t handle_ = nullptr;
  void* workspace_ = nullptr;
};

const char* blas_status_name(cublasStatus_t s);

}  // namespace recur::kernels::cuda
