#include "kernels/cpu/conv1d.hpp"

#include <algorithm>

#include "kernels/cpu/vector_math.hpp"

namespace recur::kernels::cpu {
namespace {

constexpr std::size_t kMaxKernel = 16;

// Eight channels c0.. of one sequence over its tokens (fewer at the end of the channels), one
// channel per vector lane: each lane sums its taps in the order of the scalar definition, then the
// bias, then SiLU.
__attribute__((target_clones("avx2", "default"))) void convolve_channels(const CausalConvArgs& a,
                                                                         const SequenceSpan& seq,
                                                                         std::size_t c0) {
  const std::size_t K = a.kernel;
  const std::size_t hist = K - 1;
  const std::size_t width = std::min<std::size_t>(8, a.channels - c0);
  v8f taps[kMaxKernel], window[kMaxKernel], bias{};
  for (std::size_t k = 0; k < K; ++k) {
    taps[k] = v8f{};
    for (std::size_t j = 0; j < width; ++j) taps[k][j] = a.weight[(c0 + j) * K + k];
  }
  for (std::size_t i = 0; i < hist; ++i) {
    window[i] = v8f{};
    for (std::size_t j = 0; j < width; ++j) window[i][j] = seq.state[(c0 + j) * hist + i];
  }
  if (a.bias)
    for (std::size_t j = 0; j < width; ++j) bias[j] = a.bias[c0 + j];
  for (std::size_t t = seq.first; t < seq.first + seq.count; ++t) {
    const float* x = a.x.data + t * a.x.stride + c0;
    float* y = a.out.data + t * a.out.stride + c0;
    if (width == 8) {
      load8(window[hist], x);
    } else {
      window[hist] = v8f{};
      for (std::size_t j = 0; j < width; ++j) window[hist][j] = x[j];
    }
    v8f sum{};
    for (std::size_t k = 0; k < K; ++k) sum += taps[k] * window[k];
    if (a.bias) sum += bias;
    v8f out;
    silu(out, sum);
    if (width == 8) {
      store8(y, out);
    } else {
      for (std::size_t j = 0; j < width; ++j) y[j] = out[j];
    }
    for (std::size_t i = 0; i < hist; ++i) window[i] = window[i + 1];
  }
  for (std::size_t i = 0; i < hist; ++i)
    for (std::size_t j = 0; j < width; ++j) seq.state[(c0 + j) * hist + i] = window[i][j];
}

}  // namespace

void causal_conv1d_silu(const CausalConvArgs& a, ThreadPool& pool) {
  const std::size_t groups = (a.channels + 7) / 8;
  pool.parallel_for(a.sequences.size() * groups, 32, [&](std::size_t i0, std::size_t i1) {
    for (std::size_t i = i0; i < i1; ++i)
      convolve_channels(a, a.sequences[i / groups], i % groups * 8);
  });
}

}  // namespace recur::kernels::cpu
