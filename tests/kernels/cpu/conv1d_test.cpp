// The causal convolution against a direct definition, and chunked feeding equal to stepping.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "kernels/cpu/conv1d.hpp"

namespace recur::kernels::cpu {
namespace {

TEST(CausalConv, MatchesTheDefinitionFromAZeroHistory) {
  std::mt19937 rng(3);
  std::normal_distribution<float> d;
  for (std::size_t K : {1u, 2u, 4u, 7u}) {
    const std::size_t C = 5, T = 9;
    std::vector<float> x(T * C), w(C * K), b(C), out(T * C), state(C * (K - 1), 0.0f);
    for (auto* v : {&x, &w, &b})
      for (auto& e : *v) e = d(rng);
    ThreadPool pool(2);
    const SequenceSpan seq{0, T, state.data()};
    causal_conv1d_silu({{&seq, 1}, {x.data(), C}, C, K, w.data(), b.data(), {out.data(), C}}, pool);
    for (std::size_t t = 0; t < T; ++t)
      for (std::size_t c = 0; c < C; ++c) {
        double s = b[c];
        for (std::size_t k = 0; k < K; ++k) {
          const long src = static_cast<long>(t) - static_cast<long>(K - 1) + static_cast<long>(k);
          if (src >= 0) s += static_cast<double>(w[c * K + k]) * x[src * C + c];
        }
        const double silu = s / (1.0 + std::exp(-s));
        ASSERT_NEAR(out[t * C + c], silu, 1e-5) << "K " << K << " t " << t << " c " << c;
      }
    // The state holds the last K-1 raw inputs, oldest first.
    for (std::size_t c = 0; c < C; ++c)
      for (std::size_t j = 0; j + 1 < K; ++j)
        EXPECT_EQ(state[c * (K - 1) + j], x[(T - (K - 1) + j) * C + c]);
  }
}

TEST(CausalConv, ChunksOfAnySizeGiveTheBitsOfOneTokenAtATime) {
  std::mt19937 rng(4);
  std::normal_distribution<float> d;
  const std::size_t C = 6, K = 4, T = 11;
  std::vector<float> x(T * C), w(C * K), b(C);
  for (auto* v : {&x, &w, &b})
    for (auto& e : *v) e = d(rng);
  ThreadPool pool(2);
  auto run = [&](std::size_t chunk) {
    std::vector<float> state(C * (K - 1), 0.0f), out(T * C);
    for (std::size_t t0 = 0; t0 < T; t0 += chunk) {
      const std::size_t n = std::min(chunk, T - t0);
      const SequenceSpan seq{0, n, state.data()};
      causal_conv1d_silu(
          {{&seq, 1}, {x.data() + t0 * C, C}, C, K, w.data(), b.data(), {out.data() + t0 * C, C}},
          pool);
    }
    out.insert(out.end(), state.begin(), state.end());
    return out;
  };
  const auto stepped = run(1);
  for (std::size_t chunk : {2u, 3u, 5u, 11u}) EXPECT_EQ(run(chunk), stepped) << chunk;
}

}  // namespace
}  // namespace recur::kernels::cpu
