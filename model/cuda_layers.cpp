#include "model/cuda_layers.hpp"

namespace recur {

namespace kc = kernels::cuda;

// Decode steps of more sessions than this take the head on cuBLAS (see enqueue_decode).
constexpr int kGemvHeadBatch = 8;
// On the cuBLAS path, decode steps of up to this many sessions take x_proj on the GEMV kernel and
// dt_proj inside the scan (see enqueue_decode).
constexpr int kGemvXProjBatch = 128;
// Products over at most this many rows with bf16 weights take both terms of the split in one
// batched GEMM (bench/cuda_engine_bench: decode steps of 64 sessions 11%, 128 7%, 256 6% faster
// than with two GEMMs; 1,024 sessions 3-4% slower, so larger passes keep the two GEMMs).
constexpr int kBatchedTermsRows = 256;
// Decode steps of up to this many sessions leave the two terms of each layer product pending for
// the kernels that read it (see enqueue_decode): with no kernel of their own to sum them, the
// batched GEMM pays from 512 sessions too (steps 5-6% faster than with two GEMMs at 512; at 1,024
// within the noise).
constexpr int kPendingTermsRows = static_cast<int>(CudaWorkspace::kTermRows);

// The view of a pending product's columns from `first` on.
static kc::Terms columns_from(kc::Terms p, int first) {
  if (p.t) {
    p.t += first;
    if (p.bias) p.bias += first;
  }
  return p;
}

void CudaLayers::enqueue_pass(int T, int n_seqs, int n_rows, LaunchLog& log) const {
  const MambaConfig& c = config;
  const int D = static_cast<int>(c.hidden_size), Di = static_cast<int>(c.intermediate_size);
  const int N = static_cast<int>(c.state_size), R = static_cast<int>(c.time_step_rank),
            Wd = R + 2 * N;
  const int K = static_cast<int>(c.conv_kernel);
  // Batch-invariant: every token's products through the GEMV kernels, whose sums do not depend on
  // the pass. Otherwise cuBLAS GEMMs (tensor cores over the split activations with bf16 weights).
  const bool b16 = bf16() && !invariant;
  auto dense = [&](const kernels::MatrixView& W, const float* x, const DeviceBuffer& x16, int x_ld,
                   int rows, float* y, int y_ld, bool accumulate, const float* bias,
                   const char* what) {
    if (invariant && bf16()) {
      tensor_dense(W, x, x_ld, nullptr, rows, nullptr, bias, accumulate, nullptr, y, y_ld, what,
                   log);
      return;
    }
    if (invariant) {
      const kc::GemvArgs g{W, x, x_ld, rows, nullptr, 0, bias, accumulate, nullptr, y, y_ld};
      log(kc::gemv(g, stream), what);
      return;
    }
    blas_dense(W, x, split(x16, x_ld, b16), x_ld, rows, y, y_ld, accumulate, bias, what, log);
  };
  float* h = ws.h.get<float>();
  log(kc::embed(weights.embedding, ws.tokens.get<std::int32_t>(), T, h, stream), "embed");
  for (std::size_t l = 0; l < weights.layers.size(); ++l) {
    const DeviceLayer& L = weights.layers[l];
    log(kc::rmsnorm(h, nullptr, T, D, L.norm, c.layer_norm_epsilon,
                    b16 ? nullptr : ws.u.get<float>(), split(ws.u16, D, b16), stream),
        "rmsnorm");
    dense(L.in_proj, ws.u.get<float>(), ws.u16, D, T, ws.xz.get<float>(), 2 * Di, false,
          L.in_proj_bias, "in_proj");
    log(kc::causal_conv1d(ws.xz.get<float>(), 2 * Di, ws.seqs.get<kc::SequenceDesc>(), n_seqs,
                          ws.token_seq.get<int>(), T, Di, K, L.conv_weight, L.conv_bias,
                          conv_state(l), ws.xc.get<float>(), split(ws.xc16, Di, b16), stream),
        "conv1d");
    dense(L.x_proj, ws.xc.get<float>(), ws.xc16, Di, T, ws.dbc.get<float>(), Wd, false, nullptr,
          "x_proj");
    if (b16)
      log(kc::to_bf16(ws.dbc.get<float>(), T, R, Wd, split(ws.dbc16, Wd, true), Wd, stream),
          "cast");
    dense(L.dt_proj, ws.dbc.get<float>(), ws.dbc16, Wd, T, ws.dt.get<float>(), Di, false, nullptr,
          "dt_proj");
    kc::ScanArgs a;
    a.seqs = ws.seqs.get<kc::SequenceDesc>();
    a.n_seqs = n_seqs;
    a.C = Di;
    a.N = N;
    a.u = ws.xc.get<float>();
    a.dt = ws.dt.get<float>();
    a.dt_bias = L.dt_bias;
    a.A = L.A;
    a.dbc = ws.dbc.get<float>();
    a.dbc_stride = Wd;
    a.b_offset = R;
    a.c_offset = R + N;
    a.D = L.D;
    a.z = ws.xz.get<float>() + Di;
    a.z_stride = 2 * Di;
    a.state = ssm_state(l);
    a.y = ws.y.get<float>();
    a.y_bf16 = split(ws.y16, Di, b16);
    log(kc::selective_scan(a, stream), "selective scan");
    dense(L.out_proj, ws.y.get<float>(), ws.y16, Di, T, h, D, true, L.out_proj_bias, "out_proj");
  }
  if (n_rows > 0) {
    const int V = static_cast<int>(c.vocab_size);
    log(kc::rmsnorm(h, ws.rows.get<int>(), n_rows, D, weights.norm_f, c.layer_norm_epsilon,
                    b16 ? nullptr : ws.u.get<float>(), split(ws.u16, D, b16), stream),
        "norm_f");
    if (invariant) {
      dense(weights.lm_head, ws.u.get<float>(), ws.u16, D, n_rows, ws.logits.get<float>(), V, false,
            nullptr, "lm_head");
    } else {
      // The head keeps two GEMMs: its terms would be as large as the logits.
      log(blas.linear(weights.lm_head, ws.u.get<float>(), split(ws.u16, D, b16), D, n_rows,
                      ws.logits.get<float>(), V),
          "lm_head");
    }
  }
}

bool CudaLayers::batched_terms(const kernels::MatrixView& W, kc::Bf16Split x16, int x_ld, int T,
                               int max_rows, const DeviceBuffer& buffer, const char* what,
                               LaunchLog& log) const {
  const std::size_t term_bytes = 2 * static_cast<std::size_t>(T) * W.rows * sizeof(float);
  if (!x16.hi || T > max_rows || term_bytes > buffer.bytes()) return false;
  log(blas.linear_terms(W, x16, x_ld, T, buffer.get<float>()), what);
  return true;
}

void CudaLayers::blas_dense(const kernels::MatrixView& W, const float* x, kc::Bf16Split x16,
                            int x_ld, int T, float* y, int y_ld, bool accumulate, const float* bias,
                            const char* what, LaunchLog& log) const {
  if (batched_terms(W, x16, x_ld, T, kBatchedTermsRows, ws.terms, what, log)) {
    log(kc::add_terms(ws.terms.get<float>(), T, static_cast<int>(W.rows), bias, accumulate, y, y_ld,
                      stream),
        "adding the terms");
    return;
  }
  log(blas.linear(W, x, x16, x_ld, T, y, y_ld, accumulate ? 1.0f : 0.0f), what);
  if (bias) log(kc::add_bias(y, T, static_cast<int>(W.rows), y_ld, bias, stream), "bias");
}

kc::Terms CudaLayers::pending_dense(const kernels::MatrixView& W, const float* x, kc::Bf16Split x16,
                                    int x_ld, int T, float* y, int y_ld, bool accumulate,
                                    const float* bias, const DeviceBuffer& buffer, const char* what,
                                    LaunchLog& log) const {
  if (batched_terms(W, x16, x_ld, T, kPendingTermsRows, buffer, what, log))
    return {buffer.get<float>(), static_cast<std::size_t>(T) * W.rows, static_cast<int>(W.rows),
            bias};
  blas_dense(W, x, x16, x_ld, T, y, y_ld, accumulate, bias, what, log);
  return {};
}

void CudaLayers::tensor_dense(const kernels::MatrixView& W, const float* x, int x_stride,
                              const int* rows, int B, const float* norm_w, const float* bias,
                              bool accumulate, const kc::ConvStepFusion* conv, float* y,
                              int y_stride, const char* what, LaunchLog& log) const {
  const int cols = static_cast<int>(W.cols);
  const kc::Bf16Split in = ws.padded_split(W.cols);
  float* rstd = norm_w ? ws.rstd.get<float>() : nullptr;
  log(kc::split_rows(x, x_stride, rows, B, cols, norm_w, config.layer_norm_epsilon, in, rstd,
                     stream),
      "split");
  const kc::TensorLinearArgs t{W, in,      kc::split_width(cols), B, rstd, bias, accumulate, conv,
                               y, y_stride};
  log(kc::tensor_linear(t, stream), what);
}

kc::ScanStepArgs CudaLayers::scan_step_args(std::size_t l, int bucket, const float* dt) const {
  const MambaConfig& c = config;
  const DeviceLayer& L = weights.layers[l];
  const int Di = static_cast<int>(c.intermediate_size);
  kc::ScanStepArgs a;
  a.slots = ws.tokens.get<int>() + CudaWorkspace::kRows;
  a.B = bucket;
  a.C = Di;
  a.N = static_cast<int>(c.state_size);
  a.R = static_cast<int>(c.time_step_rank);
  a.u = ws.xc.get<float>();
  a.dt_proj = L.dt_proj;
  a.dt_bias = L.dt_bias;
  a.A = L.A;
  a.dbc = ws.dbc.get<float>();
  a.dt = dt;
  a.D = L.D;
  a.z = ws.xz.get<float>() + Di;
  a.z_stride = 2 * Di;
  a.state = ssm_state(l);
  a.y = ws.y.get<float>();
  return a;
}

void CudaLayers::enqueue_tensor_decode(int bucket, int argmax_limit, LaunchLog& log) const {
  const MambaConfig& c = config;
  const int D = static_cast<int>(c.hidden_size), Di = static_cast<int>(c.intermediate_size);
  const int N = static_cast<int>(c.state_size), R = static_cast<int>(c.time_step_rank),
            Wd = R + 2 * N;
  const int K = static_cast<int>(c.conv_kernel), V = static_cast<int>(c.vocab_size);
  const int* slots = ws.tokens.get<int>() + CudaWorkspace::kRows;
  float* h = ws.h.get<float>();
  log(kc::embed(weights.embedding, ws.tokens.get<std::int32_t>(), bucket, h, stream), "embed");
  for (std::size_t l = 0; l < weights.layers.size(); ++l) {
    const DeviceLayer& L = weights.layers[l];
    const kc::ConvStepFusion conv{
        Di, K, slots, L.conv_weight, L.conv_bias, conv_state(l), ws.xc.get<float>()};
    tensor_dense(L.in_proj, h, D, nullptr, bucket, L.norm, L.in_proj_bias, false, &conv,
                 ws.xz.get<float>(), 2 * Di, "in_proj", log);
    tensor_dense(L.x_proj, ws.xc.get<float>(), Di, nullptr, bucket, nullptr, nullptr, false,
                 nullptr, ws.dbc.get<float>(), Wd, "x_proj", log);
    log(kc::selective_scan_step(scan_step_args(l, bucket, nullptr), stream), "scan step");
    tensor_dense(L.out_proj, ws.y.get<float>(), Di, nullptr, bucket, nullptr, L.out_proj_bias, true,
                 nullptr, h, D, "out_proj", log);
  }
  tensor_dense(weights.lm_head, h, D, nullptr, bucket, weights.norm_f, nullptr, false, nullptr,
               ws.logits.get<float>(), V, "lm_head", log);
  if (argmax_limit > 0)
    log(kc::argmax_rows(ws.logits.get<float>(), bucket, V, argmax_limit,
                        ws.argmax.get<std::int32_t>(), stream),
        "argmax");
}

void CudaLayers::enqueue_decode(int bucket, int argmax_limit, bool small, LaunchLog& log) const {
  if (invariant && bf16()) return enqueue_tensor_decode(bucket, argmax_limit, log);
  const MambaConfig& c = config;
  const int D = static_cast<int>(c.hidden_size), Di = static_cast<int>(c.intermediate_size);
  const int N = static_cast<int>(c.state_size), R = static_cast<int>(c.time_step_rank),
            Wd = R + 2 * N;
  const int K = static_cast<int>(c.conv_kernel), V = static_cast<int>(c.vocab_size);
  const int* slots = ws.tokens.get<int>() + CudaWorkspace::kRows;
  small = small || invariant;
  const bool b16 = bf16() && !small;
  // Between the GEMV path and many sessions (bench/cuda_engine_bench: steps of 64 sessions 17% and
  // of 128 sessions 10% faster than with x_proj and dt_proj on cuBLAS; 256 sessions no faster).
  const bool mid = !small && bucket <= kGemvXProjBatch;
  // Products of up to kPendingTermsRows sessions leave their two terms to the kernels that read
  // them (see kernels::cuda::Terms): in_proj's to the conv step and the scan (z), x_proj's to the
  // cast and the scan, dt_proj's to the scan, out_proj's (with the residual) to the next norm.
  kc::Terms residual, xz, dbc, dt;
  float* h = ws.h.get<float>();
  log(kc::embed(weights.embedding, ws.tokens.get<std::int32_t>(), bucket, h, stream), "embed");
  for (std::size_t l = 0; l < weights.layers.size(); ++l) {
    const DeviceLayer& L = weights.layers[l];
    if (small) {
      kc::ConvStepFusion conv{
          Di, K, slots, L.conv_weight, L.conv_bias, conv_state(l), ws.xc.get<float>()};
      kc::GemvArgs in{L.in_proj,
                      h,
                      D,
                      bucket,
                      L.norm,
                      c.layer_norm_epsilon,
                      L.in_proj_bias,
                      false,
                      &conv,
                      ws.xz.get<float>(),
                      2 * Di};
      log(kc::gemv(in, stream), "in_proj");
      kc::GemvArgs xp{L.x_proj, ws.xc.get<float>(),  Di, bucket, nullptr, 0, nullptr, false,
                      nullptr,  ws.dbc.get<float>(), Wd};
      log(kc::gemv(xp, stream), "x_proj");
    } else {
      log(kc::rmsnorm(h, nullptr, bucket, D, L.norm, c.layer_norm_epsilon,
                      b16 ? nullptr : ws.u.get<float>(), split(ws.u16, D, b16), stream, residual),
          "rmsnorm");
      xz = pending_dense(L.in_proj, ws.u.get<float>(), split(ws.u16, D, b16), D, bucket,
                         ws.xz.get<float>(), 2 * Di, false, L.in_proj_bias, ws.terms, "in_proj",
                         log);
      log(kc::causal_conv1d_step(ws.xz.get<float>(), 2 * Di, slots, bucket, Di, K, L.conv_weight,
                                 L.conv_bias, conv_state(l), ws.xc.get<float>(),
                                 split(ws.xc16, Di, b16 && !mid), stream, xz),
          "conv step");
      if (mid) {
        // x_proj has few rows: its GEMV reads the conv output as it is, in one kernel, where cuBLAS
        // takes two GEMMs over the split; dt_proj then runs inside the scan.
        const kc::GemvArgs xp{L.x_proj, ws.xc.get<float>(),  Di, bucket, nullptr, 0, nullptr, false,
                              nullptr,  ws.dbc.get<float>(), Wd};
        log(kc::gemv(xp, stream), "x_proj");
      } else {
        dbc = pending_dense(L.x_proj, ws.xc.get<float>(), split(ws.xc16, Di, b16), Di, bucket,
                            ws.dbc.get<float>(), Wd, false, nullptr, ws.terms_x, "x_proj", log);
        // Many sessions: dt_proj as one GEMM that reads its weights once, not once per session.
        if (b16)
          log(kc::to_bf16(ws.dbc.get<float>(), bucket, R, Wd, split(ws.dbc16, Wd, true), Wd, stream,
                          dbc),
              "cast");
        dt = pending_dense(L.dt_proj, ws.dbc.get<float>(), split(ws.dbc16, Wd, b16), Wd, bucket,
                           ws.dt.get<float>(), Di, false, nullptr, ws.terms_dt, "dt_proj", log);
      }
    }
    kc::ScanStepArgs a = scan_step_args(l, bucket, small || mid ? nullptr : ws.dt.get<float>());
    a.y_bf16 = split(ws.y16, Di, b16);
    a.z_terms = columns_from(xz, Di);
    a.dbc_terms = dbc;
    a.dt_terms = dt;
    log(kc::selective_scan_step(a, stream), "scan step");
    if (small) {
      kc::GemvArgs out{L.out_proj, ws.y.get<float>(), Di, bucket, nullptr, 0, L.out_proj_bias,
                       true,       nullptr,           h,  D};
      log(kc::gemv(out, stream), "out_proj");
    } else {
      residual = pending_dense(L.out_proj, ws.y.get<float>(), split(ws.y16, Di, b16), Di, bucket, h,
                               D, true, L.out_proj_bias, ws.terms, "out_proj", log);
    }
  }
  // The head: the GEMV kernel for a few sessions (and batch invariance). Past kGemvHeadBatch,
  // cuBLAS streams the vocabulary matrix at full speed, where the GEMV's staged inputs feed too few
  // rows per shared-memory read.
  if (small && (invariant || bucket <= kGemvHeadBatch)) {
    kc::GemvArgs head{weights.lm_head,
                      h,
                      D,
                      bucket,
                      weights.norm_f,
                      c.layer_norm_epsilon,
                      nullptr,
                      false,
                      nullptr,
                      ws.logits.get<float>(),
                      V};
    log(kc::gemv(head, stream), "lm_head");
  } else {
    log(kc::rmsnorm(h, nullptr, bucket, D, weights.norm_f, c.layer_norm_epsilon,
                    bf16() ? nullptr : ws.u.get<float>(), split(ws.u16, D, bf16()), stream,
                    residual),
        "norm_f");
    log(blas.linear(weights.lm_head, ws.u.get<float>(), split(ws.u16, D, bf16()), D, bucket,
                    ws.logits.get<float>(), V),
        "lm_head");
  }
  if (argmax_limit > 0)
    log(kc::argmax_rows(ws.logits.get<float>(), bucket, V, argmax_limit,
                        ws.argmax.get<std::int32_t>(), stream),
        "argmax");
}

}  // namespace recur
