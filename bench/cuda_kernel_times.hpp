// Times of the decode kernels alone on one GPU (CUDA events around many back-to-back launches),
// with the bytes each must move, so the gap between a decode step and its floor can be located.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "kernels/cuda/gemm.hpp"
#include "kernels/cuda/ops.hpp"
#include "model/random_model.hpp"

namespace recur {

inline double time_launches(const std::function<void()>& launch, int reps = 200) {
  cudaEvent_t a, b;
  cudaEventCreate(&a);
  cudaEventCreate(&b);
  for (int i = 0; i < 10; ++i) launch();
  cudaEventRecord(a);
  for (int i = 0; i < reps; ++i) launch();
  cudaEventRecord(b);
  cudaEventSynchronize(b);
  float ms = 0;
  cudaEventElapsedTime(&ms, a, b);
  cudaEventDestroy(a);
  cudaEventDestroy(b);
  return ms * 1e3 / reps;  // microseconds per launch
}

// Prints, for `shape` in bf16 and batch B, each decode kernel's time per launch and its bandwidth.
inline void print_kernel_times(const ModelShape& shape, int B, double bandwidth) {
  namespace kc = kernels::cuda;
  const std::size_t D = shape.hidden, Di = shape.inner, N = shape.state, R = (D + 15) / 16,
                    W = R + 2 * N;
  auto alloc = [](std::size_t bytes) {
    void* p = nullptr;
    cudaMalloc(&p, bytes);
    cudaMemset(p, 0, bytes);
    return p;
  };
  auto matrix = [&](std::size_t rows, std::size_t cols) {
    return kernels::MatrixView{kernels::ElementType::bf16, rows, cols, alloc(rows * cols * 2)};
  };
  const auto in_proj = matrix(2 * Di, D), x_proj = matrix(W, Di), dt_proj = matrix(Di, R),
             out_proj = matrix(D, Di), lm_head = matrix(shape.vocab, D);
  auto* h = static_cast<float*>(alloc(B * D * 4));
  auto* xz = static_cast<float*>(alloc(B * 2 * Di * 4));
  auto* xc = static_cast<float*>(alloc(B * Di * 4));
  auto* dbc = static_cast<float*>(alloc(B * W * 4));
  auto* y = static_cast<float*>(alloc(B * Di * 4));
  auto* logits = static_cast<float*>(alloc(B * shape.vocab * 4));
  auto* vec = static_cast<float*>(alloc(Di * N * 4));
  const std::size_t slot_floats = Di * (N + shape.conv - 1);
  auto* pool = static_cast<float*>(alloc(B * slot_floats * 4));
  std::vector<int> host_slots(B);
  for (int i = 0; i < B; ++i) host_slots[i] = i;
  auto* slots = static_cast<int*>(alloc(B * 4));
  cudaMemcpy(slots, host_slots.data(), B * 4, cudaMemcpyHostToDevice);

  kc::ConvStepFusion conv{
      static_cast<int>(Di), static_cast<int>(shape.conv), slots, vec, vec, {pool, slot_floats}, xc};
  kc::GemvArgs a_in{in_proj, h,  static_cast<int>(D),     B, vec, 1e-5f, nullptr, false,
                    &conv,   xz, static_cast<int>(2 * Di)};
  kc::GemvArgs a_x{x_proj,  xc,  static_cast<int>(Di), B, nullptr, 0, nullptr, false,
                   nullptr, dbc, static_cast<int>(W)};
  kc::GemvArgs a_out{out_proj, y, static_cast<int>(Di), B, nullptr, 0, nullptr, true,
                     nullptr,  h, static_cast<int>(D)};
  kc::GemvArgs a_head{lm_head, h,      static_cast<int>(D),          B, vec, 1e-5f, nullptr, false,
                      nullptr, logits, static_cast<int>(shape.vocab)};
  kc::ScanStepArgs s;
  s.slots = slots;
  s.B = B;
  s.C = static_cast<int>(Di);
  s.N = static_cast<int>(N);
  s.R = static_cast<int>(R);
  s.u = xc;
  s.dt_proj = dt_proj;
  s.dt_bias = vec;
  s.A = vec;
  s.dbc = dbc;
  s.D = vec;
  s.z = xz + Di;
  s.z_stride = static_cast<int>(2 * Di);
  s.state = {pool + Di * (shape.conv - 1), slot_floats};
  s.y = y;

  struct Row {
    const char* name;
    double us, bytes;
  };
  std::vector<Row> rows;
  const double state_bytes = 2.0 * B * Di * N * 4;
  // Up to a few sessions the default takes the fused GEMV kernels; beyond, the cuBLAS path below.
  // With --batch-invariant every batch takes the tensor-core path (split, then product).
  if (B <= kc::kGemvGroup) {
    rows = {
        {"in_proj (norm, conv)", time_launches([&] { kc::gemv(a_in, nullptr); }),
         2.0 * in_proj.rows * in_proj.cols},
        {"x_proj", time_launches([&] { kc::gemv(a_x, nullptr); }), 2.0 * x_proj.rows * x_proj.cols},
        {"dt_proj + scan", time_launches([&] { kc::selective_scan_step(s, nullptr); }),
         2.0 * Di * R + state_bytes},
        {"out_proj (+residual)", time_launches([&] { kc::gemv(a_out, nullptr); }),
         2.0 * out_proj.rows * out_proj.cols},
        {"lm_head (norm)", time_launches([&] { kc::gemv(a_head, nullptr); }),
         2.0 * lm_head.rows * lm_head.cols},
    };
  }
  {
    const int ld = kc::split_width(static_cast<int>(std::max(D, Di)));
    auto* split = static_cast<std::uint16_t*>(alloc(2 * std::size_t(B) * ld * 2));
    auto* rstd = static_cast<float*>(alloc(B * 4));
    auto tensor = [&](const kc::GemvArgs& g) {
      const int cols = static_cast<int>(g.W.cols);
      const kc::Bf16Split in{split, std::size_t(B) * kc::split_width(cols)};
      kc::split_rows(g.x, g.x_stride, nullptr, B, cols, g.norm_w, g.eps, in,
                     g.norm_w ? rstd : nullptr, nullptr);
      const kc::TensorLinearArgs t{g.W,
                                   in,
                                   kc::split_width(cols),
                                   B,
                                   g.norm_w ? rstd : nullptr,
                                   g.bias,
                                   g.accumulate,
                                   g.conv,
                                   g.y,
                                   g.y_stride};
      kc::tensor_linear(t, nullptr);
    };
    const std::vector<Row> invariant = {
        {"invariant: in_proj (+split)", time_launches([&] { tensor(a_in); }),
         2.0 * in_proj.rows * in_proj.cols},
        {"invariant: x_proj (+split)", time_launches([&] { tensor(a_x); }),
         2.0 * x_proj.rows * x_proj.cols},
        {"invariant: dt_proj + scan", time_launches([&] { kc::selective_scan_step(s, nullptr); }),
         2.0 * Di * R + state_bytes},
        {"invariant: out_proj (+split)", time_launches([&] { tensor(a_out); }),
         2.0 * out_proj.rows * out_proj.cols},
        {"invariant: lm_head (+split)", time_launches([&] { tensor(a_head); }),
         2.0 * lm_head.rows * lm_head.cols},
    };
    for (const Row& r : invariant) rows.push_back(r);
    cudaFree(split);
    cudaFree(rstd);
  }
  if (B > kc::kGemvGroup) {
    // The batched path: cuBLAS over the two-term bf16 split, the conv and scan kernels.
    kc::Blas blas;
    blas.init(nullptr);
    auto* split = static_cast<std::uint16_t*>(alloc(2 * B * std::max(Di, W) * 2));
    auto* dt = static_cast<float*>(alloc(B * Di * 4));
    const kc::Bf16Split x16{split, static_cast<std::size_t>(B) * Di};
    kc::ScanStepArgs sd = s;
    sd.dt = dt;
    const std::vector<Row> fast = {
        {"default: rmsnorm", time_launches([&] {
           kc::rmsnorm(h, nullptr, B, D, vec, 1e-5f, nullptr, {split, B * D}, nullptr);
         }),
         2.0 * B * D * 4},
        {"default: in_proj GEMM x2",
         time_launches([&] { blas.linear(in_proj, nullptr, x16, D, B, xz, 2 * Di); }),
         2.0 * in_proj.rows * in_proj.cols},
        {"default: conv step", time_launches([&] {
           kc::causal_conv1d_step(xz, 2 * Di, slots, B, Di, shape.conv, vec, vec,
                                  {pool, slot_floats}, xc, x16, nullptr);
         }),
         2.0 * B * Di * (shape.conv - 1) * 4},
        {"default: x_proj GEMM x2",
         time_launches([&] { blas.linear(x_proj, nullptr, x16, Di, B, dbc, W); }),
         2.0 * x_proj.rows * x_proj.cols},
        {"default: dt_proj GEMM x2",
         time_launches([&] { blas.linear(dt_proj, nullptr, x16, W, B, dt, Di); }),
         2.0 * dt_proj.rows * dt_proj.cols},
        {"default: scan step", time_launches([&] { kc::selective_scan_step(sd, nullptr); }),
         state_bytes},
        {"default: out_proj GEMM x2",
         time_launches([&] { blas.linear(out_proj, nullptr, x16, Di, B, h, D, 1.0f); }),
         2.0 * out_proj.rows * out_proj.cols},
        {"default: lm_head GEMM x2",
         time_launches([&] { blas.linear(lm_head, nullptr, x16, D, B, logits, shape.vocab); }),
         2.0 * lm_head.rows * lm_head.cols + 4.0 * B * shape.vocab},
    };
    for (const Row& r : fast) rows.push_back(r);
    cudaFree(split);
    cudaFree(dt);
  }
  std::printf("  %s, batch %d (launched back to back, %s):\n", shape.name.c_str(), B,
              cudaGetErrorString(cudaGetLastError()));
  for (const auto& r : rows)
    std::printf("    %-28s %8.2f us  %8.0f GB/s  (%4.0f%% of copy bandwidth)\n", r.name, r.us,
                r.bytes / r.us * 1e-3, 100.0 * r.bytes / (r.us * 1e-6) / bandwidth);
  for (const void* p : {in_proj.data, x_proj.data, dt_proj.data, out_proj.data, lm_head.data})
    cudaFree(const_cast<void*>(p));
  for (void* p : {static_cast<void*>(h), static_cast<void*>(xz), static_cast<void*>(xc),
                  static_cast<void*>(dbc), static_cast<void*>(y), static_cast<void*>(logits),
                  static_cast<void*>(vec), static_cast<void*>(pool), static_cast<void*>(slots)})
    cudaFree(p);
}

}  // namespace recur
