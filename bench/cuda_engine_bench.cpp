// CUDA engine on one GPU: decode and prefill speed as ratios to the memory-bandwidth floor measured
// in the same run (a device-to-device copy), capacity in resident sessions, and memory per session
// next to a Transformer's KV cache. Writes the numbers as JSON for
// scripts/bench/performance_table.py.
//
// Run: build/bench/cuda_engine_bench [--json FILE] [--quick] [--kernels-only] [--decode-only]
//                                    [--batches 1,256,...] [--mode default|invariant]
//                                    [--shape mamba-130m|mamba-2.8b]
// (--kernels-only: the per-kernel times alone, e.g. under a profiler; --decode-only: the decode
// steps alone, without prefill, capacity and memory; --batches, --mode and --shape: the decode
// steps measured, for comparing builds; --batches applies to mamba-130m)
#include <cuda_runtime_api.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench/cuda_kernel_times.hpp"
#include "model/backend.hpp"
#include "model/cuda_backend.hpp"
#include "model/random_model.hpp"

namespace {

using namespace recur;
using clock_type = std::chrono::steady_clock;

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Bytes read plus bytes written per second by a large device-to-device copy.
double copy_bandwidth() {
  const std::size_t bytes = std::size_t{2} << 30;
  void *a = nullptr, *b = nullptr;
  cudaMalloc(&a, bytes);
  cudaMalloc(&b, bytes);
  cudaMemset(a, 1, bytes);
  cudaEvent_t start, stop;
  cudaEventCreate(&start);
  cudaEventCreate(&stop);
  std::vector<double> times;
  for (int i = 0; i < 12; ++i) {
    cudaEventRecord(start);
    cudaMemcpyAsync(b, a, bytes, cudaMemcpyDeviceToDevice);
    cudaEventRecord(stop);
    cudaEventSynchronize(stop);
    float ms = 0;
    cudaEventElapsedTime(&ms, start, stop);
    if (i >= 2) times.push_back(ms * 1e-3);
  }
  cudaFree(a);
  cudaFree(b);
  return 2.0 * static_cast<double>(bytes) / median(times);
}

struct DecodeResult {
  double step_s, floor_s, bytes;
};

// Median time of a greedy decode step of `batch` sessions (host-timed: token upload, graph replay,
// argmax ids back), and the floor: weights plus each state read and written once.
DecodeResult decode(Backend& be, std::size_t batch, double bandwidth, int steps) {
  std::vector<SlotId> slots;
  for (std::size_t i = 0; i < batch; ++i) slots.push_back(*be.allocate());
  std::vector<TokenId> next(batch, 1);
  std::vector<double> times;
  for (int s = 0; s < steps + 3; ++s) {
    std::vector<SequenceChunk> chunks(batch);
    for (std::size_t i = 0; i < batch; ++i) chunks[i] = {slots[i], std::span(&next[i], 1)};
    std::vector<TokenId> out;
    const auto t0 = clock_type::now();
    if (!be.forward_argmax(chunks, SIZE_MAX, out).ok()) std::abort();
    const double dt = std::chrono::duration<double>(clock_type::now() - t0).count();
    if (s >= 3) times.push_back(dt);
    next = out;
  }
  for (auto s : slots) be.release(s);
  const double bytes = static_cast<double>(be.model().weights().matrix_bytes) +
                       2.0 * batch * static_cast<double>(be.model().state_shape().bytes());
  return {median(times), bytes / bandwidth, bytes};
}

}  // namespace

int main(int argc, char** argv) {
  std::string json_path;
  bool quick = false, kernels_only = false, decode_only = false;
  std::vector<std::size_t> batches{1, 2, 8, 16, 32, 64, 128, 256, 512, 1024};
  std::string modes = "both", shapes = "both";
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--json") && i + 1 < argc) json_path = argv[++i];
    if (!std::strcmp(argv[i], "--mode") && i + 1 < argc) modes = argv[++i];
    if (!std::strcmp(argv[i], "--shape") && i + 1 < argc) shapes = argv[++i];
    if (!std::strcmp(argv[i], "--batches") && i + 1 < argc) {
      batches.clear();
      for (const char* p = argv[++i]; *p;) {
        char* end = nullptr;
        batches.push_back(std::strtoul(p, &end, 10));
        if (end == p) return std::printf("--batches: a comma-separated list of sizes\n"), 2;
        p = *end == ',' ? end + 1 : end;
      }
    }
    if (!std::strcmp(argv[i], "--quick")) quick = true;
    if (!std::strcmp(argv[i], "--kernels-only")) kernels_only = true;
    if (!std::strcmp(argv[i], "--decode-only")) decode_only = true;
  }
  if (cuda_device_count() == 0) {
    std::printf("no CUDA device (%s): nothing to measure\n", cuda_unavailable_reason().c_str());
    return 77;
  }
  cudaDeviceProp prop{};
  cudaGetDeviceProperties(&prop, 0);
  const double bw = copy_bandwidth();
  std::printf("device: %s, %d SMs, %.1f GiB\n", prop.name, prop.multiProcessorCount,
              prop.totalGlobalMem / 1073741824.0);
  std::printf("device-to-device copy bandwidth (read + write): %.0f GB/s\n\n", bw / 1e9);
  nlohmann::json out = {
      {"device", prop.name}, {"copy_bandwidth_gbs", bw / 1e9}, {"decode", nlohmann::json::array()}};
  const int steps = quick ? 10 : 40;

  if (!decode_only) {
    std::printf("decode kernels alone:\n");
    for (int B : {1, 8, 256}) print_kernel_times(kMamba130m, B, bw);
    print_kernel_times(kMamba2p8b, 1, bw);
    std::printf("\n");
  }
  if (kernels_only) return 0;

  // Modes: "default" (cuBLAS GEMMs for larger batches and passes) and "invariant"
  // (--batch-invariant: a session's results never depend on its batch).
  std::printf("%-12s %-10s %6s %12s %14s %12s %10s\n", "shape", "mode", "batch", "step us",
              "tokens/s", "floor us", "of floor");
  auto report = [&](const ModelShape& shape, const char* mode, std::size_t batch,
                    const DecodeResult& r) {
    std::printf("%-12s %-10s %6zu %12.1f %14.0f %12.1f %9.1f%%\n", shape.name.c_str(), mode, batch,
                r.step_s * 1e6, batch / r.step_s, r.floor_s * 1e6, 100.0 * r.floor_s / r.step_s);
    out["decode"].push_back({{"shape", shape.name},
                             {"mode", mode},
                             {"batch", batch},
                             {"step_us", r.step_s * 1e6},
                             {"tokens_per_s", batch / r.step_s},
                             {"floor_us", r.floor_s * 1e6},
                             {"bytes_per_step", r.bytes},
                             {"fraction_of_floor", r.floor_s / r.step_s}});
  };

  if (shapes == "both" || shapes == kMamba130m.name) {
    auto model = random_model(kMamba130m, kernels::ElementType::bf16);
    for (const bool invariant : {false, true}) {
      const char* mode = invariant ? "invariant" : "default";
      if (modes != "both" && modes != mode) continue;
      auto be = make_cuda_backend(model, 0, 1100, invariant);
      if (!be) return std::printf("%s\n", be.error().message.c_str()), 1;
      for (std::size_t batch : batches)
        if (!invariant || batch >= 8)
          report(kMamba130m, mode, batch, decode(**be, batch, bw, steps));

      if (decode_only) continue;
      // Prefill: one 2,048-token prompt.
      auto slot = *(*be)->allocate();
      std::vector<TokenId> prompt(2048);
      for (std::size_t i = 0; i < prompt.size(); ++i)
        prompt[i] = static_cast<TokenId>((i * 7919) % 50000);
      std::vector<double> times;
      for (int i = 0; i < 5; ++i) {
        const auto t0 = clock_type::now();
        if (!(*be)->prefill(slot, prompt).ok()) return 1;
        times.push_back(std::chrono::duration<double>(clock_type::now() - t0).count());
      }
      const double prefill = median(times);
      std::printf("prefill mamba-130m (%s), 2048 tokens: %.2f ms (%.0f tokens/s)\n", mode,
                  prefill * 1e3, 2048 / prefill);
      out[invariant ? "prefill_invariant" : "prefill"] = {
          {"shape", kMamba130m.name}, {"tokens", 2048}, {"ms", prefill * 1e3}};
    }
  }
  if (shapes == "both" || shapes == kMamba2p8b.name) {
    auto model = random_model(kMamba2p8b, kernels::ElementType::bf16);
    auto be = make_cuda_backend(model, 0, 16);
    if (!be) return std::printf("%s\n", be.error().message.c_str()), 1;
    report(kMamba2p8b, "default", 1, decode(**be, 1, bw, steps));
  }
  if (decode_only) {
    if (!json_path.empty()) std::ofstream(json_path) << out.dump(1) << "\n";
    return 0;
  }
  {
    // Capacity: sessions resident at once, decoded in batches of 1,024.
    auto model = random_model(kMamba130m, kernels::ElementType::bf16);
    const std::size_t sessions = quick ? 5000 : 20480;
    auto be = make_cuda_backend(model, 0, sessions);
    if (!be) return std::printf("%s\n", be.error().message.c_str()), 1;
    std::printf("\ncapacity: %zu mamba-130m sessions resident (%.1f GiB of state)\n",
                (*be)->capacity(), sessions * model->state_shape().bytes() / 1073741824.0);
    out["capacity"] = {{"sessions", (*be)->capacity()},
                       {"state_bytes_per_session", model->state_shape().bytes()},
                       {"rows", nlohmann::json::array()}};
    for (std::size_t n : {std::size_t{1000}, std::size_t{5000}, sessions}) {
      if (n > sessions) continue;
      const auto r = decode(**be, n, bw, quick ? 3 : 6);
      std::printf("  %6zu sessions: %10.0f tokens/s (step %.2f ms)\n", n, n / r.step_s,
                  r.step_s * 1e3);
      out["capacity"]["rows"].push_back(
          {{"sessions", n}, {"tokens_per_s", n / r.step_s}, {"step_ms", r.step_s * 1e3}});
    }
    be->reset();
    auto exact = make_cuda_backend(model, 0, 5000, true);
    if (!exact) return std::printf("%s\n", exact.error().message.c_str()), 1;
    const auto r = decode(**exact, 5000, bw, quick ? 3 : 6);
    std::printf("  %6d sessions: %10.0f tokens/s (step %.2f ms), batch-invariant\n", 5000,
                5000 / r.step_s, r.step_s * 1e3);
    out["capacity"]["invariant_5000_tokens_per_s"] = 5000 / r.step_s;
  }
  // Memory per session: the SSM state is constant; a Transformer of the same width (12 layers,
  // hidden 768, fp16 K and V: Pythia-160M) keeps 2 * layers * hidden * 2 bytes per token.
  const StateShape shape130m{kMamba130m.layers, kMamba130m.hidden, kMamba130m.inner,
                             kMamba130m.conv,   kMamba130m.state,  kMamba130m.vocab};
  const double mamba = static_cast<double>(shape130m.bytes());
  std::printf(
      "\nmemory per session: mamba-130m state %.2f MB at any length; Transformer KV cache (12 x "
      "768, fp16):\n",
      mamba / 1e6);
  out["memory"] = nlohmann::json::array();
  for (double tokens : {1e3, 1e4, 1e5}) {
    const double kv = 2.0 * 12 * 768 * 2 * tokens;
    std::printf("  %6.0f tokens: KV %10.1f MB   state %.2f MB   ratio %.0fx\n", tokens, kv / 1e6,
                mamba / 1e6, kv / mamba);
    out["memory"].push_back({{"tokens", tokens}, {"kv_bytes", kv}, {"state_bytes", mamba}});
  }
  if (!json_path.empty()) std::ofstream(json_path) << out.dump(1) << "\n";
  return 0;
}
