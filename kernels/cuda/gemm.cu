#include "kernels/cuda/gemm.hpp"

namespace recur::kernels::cuda {

Blas::~Blas() {
  if (handle_) cublasDestroy(handle_);
  if (workspace_) cudaFree(workspace_);
}

std::string Blas::init(cudaStream_t stream, std::size_t workspace_bytes) {
  if (cublasCreate(&handle_) != CUBLAS_STATUS_SUCCESS) return "cublasCreate failed";
  if (cudaMalloc(&workspace_, workspace_bytes) != cudaSuccess)
    return "cannot allocate the cuBLAS workspace";
  if (cublasSetStream(handle_, stream) != CUBLAS_STATUS_SUCCESS) return "cublasSetStream failed";
  if (cublasSetWorkspace(handle_, workspace_, workspace_bytes) != CUBLAS_STATUS_SUCCESS)
    return "cublasSetWorkspace failed";
  // Full fp32 for fp32 weights: no TF32 rounding of the operands.
  if (cublasSetMathMode(handle_, CUBLAS_PEDANTIC_MATH) != CUBLAS_STATUS_SUCCESS)
    return "cublasSetMathMode failed";
  return {};
}

cublasStatus_t Blas::linear(const MatrixView& W, const float* x, Bf16Split x_bf16, int x_ld, int T,
                            float* y, int y_ld, float beta) {
  if (T <= 0 || W.rows == 0) return CUBLAS_STATUS_SUCCESS;
  // Row-major Y[T][rows] is column-major Y^T[rows][T] = W (cols x rows, column-major, transposed) *
  // X^T.
  const float one = 1.0f;
  const int m = static_cast<int>(W.rows), k = static_cast<int>(W.cols);
  if (W.type == ElementType::f32)
    return cublasGemmEx(handle_, CUBLAS_OP_T, CUBLAS_OP_N, m, T, k, &one, W.data, CUDA_R_32F, k, x,
                        CUDA_R_32F, x_ld, &beta, y, CUDA_R_32F, y_ld, CUBLAS_COMPUTE_32F,
                        CUBLAS_GEMM_DEFAULT);
  cublasSetMathMode(handle_, CUBLAS_DEFAULT_MATH);
  auto status = cublasGemmEx(handle_, CUBLAS_OP_T, CUBLAS_OP_N, m, T, k, &one, W.data, CUDA_R_16BF,
                             k, x_bf16.hi, CUDA_R_16BF, x_ld, &beta, y, CUDA_R_32F, y_ld,
                             CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT);
  if (status == CUBLAS_STATUS_SUCCESS)
    status = cublasGemmEx(handle_, CUBLAS_OP_T, CUBLAS_OP_N, m, T, k, &one, W.data, CUDA_R_16BF, k,
                          x_bf16.hi + x_bf16.lo_offset, CUDA_R_16BF, x_ld, &one, y, CUDA_R_32F,
                          y_ld, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT);
  cublasSetMathMode(handle_, CUBLAS_PEDANTIC_MATH);
  return status;
}

cublasStatus_t Blas::linear_terms(const MatrixView& W, Bf16Split x_bf16, int x_ld, int T,
                                  float* terms) {
  if (T <= 0 || W.rows == 0) return CUBLAS_STATUS_SUCCESS;
  if (W.type != ElementType::bf16) return CUBLAS_STATUS_INVALID_VALUE;
  const float one = 1.0f, zero = 0.0f;
  const int m = static_cast<int>(W.rows), k = static_cast<int>(W.cols);
  cublasSetMathMode(handle_, CUBLAS_DEFAULT_MATH);
  const auto status = cublasGemmStridedBatchedEx(
      handle_, CUBLAS_OP_T, CUBLAS_OP_N, m, T, k, &one, W.data, CUDA_R_16BF, k, 0, x_bf16.hi,
      CUDA_R_16BF, x_ld, static_cast<long long>(x_bf16.lo_offset), &zero, terms, CUDA_R_32F, m,
      static_cast<long long>(m) * T, 2, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT);
  cublasSetMathMode(handle_, CUBLAS_PEDANTIC_MATH);
  return status;
}

const char* blas_status_name(cublasStatus_t s) {
  switch (s) {
    case CUBLAS_STATUS_SUCCESS:
      return "CUBLAS_STATUS_SUCCESS";
    case CUBLAS_STATUS_NOT_INITIALIZED:
      return "CUBLAS_STATUS_NOT_INITIALIZED";
    case CUBLAS_STATUS_ALLOC_FAILED:
      return "CUBLAS_STATUS_ALLOC_FAILED";
    case CUBLAS_STATUS_INVALID_VALUE:
      return "CUBLAS_STATUS_INVALID_VALUE";
    case CUBLAS_STATUS_ARCH_MISMATCH:
      return "CUBLAS_STATUS_ARCH_MISMATCH";
    case CUBLAS_STATUS_MAPPING_ERROR:
      return "CUBLAS_STATUS_MAPPING_ERROR";
    case CUBLAS_STATUS_EXECUTION_FAILED:
      return "CUBLAS_STATUS_EXECUTION_FAILED";
    case CUBLAS_STATUS_INTERNAL_ERROR:
      return "CUBLAS_STATUS_INTERNAL_ERROR";
    case CUBLAS_STATUS_NOT_SUPPORTED:
      return "CUBLAS_STATUS_NOT_SUPPORTED";
    default:
      return "cuBLAS error";
  }
}

}  // namespace recur::kernels::cuda
