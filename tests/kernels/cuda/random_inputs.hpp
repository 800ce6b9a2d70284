// Random inputs shared by the CUDA kernel tests.
#pragma once

#include <algorithm>
#include <numeric>
#include <random>
#include <vector>

namespace recur::kernels::testing {

// n normal draws of mean `shift` and deviation `scale`.
inline std::vector<float> randn(std::size_t n, std::mt19937& rng, float scale = 1.0f,
                                float shift = 0.0f) {
  std::normal_distribution<float> d(shift, scale);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

// n distinct slots of a pool of pool_slots, in a shuffled order.
inline std::vector<int> scattered_slots(int n, int pool_slots, unsigned seed) {
  std::vector<int> all(pool_slots);
  std::iota(all.begin(), all.end(), 0);
  std::shuffle(all.begin(), all.end(), std::mt19937(seed));
  all.resize(n);
  return all;
}

}  // namespace recur::kernels::testing
