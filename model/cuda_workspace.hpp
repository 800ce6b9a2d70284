// The device memory of the CUDA backend besides weights and states: activations for up to kRows
// tokens (a pass's tokens or a decode step's sessions), the logits, and page-locked staging.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "kernels/cuda/gemm.hpp"
#include "kernels/cuda/ops.hpp"
#include "model/config.hpp"
#include "model/cuda_memory.hpp"

namespace recur {

// Collects the first failure of a sequence of launches.
struct LaunchLog {
  Status status;
  void operator()(cudaError_t e, const char* what) {
    if (status && e != cudaSuccess) status = cuda_check(e, what);
  }
  void operator()(cublasStatus_t e, const char* what) {
    if (status && e != CUBLAS_STATUS_SUCCESS)
      status = fail(
          e == CUBLAS_STATUS_ALLOC_FAILED ? ErrorCode::resource_exhausted : ErrorCode::internal,
          std::string("cublas: ") + what + ": " + kernels::cuda::blas_status_name(e));
  }
};

struct CudaWorkspace {
  static constexpr std::size_t kMaxPassTokens = 2048;
  static constexpr std::size_t kMaxDecodeBatch = 1024;
  static constexpr std::size_t kRows =
      kMaxPassTokens > kMaxDecodeBatch ? kMaxPassTokens : kMaxDecodeBatch;

  // Activations (fp32, and the two-term bf16 copies that GEMMs with bf16 weights read).
  DeviceBuffer h, u, u16, xz, xc, xc16, dbc, dbc16, dt, y, y16, logits, argmax;
  // Products of layer matrices with bf16 weights over up to kTermRows rows may run both terms of
  // the split in one batched GEMM (Blas::linear_terms), into `terms` (in_proj, out_proj and the
  // matrices of a pass) or, in a decode step, where they stay until the scan reads them: x_proj's
  // into terms_x, dt_proj's into terms_dt.
  static constexpr std::size_t kTermRows = 512;
  DeviceBuffer terms, terms_x, terms_dt;
  // The batch-invariant tensor-core path: one layer input at a time as its padded bf16 split, and
  // each row's 1/rms.
  DeviceBuffer split16, rstd;
  // Inputs: tokens ([tokens | slots] for decode steps), sequences, each token's sequence, logit
  // rows.
  DeviceBuffer tokens, seqs, token_seq, rows;
  PinnedArray<std::int32_t> h_tokens, h_token_seq, h_rows, h_argmax;
  PinnedArray<kernels::cuda::SequenceDesc> h_seqs;

  Status allocate(const MambaConfig& config);

  // split16 for inputs of `cols` columns (rows of split_width(cols) elements).
  kernels::cuda::Bf16Split padded_split(std::size_t cols) const {
    return {split16.get<std::uint16_t>(),
            kRows * static_cast<std::size_t>(kernels::cuda::split_width(static_cast<int>(cols)))};
  }
  // The split bf16 copy held in `buffer` for activations of `cols` columns, or none.
  static kernels::cuda::Bf16Split split(const DeviceBuffer& buffer, std::size_t cols, bool wanted) {
    if (!wanted) return {};
    return {buffer.get<std::uint16_t>(), kRows * cols};
  }
};

}  // namespace recur
