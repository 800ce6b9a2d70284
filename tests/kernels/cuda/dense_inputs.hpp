// Inputs and CPU references shared by the tests of the dense decode kernels (GEMV, tensor cores).
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "kernels/cpu/conv1d.hpp"
#include "kernels/cpu/linear.hpp"
#include "kernels/cuda/random_inputs.hpp"
#include "kernels/element_type.hpp"

namespace recur::kernels::testing {

// A weight matrix in both element types, the bf16 one exactly representable in fp32 for the CPU.
struct Weights {
  std::size_t rows, cols;
  std::vector<float> f32;
  std::vector<std::uint16_t> bf16;
  Weights(std::size_t r, std::size_t c, std::mt19937& rng)
      : rows(r), cols(c), f32(randn(r * c, rng, 0.2f)) {
    for (float v : f32) bf16.push_back(float_to_bf16(v));
  }
  std::vector<float> widened(bool b16) const {
    if (!b16) return f32;
    std::vector<float> out;
    for (auto v : bf16) out.push_back(bf16_to_float(v));
    return out;
  }
};

// The CPU's in_proj rows then conv step for B sessions (one token each): xz = W x, then the conv
// (+SiLU) of the first C channels into out, each session continuing its slot's history in `pool`
// (slot -1: a zero history, nothing kept).
inline void cpu_conv_steps(const std::vector<float>& W, std::size_t rows, std::size_t cols,
                           const std::vector<float>& x, int B, int C, int K,
                           const std::vector<float>& conv_w, const std::vector<float>& conv_b,
                           const std::vector<int>& slots, std::vector<float>& pool,
                           std::vector<float>& xz, std::vector<float>& out) {
  cpu::ThreadPool threads(1);
  xz.assign(static_cast<std::size_t>(B) * rows, 0.0f);
  out.assign(static_cast<std::size_t>(B) * C, 0.0f);
  cpu::linear({ElementType::f32, rows, cols, W.data()}, {x.data(), cols}, B, nullptr,
              {xz.data(), rows}, threads);
  const std::size_t per_slot = static_cast<std::size_t>(C) * (K - 1);
  for (int b = 0; b < B; ++b) {
    std::vector<float> zero(per_slot, 0.0f);  // a padding row's history, fresh for each row
    const cpu::SequenceSpan span{static_cast<std::size_t>(b), 1,
                                 slots[b] >= 0 ? pool.data() + slots[b] * per_slot : zero.data()};
    cpu::causal_conv1d_silu({{&span, 1},
                             {xz.data(), rows},
                             static_cast<std::size_t>(C),
                             static_cast<std::size_t>(K),
                             conv_w.data(),
                             conv_b.data(),
                             {out.data(), static_cast<std::size_t>(C)}},
                            threads);
  }
}

}  // namespace recur::kernels::testing
