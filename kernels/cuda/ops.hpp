// The CUDA kernels of the engine, mirroring kernels/cpu: plain launch functions on a stream that
// return the launch status. Weights are fp32 or bf16 (MatrixView with a device pointer),
// activations and recurrent state are fp32; a bf16 copy of an activation is written where a bf16
// GEMM reads it.
//
// Recurrent state lives in a pool: slot s of layer l starts at state + s * slot_stride +
// layer_offset (StateShape's canonical layout). A slot id of -1 marks a padding row: it reads a
// zero state and writes nothing back.
//
// Build: part of recur_kernels_cuda. Check: tests/kernels/cuda (each kernel against its CPU twin).
// Time: bench/cuda_engine_bench.
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>

#include "kernels/element_type.hpp"

namespace recur::kernels::cuda {

// One sequence of a forward pass: tokens [first, first + count) of the pass continue `slot`.
struct SequenceDesc {
  int first = 0;
  int count = 0;
  int slot = -1;
};

// A bf16 copy of fp32 activations as two terms, hi = bf16(x) and lo = bf16(x - hi), for GEMMs with
// bf16 weights: summed over both terms, the activations keep about 16 bits of mantissa. hi[i] and
// hi[lo_offset + i]; a null hi means no copy is wanted.
struct Bf16Split {
  std::uint16_t* hi = nullptr;
  std::size_t lo_offset = 0;
};

// A dense layer's output not yet summed: the two terms of Blas::linear_terms, which the kernel
// that reads the output adds as add_terms would (t0 + t1, then + bias[c]), so no kernel of its own
// writes the sum. Element (r, c) is t[r * ld + c] + t[second + r * ld + c]; a null t means the
// output is already summed where the reading kernel's own pointer says. A column range of the
// output (z of in_proj) is the view with t and bias advanced by the first column.
struct Terms {
  const float* t = nullptr;
  std::size_t second = 0;
  int ld = 0;
  const float* bias = nullptr;
};

// Where one layer's state of every slot lives.
struct StateRef {
  float* base = nullptr;        // pool start + the layer's offset inside a slot
  std::size_t slot_stride = 0;  // floats from one slot to the next
};

// h[t] = E[tokens[t]] widened to fp32.
cudaError_t embed(const MatrixView& E, const std::int32_t* tokens, int T, float* h, cudaStream_t s);

// out[i] = w * (x[rows[i]] / sqrt(mean(x[rows[i]]^2) + eps)) for i < n; rows may be null
// (identity). Writes the fp32 and/or the split bf16 result (either may be null). x is read only,
// unless `residual` is given (terms of the out_proj before, row r of them for row r of x): then the
// residual stream is first brought up to date, x[r] = (x[r] + t0) + t1 (+ bias) written back, as
// add_terms with accumulate would.
cudaError_t rmsnorm(float* x, const int* rows, int n, int D, const float* w, float eps, float* out,
                    Bf16Split out_bf16, cudaStream_t s, Terms residual = {});

// Causal depthwise convolution + SiLU for a pass of T tokens belonging to sequences. x is the
// in_proj output (row stride x_stride, channels first). token_seq[t] names t's sequence. Writes out
// (and its bf16 copy if non-null), then advances every sequence's conv state ([C][K-1] per slot).
cudaError_t causal_conv1d(const float* x, int x_stride, const SequenceDesc* seqs, int n_seqs,
                          const int* token_seq, int T, int C, int K, const float* w,
                          const float* bias, StateRef state, float* out, Bf16Split out_bf16,
                          cudaStream_t s);

// Selective scan for a pass: for each sequence, continues its SSM state ([C][N] per slot) over its
// tokens, chunked into segments scanned in parallel and combined. dt is dt_proj's output without
// its bias (dt_bias is added here); B and C are columns of dbc. Writes y (and its bf16 copy if
// non-null).
struct ScanArgs {
  const SequenceDesc* seqs = nullptr;
  int n_seqs = 0;
  int max_count = 0;  // the longest sequence of the pass
  int C = 0, N = 0;
  const float* u = nullptr;   // [T][C]
  const float* dt = nullptr;  // [T][C]
  const float* dt_bias = nullptr;
  const float* A = nullptr;    // [C][N]
  const float* dbc = nullptr;  // [T][dbc_stride]: dt_low, B at b_offset, C at c_offset
  int dbc_stride = 0, b_offset = 0, c_offset = 0;
  const float* D = nullptr;  // [C]
  const float* z = nullptr;  // gate rows, stride z_stride
  int z_stride = 0;
  StateRef state;
  float* y = nullptr;  // [T][C]
  Bf16Split y_bf16;
};
cudaError_t selective_scan(const ScanArgs& a, cudaStream_t s);

// One decode step of B sessions (one token each): dt = W_dt dbc[:, :R] (computed here when dt is
// null, else read from dt) + dt_bias, then the SSM update, readout, D skip and gate. Each slot's
// SSM state is read and written once; a block reuses A for several sessions.
struct ScanStepArgs {
  const int* slots = nullptr;  // [B], -1 for padding
  int B = 0, C = 0, N = 0, R = 0;
  const float* u = nullptr;  // [B][C]
  MatrixView dt_proj;        // [C][R]
  const float* dt_bias = nullptr;
  const float* A = nullptr;
  const float* dbc = nullptr;  // [B][R + 2N]
  const float* dt = nullptr;   // [B][C] precomputed dt_proj output (without bias), or null
  const float* D = nullptr;
  const float* z = nullptr;  // gate rows, stride z_stride
  int z_stride = 0;
  StateRef state;
  float* y = nullptr;  // [B][C]
  Bf16Split y_bf16;
  // Inputs still as two terms (see Terms), read in place of z, dbc and dt when given; dt_terms
  // stands for a precomputed dt.
  Terms z_terms, dbc_terms, dt_terms;
};
cudaError_t selective_scan_step(const ScanStepArgs& a, cudaStream_t s);

// Dense products y[b] = W x[b] for any number of sessions B (decode steps, and the token rows of a
// pass), in groups of 8 sessions per block, each output summed in an order fixed by W's shape: a
// session's outputs are the same bits whatever the batch (batch-invariant). Options fused around
// the product:
//   norm_w != null: x is first RMS-normalised with weight norm_w (the norm before in_proj,
//   lm_head); bias != null: bias[r] is added; accumulate: y += result (the residual stream) instead
//   of y = result; conv != null: rows below conv->C are the conv input; the conv step (+SiLU) runs
//   on them, its
//     output goes to conv->out (row stride C) and the slot's conv state advances (`conv` is a host
//     pointer, copied into the launch).
struct ConvStepFusion {
  int C = 0, K = 0;
  const int* slots = nullptr;
  const float* w = nullptr;
  const float* bias = nullptr;
  StateRef state;
  float* out = nullptr;
};
struct GemvArgs {
  MatrixView W;  // [rows][cols]
  const float* x = nullptr;
  int x_stride = 0;
  int B = 0;
  const float* norm_w = nullptr;
  float eps = 0.0f;
  const float* bias = nullptr;
  bool accumulate = false;
  const ConvStepFusion* conv = nullptr;
  float* y = nullptr;
  int y_stride = 0;
};
// Sessions per group: the batch the kernels are compiled for.
constexpr int kGemvGroup = 8;
cudaError_t gemv(const GemvArgs& a, cudaStream_t s);

// Batch-invariant dense layers with bf16 weights on tensor cores (tensor_linear.cu), for any
// number of token rows. The inputs are first split once per row:
// split_rows writes the two-term bf16 split of norm_w * x[rows[i]] (x itself without norm_w; rows
// may be null: the identity) for i < B, rows of split_width(cols) elements zero-padded past cols,
// and, when rstd is not null, each row's 1/sqrt(mean(x^2) + eps).
int split_width(int cols);
cudaError_t split_rows(const float* x, int x_stride, const int* rows, int B, int cols,
                       const float* norm_w, float eps, Bf16Split out, float* rstd, cudaStream_t s);
// y[b] = rstd[b] * (W x[b]) (+ bias) for b < B, with the options of GemvArgs (accumulate, the
// fused conv step). Each output is summed in an order fixed by W's shape: a row's outputs are the
// same bits whatever the batch.
struct TensorLinearArgs {
  MatrixView W;  // bf16 [rows][cols]
  Bf16Split x;   // split_rows' output
  int x_ld = 0;  // its row width, split_width(cols)
  int B = 0;
  const float* rstd = nullptr;  // per-row factor (the RMS norm), or none
  const float* bias = nullptr;
  bool accumulate = false;
  const ConvStepFusion* conv = nullptr;
  float* y = nullptr;
  int y_stride = 0;
};
cudaError_t tensor_linear(const TensorLinearArgs& a, cudaStream_t s);

// The conv step alone for B sessions (the batched path's twin of the fused epilogue above). With
// x_terms, the inputs are summed from them (x is not read).
cudaError_t causal_conv1d_step(const float* x, int x_stride, const int* slots, int B, int C, int K,
                               const float* w, const float* bias, StateRef state, float* out,
                               Bf16Split out_bf16, cudaStream_t s, Terms x_terms = {});

// Sums the two terms of Blas::linear_terms (terms[r][c] and terms[rows + r][c], rows of `cols`
// floats) into y: y[r][c] = (y[r][c] + t0) + t1 with accumulate, else t0 + t1; then + bias[c] when
// bias is given. The order of the two-GEMM path with beta.
cudaError_t add_terms(const float* terms, int rows, int cols, const float* bias, bool accumulate,
                      float* y, int y_stride, cudaStream_t s);

// y[r][c] += bias[c] for r < rows.
cudaError_t add_bias(float* y, int rows, int cols, int stride, const float* bias, cudaStream_t s);

// The split bf16 copy of x: out.hi[r * out_stride + c] and its low term. With x_terms, x is summed
// from them (x is not read).
cudaError_t to_bf16(const float* x, int rows, int cols, int x_stride, Bf16Split out, int out_stride,
                    cudaStream_t s, Terms x_terms = {});

// out[r] = argmax over columns < limit of row r (lowest index on ties; NaN never wins).
cudaError_t argmax_rows(const float* logits, int rows, int V, int limit, std::int32_t* out,
                        cudaStream_t s);

// Zeroes the state of one slot (slot_floats values) without synchronising the host.
cudaError_t zero_slot(float* pool, std::size_t slot_floats, int slot, cudaStream_t s);

}  // namespace recur::kernels::cuda
