// The kernel sequences of the CUDA backend, enqueued on its stream:
//  - a pass (prompts, tool observations, mixed batches): cuBLAS GEMMs over all tokens of the pass,
//    the conv and the segmented scan continuing each sequence from its slot;
//  - a decode step (one token per session), captured once per batch bucket as a CUDA graph: small
//    buckets use fused GEMV kernels (norm + in_proj + conv step, x_proj, dt_proj + scan, out_proj +
//    residual), four kernels per layer, and the head on cuBLAS past 8 sessions; larger buckets use
//    cuBLAS GEMMs (up to 128 sessions with x_proj on the GEMV kernel and dt_proj in the scan; with
//    bf16 weights, up to 512 sessions each layer product's two split terms come from one batched
//    GEMM and are summed by the kernels that read them, see kernels::cuda::Terms).
// Batch-invariant (`invariant`): every pass and every decode bucket takes kernels whose sums do not
// depend on the batch (bf16 weights: the tensor-core product over split inputs; fp32 weights: the
// GEMV kernels), so a sequence's results never depend on the sequences it runs with. Otherwise
// cuBLAS GEMMs take passes and larger buckets: their sums vary with the batch size.
#pragma once

#include "kernels/cuda/gemm.hpp"
#include "kernels/cuda/ops.hpp"
#include "model/cuda_weights.hpp"
#include "model/cuda_workspace.hpp"
#include "model/state_shape.hpp"

namespace recur {

struct CudaLayers {
  const MambaConfig& config;
  const DeviceWeights& weights;
  CudaWorkspace& ws;
  float* pool;  // the state pool
  StateShape shape;
  kernels::cuda::Blas& blas;
  cudaStream_t stream;
  bool invariant;

  // A pass of T tokens in n_seqs sequences (staged in ws.tokens, ws.seqs, ws.token_seq) that ends
  // with n_rows rows of logits in ws.logits (the rows named in ws.rows).
  void enqueue_pass(int T, int n_seqs, int n_rows, LaunchLog& log) const;
  // One decode step for `bucket` sessions ([tokens | slots] in ws.tokens): logits in ws.logits and,
  // with argmax_limit > 0, argmax ids in ws.argmax. `small` (always, when
  // invariant) takes the fused GEMV path.
  void enqueue_decode(int bucket, int argmax_limit, bool small, LaunchLog& log) const;

 private:
  // Batch-invariant product with bf16 weights: splits the B input rows of x (rows[i] of x when rows
  // is given, normalised with norm_w when given), then y = W x on tensor cores.
  void tensor_dense(const kernels::MatrixView& W, const float* x, int x_stride, const int* rows,
                    int B, const float* norm_w, const float* bias, bool accumulate,
                    const kernels::cuda::ConvStepFusion* conv, float* y, int y_stride,
                    const char* what, LaunchLog& log) const;
  void enqueue_tensor_decode(int bucket, int argmax_limit, LaunchLog& log) const;
  // y = W x over T rows of a layer matrix through cuBLAS (y += with accumulate; + bias when
  // given): the fp32 GEMM, or with bf16 weights two GEMMs over the split x16 — for up to 256 rows
  // both terms in one batched GEMM, summed into y.
  void blas_dense(const kernels::MatrixView& W, const float* x, kernels::cuda::Bf16Split x16,
                  int x_ld, int T, float* y, int y_ld, bool accumulate, const float* bias,
                  const char* what, LaunchLog& log) const;
  // As blas_dense, but for up to CudaWorkspace::kTermRows rows with bf16 weights both terms go
  // out in one batched GEMM (into `buffer`) and are left for the kernels that read the product,
  // and returned; otherwise the product is in y and the returned Terms is empty.
  kernels::cuda::Terms pending_dense(const kernels::MatrixView& W, const float* x,
                                     kernels::cuda::Bf16Split x16, int x_ld, int T, float* y,
                                     int y_ld, bool accumulate, const float* bias,
                                     const DeviceBuffer& buffer, const char* what,
                                     LaunchLog& log) const;
  // Launches both terms of W x16 as one batched GEMM into `buffer` when the product qualifies (bf16
  // weights, up to max_rows rows, room in the buffer); false when it does not.
  bool batched_terms(const kernels::MatrixView& W, kernels::cuda::Bf16Split x16, int x_ld, int T,
                     int max_rows, const DeviceBuffer& buffer, const char* what,
                     LaunchLog& log) const;
  // The decode step's scan of layer l over the step's sessions; dt precomputed, or null (dt_proj
  // fused into the scan).
  kernels::cuda::ScanStepArgs scan_step_args(std::size_t l, int bucket, const float* dt) const;

  bool bf16() const { return weights.embedding.type == kernels::ElementType::bf16; }
  static kernels::cuda::Bf16Split split(const DeviceBuffer& b, std::size_t cols, bool wanted) {
    return CudaWorkspace::split(b, cols, wanted);
  }
  kernels::cuda::StateRef conv_state(std::size_t layer) const {
    return {pool + shape.conv_offset(layer), shape.floats()};
  }
  kernels::cuda::StateRef ssm_state(std::size_t layer) const {
    return {pool + shape.ssm_offset(layer), shape.floats()};
  }
};

}  // namespace recur
