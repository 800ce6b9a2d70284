// CPU engine throughput: prefill and decode tokens/s at batch 1, 8 and 64, for the mamba-130m shape
// and a small task-model shape, with the bytes each decode step must move and the ratio of the
// measured step time to the memory-bandwidth floor measured in the same run.
//
// Run: build/bench/cpu_engine_bench [--quick] [--threads N]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "kernels/cpu/memory_bandwidth.hpp"
#include "model/backend.hpp"
#include "model/random_model.hpp"

namespace {

using namespace recur;
using clock_type = std::chrono::steady_clock;

double seconds_since(clock_type::time_point t) {
  return std::chrono::duration<double>(clock_type::now() - t).count();
}

struct Row {
  std::string shape, phase;
  std::size_t batch;
  double tokens_per_s, step_ms, bytes_per_step, floor_ms;
};

}  // namespace

int main(int argc, char** argv) {
  bool quick = false;
  unsigned threads = 0;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--quick")) quick = true;
    if (!std::strcmp(argv[i], "--threads") && i + 1 < argc)
      threads = static_cast<unsigned>(std::stoul(argv[++i]));
  }
  recur::kernels::cpu::ThreadPool pool(threads);
  const double bandwidth = recur::kernels::cpu::measure_read_bandwidth(pool);
  std::printf("memory read bandwidth (measured, %u threads): %.2f GB/s\n\n", pool.size(),
              bandwidth / 1e9);

  std::vector<Row> rows;
  for (const auto* shape : {&kMamba130m, &kTaskModel}) {
    auto model = random_model(*shape, kernels::ElementType::f32);
    const auto state_bytes = static_cast<double>(model->state_shape().bytes());
    for (std::size_t batch : {1u, 8u, 64u}) {
      auto be = make_cpu_backend(model, threads, batch);
      std::vector<SlotId> slots;
      for (std::size_t i = 0; i < batch; ++i) slots.push_back(*be->allocate());

      // Prefill: each session takes a prompt of 64 tokens (32 in quick mode), all in one forward.
      const std::size_t prompt = quick ? 32 : 64;
      std::vector<std::vector<TokenId>> prompts(batch);
      std::vector<SequenceChunk> chunks;
      for (std::size_t i = 0; i < batch; ++i) {
        for (std::size_t t = 0; t < prompt; ++t)
          prompts[i].push_back(static_cast<TokenId>((i * 131 + t * 17) % shape->vocab));
        chunks.push_back({slots[i], prompts[i]});
      }
      std::vector<float> logits;
      auto t0 = clock_type::now();
      if (!be->forward(chunks, LogitsFor::last, logits).ok()) return 1;
      const double prefill_s = seconds_since(t0);
      rows.push_back(
          {shape->name, "prefill", batch, batch * prompt / prefill_s, prefill_s * 1e3, 0, 0});

      // Decode: steps of one token per session; the floor is weights + state read and written once.
      std::vector<TokenId> tokens(batch, 1);
      const int warmup = 2, steps = quick ? 4 : (shape == &kMamba130m ? 12 : 50);
      std::vector<double> times;
      for (int s = 0; s < warmup + steps; ++s) {
        auto ts = clock_type::now();
        auto out = be->decode(slots, tokens);
        if (!out.ok()) return 1;
        if (s >= warmup) times.push_back(seconds_since(ts));
        for (std::size_t i = 0; i < batch; ++i)
          tokens[i] = static_cast<TokenId>(std::max_element(out->begin() + i * shape->vocab,
                                                            out->begin() + (i + 1) * shape->vocab) -
                                           (out->begin() + i * shape->vocab));
      }
      std::sort(times.begin(), times.end());
      const double step = times[times.size() / 2];
      const double bytes = static_cast<double>(model->weights().matrix_bytes) +
                           2.0 * batch * state_bytes + batch * shape->hidden * 4.0 +
                           batch * shape->vocab * 4.0;
      rows.push_back(
          {shape->name, "decode", batch, batch / step, step * 1e3, bytes, bytes / bandwidth * 1e3});
    }
  }

  std::printf("%-12s %-8s %6s %14s %10s %14s %10s %12s %10s\n", "shape", "phase", "batch",
              "tokens/s", "time ms", "bytes/step", "floor ms", "GB/s", "floor/time");
  for (const auto& r : rows) {
    if (r.phase == "prefill") {
      std::printf("%-12s %-8s %6zu %14.1f %10.2f %14s %10s %12s %10s\n", r.shape.c_str(), "prefill",
                  r.batch, r.tokens_per_s, r.step_ms, "-", "-", "-", "-");
    } else {
      std::printf("%-12s %-8s %6zu %14.1f %10.3f %14.3e %10.3f %12.2f %9.1f%%\n", r.shape.c_str(),
                  "decode", r.batch, r.tokens_per_s, r.step_ms, r.bytes_per_step, r.floor_ms,
                  r.bytes_per_step / (r.step_ms * 1e-3) / 1e9, 100.0 * r.floor_ms / r.step_ms);
    }
  }
  std::printf(
      "\nfloor/time: the bandwidth floor (bytes per step / measured bandwidth) over the measured "
      "median step time; 100%% is the memory-bandwidth limit.\n");
  return 0;
}
