// Times of the decode kernels on one GPU as a decode step runs them: each kernel captured in a CUDA
// graph once per layer, every layer with its own weights and state (so, as in a step, nothing is
// left in L2 from the launch before), the graph replayed and timed with CUDA events. A row "layer"
// times the layer's kernels together, so what programmatic launch overlaps shows as the gap between
// it and the sum of its parts. With the bytes each must move, the gap between a decode step and
// its floor can be located.
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

// Microseconds per layer of `launch(layer)` captured for layers 0..layers-1 in one graph on
// `stream`, the graph replayed `reps` times.
inline double time_in_graph(cudaStream_t stream, int layers, const std::function<void(int)>& launch,
                            int reps = 20) {
  cudaGraph_t graph = nullptr;
  cudaGraphExec_t exec = nullptr;
  cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal);
  for (int l = 0; l < layers; ++l) launch(l);
  if (cudaStreamEndCapture(stream, &graph) != cudaSuccess ||
      cudaGraphInstantiate(&exec, graph, 0) != cudaSuccess) {
    if (graph) cudaGraphDestroy(graph);
    return -1.0;
  }
  cudaEvent_t a, b;
  cudaEventCreate(&a);
  cudaEventCreate(&b);
  for (int i = 0; i < 3; ++i) cudaGraphLaunch(exec, stream);
  cudaEventRecord(a, stream);
  for (int i = 0; i < reps; ++i) cudaGraphLaunch(exec, stream);
  cudaEventRecord(b, stream);
  cudaEventSynchronize(b);
  float ms = 0;
  cudaEventElapsedTime(&ms, a, b);
  cudaEventDestroy(a);
  cudaEventDestroy(b);
  cudaGraphExecDestroy(exec);
  cudaGraphDestroy(graph);
  return ms * 1e3 / (reps * layers);
}

// Prints, for `shape` in bf16 and batch B, each decode kernel's time per layer and its bandwidth.
inline void print_kernel_times(const ModelShape& shape, int B, double bandwidth) {
  namespace kc = kernels::cuda;
  const std::size_t D = shape.hidden, Di = shape.inner, N = shape.state, R = (D + 15) / 16,
                    W = R + 2 * N, K = shape.conv;
  const int L = static_cast<int>(shape.layers);
  std::vector<void*> owned;
  auto alloc = [&](std::size_t bytes) {
    void* p = nullptr;
    cudaMalloc(&p, bytes);
    cudaMemset(p, 0, bytes);
    owned.push_back(p);
    return p;
  };
  auto matrices = [&](std::size_t rows, std::size_t cols, int copies) {
    std::vector<kernels::MatrixView> m;
    for (int i = 0; i < copies; ++i)
      m.push_back({kernels::ElementType::bf16, rows, cols, alloc(rows * cols * 2)});
    return m;
  };
  const auto in_proj = matrices(2 * Di, D, L), x_proj = matrices(W, Di, L),
             dt_proj = matrices(Di, R, L), out_proj = matrices(D, Di, L),
             lm_head = matrices(shape.vocab, D, 2);
  auto* h = static_cast<float*>(alloc(B * D * 4));
  auto* xz = static_cast<float*>(alloc(B * 2 * Di * 4));
  auto* xc = static_cast<float*>(alloc(B * Di * 4));
  auto* dbc = static_cast<float*>(alloc(B * W * 4));
  auto* y = static_cast<float*>(alloc(B * Di * 4));
  auto* logits = static_cast<float*>(alloc(B * shape.vocab * 4));
  auto* vec = static_cast<float*>(alloc(Di * N * 4));
  // Every layer's conv and SSM state of each slot, as in the pool.
  const std::size_t layer_floats = Di * (N + K - 1), slot_floats = L * layer_floats;
  auto* pool = static_cast<float*>(alloc(B * slot_floats * 4));
  std::vector<int> host_slots(B);
  for (int i = 0; i < B; ++i) host_slots[i] = i;
  auto* slots = static_cast<int*>(alloc(B * 4));
  cudaMemcpy(slots, host_slots.data(), B * 4, cudaMemcpyHostToDevice);
  cudaStream_t stream;
  cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking);

  std::vector<kc::ConvStepFusion> conv(L);
  std::vector<kc::GemvArgs> a_in(L), a_x(L), a_out(L);
  std::vector<kc::ScanStepArgs> scan(L);
  for (int l = 0; l < L; ++l) {
    const kc::StateRef conv_state{pool + l * layer_floats, slot_floats};
    conv[l] = {static_cast<int>(Di), static_cast<int>(K), slots, vec, vec, conv_state, xc};
    a_in[l] = {in_proj[l], h,  static_cast<int>(D),     B, vec, 1e-5f, nullptr, false,
               &conv[l],   xz, static_cast<int>(2 * Di)};
    a_x[l] = {x_proj[l], xc,  static_cast<int>(Di), B, nullptr, 0, nullptr, false,
              nullptr,   dbc, static_cast<int>(W)};
    a_out[l] = {out_proj[l], y, static_cast<int>(Di), B, nullptr, 0, nullptr, true,
                nullptr,     h, static_cast<int>(D)};
    kc::ScanStepArgs& s = scan[l];
    s.slots = slots;
    s.B = B;
    s.C = static_cast<int>(Di);
    s.N = static_cast<int>(N);
    s.R = static_cast<int>(R);
    s.u = xc;
    s.dt_proj = dt_proj[l];
    s.dt_bias = vec;
    s.A = vec;
    s.dbc = dbc;
    s.D = vec;
    s.z = xz + Di;
    s.z_stride = static_cast<int>(2 * Di);
    s.state = {pool + l * layer_floats + Di * (K - 1), slot_floats};
    s.y = y;
  }
  auto head = [&](int l) {
    return kc::GemvArgs{
        lm_head[l % 2], h,      static_cast<int>(D),          B, vec, 1e-5f, nullptr, false,
        nullptr,        logits, static_cast<int>(shape.vocab)};
  };

  struct Row {
    std::string name;
    double us, bytes;
  };
  std::vector<Row> rows;
  auto measure = [&](const std::string& name, double bytes, const std::function<void(int)>& launch,
                     int layers) {
    rows.push_back({name, time_in_graph(stream, layers, launch), bytes});
  };
  const double state_bytes = 2.0 * B * Di * (N + K - 1) * 4;
  const double in_bytes = 2.0 * 2 * Di * D, x_bytes = 2.0 * W * Di, dt_bytes = 2.0 * Di * R,
               out_bytes = 2.0 * D * Di, head_bytes = 2.0 * shape.vocab * D;
  const double layer_bytes = in_bytes + x_bytes + dt_bytes + out_bytes + state_bytes;
  // Up to a few sessions the default takes the fused GEMV kernels; beyond, the cuBLAS path below.
  // With --batch-invariant every batch takes the tensor-core path (split, then product).
  if (B <= kc::kGemvGroup) {
    measure(
        "in_proj (norm, conv)", in_bytes, [&](int l) { kc::gemv(a_in[l], stream); }, L);
    // What the fused RMS norm and conv step add to in_proj.
    measure(
        "in_proj (norm only)", in_bytes,
        [&](int l) {
          kc::GemvArgs g = a_in[l];
          g.conv = nullptr;
          kc::gemv(g, stream);
        },
        L);
    measure(
        "in_proj (bare)", in_bytes,
        [&](int l) {
          kc::GemvArgs g = a_in[l];
          g.conv = nullptr;
          g.norm_w = nullptr;
          kc::gemv(g, stream);
        },
        L);
    measure(
        "x_proj", x_bytes, [&](int l) { kc::gemv(a_x[l], stream); }, L);
    measure(
        "dt_proj + scan", dt_bytes + 2.0 * B * Di * N * 4,
        [&](int l) { kc::selective_scan_step(scan[l], stream); }, L);
    measure(
        "out_proj (+residual)", out_bytes, [&](int l) { kc::gemv(a_out[l], stream); }, L);
    measure(
        "layer (the four above)", layer_bytes,
        [&](int l) {
          kc::gemv(a_in[l], stream);
          kc::gemv(a_x[l], stream);
          kc::selective_scan_step(scan[l], stream);
          kc::gemv(a_out[l], stream);
        },
        L);
    measure(
        "lm_head (norm)", head_bytes, [&](int l) { kc::gemv(head(l), stream); }, 2);
  }
  {
    const int ld = kc::split_width(static_cast<int>(std::max(D, Di)));
    auto* split = static_cast<std::uint16_t*>(alloc(2 * std::size_t(B) * ld * 2));
    auto* rstd = static_cast<float*>(alloc(B * 4));
    auto tensor = [&](const kc::GemvArgs& g) {
      const int cols = static_cast<int>(g.W.cols);
      const kc::Bf16Split in{split, std::size_t(B) * kc::split_width(cols)};
      kc::split_rows(g.x, g.x_stride, nullptr, B, cols, g.norm_w, g.eps, in,
                     g.norm_w ? rstd : nullptr, stream);
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
      kc::tensor_linear(t, stream);
    };
    measure(
        "invariant: in_proj (+split)", in_bytes, [&](int l) { tensor(a_in[l]); }, L);
    measure(
        "invariant: x_proj (+split)", x_bytes, [&](int l) { tensor(a_x[l]); }, L);
    measure(
        "invariant: dt_proj + scan", dt_bytes + 2.0 * B * Di * N * 4,
        [&](int l) { kc::selective_scan_step(scan[l], stream); }, L);
    measure(
        "invariant: out_proj (+split)", out_bytes, [&](int l) { tensor(a_out[l]); }, L);
    measure(
        "invariant: lm_head (+split)", head_bytes, [&](int l) { tensor(head(l)); }, 2);
  }
  if (B > kc::kGemvGroup) {
    // The batched path as a step of up to 512 sessions runs it: cuBLAS over the two-term bf16
    // split, each product's two terms in one batched GEMM, summed by the kernels that read them.
    kc::Blas blas;
    blas.init(stream);
    auto* split = static_cast<std::uint16_t*>(alloc(2 * B * std::max(Di, W) * 2));
    const kc::Bf16Split x16{split, static_cast<std::size_t>(B) * Di};
    // Each product's terms, and the view its readers take of them.
    struct Pending {
      float* buffer;
      kc::Terms view;
    };
    auto pending = [&](std::size_t rows) {
      auto* buffer = static_cast<float*>(alloc(2 * B * rows * 4));
      return Pending{buffer, {buffer, B * rows, static_cast<int>(rows), nullptr}};
    };
    const Pending in_p = pending(2 * Di), x_p = pending(W), dt_p = pending(Di), out_p = pending(D);
    const kc::Terms &in_terms = in_p.view, &x_terms = x_p.view, &dt_terms = dt_p.view,
                    &out_terms = out_p.view;
    auto terms = [&](const kernels::MatrixView& M, int x_ld, const Pending& into) {
      blas.linear_terms(M, x16, x_ld, B, into.buffer);
    };
    auto rmsnorm = [&] {
      kc::rmsnorm(h, nullptr, B, D, vec, 1e-5f, nullptr, {split, B * D}, stream, out_terms);
    };
    auto in = [&](int l) { terms(in_proj[l], D, in_p); };
    auto conv_step = [&](int l) {
      kc::causal_conv1d_step(xz, 2 * Di, slots, B, Di, K, vec, vec, conv[l].state, xc, x16, stream,
                             in_terms);
    };
    auto x = [&](int l) { terms(x_proj[l], Di, x_p); };
    const kc::Bf16Split dbc16{split, static_cast<std::size_t>(B) * W};
    auto dt_gemm = [&](int l) {
      kc::to_bf16(dbc, B, static_cast<int>(R), static_cast<int>(W), dbc16, static_cast<int>(W),
                  stream, x_terms);
      blas.linear_terms(dt_proj[l], dbc16, W, B, dt_p.buffer);
    };
    auto scan_pending = [&](int l) {
      kc::ScanStepArgs sd = scan[l];
      kc::Terms z = in_terms;
      z.t += Di;
      sd.z_terms = z;
      sd.dbc_terms = x_terms;
      sd.dt_terms = dt_terms;
      kc::selective_scan_step(sd, stream);
    };
    auto out = [&](int l) { terms(out_proj[l], Di, out_p); };
    measure(
        "default: rmsnorm (+residual)", 2.0 * B * D * 4, [&](int) { rmsnorm(); }, L);
    measure("default: in_proj GEMM", in_bytes, in, L);
    measure("default: conv step", 2.0 * B * Di * (K - 1) * 4, conv_step, L);
    measure("default: x_proj GEMM", x_bytes, x, L);
    measure("default: dt cast + GEMM", dt_bytes, dt_gemm, L);
    measure("default: scan step", 2.0 * B * Di * N * 4, scan_pending, L);
    measure("default: out_proj GEMM", out_bytes, out, L);
    measure(
        "default: layer (the seven above)", layer_bytes,
        [&](int l) {
          rmsnorm();
          in(l);
          conv_step(l);
          x(l);
          dt_gemm(l);
          scan_pending(l);
          out(l);
        },
        L);
    measure(
        "default: lm_head GEMM x2", head_bytes + 4.0 * B * shape.vocab,
        [&](int l) { blas.linear(lm_head[l % 2], nullptr, x16, D, B, logits, shape.vocab); }, 2);
  }
  std::printf("  %s, batch %d (per layer, in CUDA graphs over %d layers' weights; %s):\n",
              shape.name.c_str(), B, L, cudaGetErrorString(cudaGetLastError()));
  for (const auto& r : rows)
    std::printf("    %-30s %8.2f us  %8.0f GB/s  (%4.0f%% of copy bandwidth)\n", r.name.c_str(),
                r.us, r.bytes / r.us * 1e-3, 100.0 * r.bytes / (r.us * 1e-6) / bandwidth);
  cudaStreamDestroy(stream);
  for (void* p : owned) cudaFree(p);
}

}  // namespace recur
