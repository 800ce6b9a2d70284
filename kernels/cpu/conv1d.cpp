#include "kernels/cpu/conv1d.hpp"

#include <cmath>

namespace recur::kernels::cpu {

void causal_conv1d_silu(const CausalConvArgs& a, ThreadPool& pool) {
  constexpr std::size_t kMaxKernel = 16;
  const std::size_t K = a.kernel;
  const std::size_t hist = K - 1;
  const std::size_t C = a.channels;
  pool.parallel_for(a.sequences.size() * C, 256, [&](std::size_t i0, std::size_t i1) {
    float window[kMaxKernel];
    for (std::size_t i = i0; i < i1; ++i) {
      const SequenceSpan& seq = a.sequences[i / C];
      const std::size_t c = i % C;
      float* st = seq.state + c * hist;
      const float* w = a.weight + c * K;
      for (std::size_t j = 0; j < hist; ++j) window[j] = st[j];
      for (std::size_t t = seq.first; t < seq.first + seq.count; ++t) {
        window[hist] = a.x.data[t * a.x.stride + c];
        float s = 0.0f;
        for (std::size_t k = 0; k < K; ++k) s += w[k] * window[k];
        if (a.bias) s += a.bias[c];
        a.out.data[t * a.out.stride + c] = s / (1.0f + std::exp(-s));
        for (std::size_t j = 0; j < hist; ++j) window[j] = window[j + 1];
      }
      for (std::size_t j = 0; j < hist; ++j) st[j] = window[j];
    }
  });
}

}  // namespace recur::kernels::cpu
