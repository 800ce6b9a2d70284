// Sampling: greedy, temperature, top-k, top-p, and reproducibility from the seed.
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "model/sampler.hpp"

namespace recur {
namespace {

TEST(Sampler, GreedyTakesTheArgmaxAndTheLowestIdOnTies) {
  Sampler s;
  const float logits[] = {0.1f, 2.0f, -1.0f, 2.0f};
  EXPECT_EQ(s.sample(logits), 1);
  const float nan_first[] = {NAN, 0.5f, 0.2f};
  EXPECT_EQ(s.sample(nan_first), 1);
}

TEST(Sampler, GreedyIgnoresIdsPastTheVocabularyLimit) {
  Sampler s;
  const float logits[] = {0.1f, 0.2f, 9.0f};
  EXPECT_EQ(s.sample(logits, 2), 1);
}

TEST(Sampler, TopKOfOneIsGreedyWhateverTheTemperature) {
  Sampler s({.temperature = 5.0f, .top_k = 1, .top_p = 1.0f, .seed = 3});
  const float logits[] = {0.0f, 1.0f, 0.5f, 0.99f};
  for (int i = 0; i < 100; ++i) EXPECT_EQ(s.sample(logits), 1);
}

TEST(Sampler, FrequenciesFollowTheSoftmaxAtTheTemperature) {
  Sampler s({.temperature = 2.0f, .top_k = 0, .top_p = 1.0f, .seed = 99});
  const float logits[] = {1.0f, 2.0f, 3.0f, 0.0f};
  std::map<TokenId, int> counts;
  const int n = 200000;
  for (int i = 0; i < n; ++i) ++counts[s.sample(logits)];
  double z = 0;
  for (float l : logits) z += std::exp(l / 2.0);
  for (int id = 0; id < 4; ++id) {
    const double p = std::exp(logits[id] / 2.0) / z;
    const double sigma = std::sqrt(p * (1 - p) / n);
    EXPECT_NEAR(counts[id] / static_cast<double>(n), p, 5 * sigma) << "token " << id;
  }
}

TEST(Sampler, TopPKeepsTheSmallestSetReachingTheMass) {
  // Probabilities at temperature 1: about 0.64, 0.24, 0.09, 0.03.
  Sampler s({.temperature = 1.0f, .top_k = 0, .top_p = 0.8f, .seed = 5});
  const float logits[] = {3.0f, 2.0f, 1.0f, 0.0f};
  std::map<TokenId, int> counts;
  for (int i = 0; i < 20000; ++i) ++counts[s.sample(logits)];
  EXPECT_EQ(counts.count(2), 0u);
  EXPECT_EQ(counts.count(3), 0u);
  EXPECT_NEAR(counts[0] / 20000.0, 0.64 / 0.88, 0.02);
}

TEST(Sampler, TheSameSeedDrawsTheSameTokensAndOthersDiffer) {
  const float logits[] = {0.3f, 0.1f, 0.2f, 0.25f, 0.15f};
  auto draw = [&](std::uint64_t seed) {
    Sampler s({.temperature = 1.0f, .top_k = 0, .top_p = 1.0f, .seed = seed});
    std::vector<TokenId> out;
    for (int i = 0; i < 64; ++i) out.push_back(s.sample(logits));
    return out;
  };
  EXPECT_EQ(draw(11), draw(11));
  EXPECT_NE(draw(11), draw(12));
}

TEST(Rng, MatchesTheReferenceXoshiro256StarStarSequence) {
  // xoshiro256** from state {1, 2, 3, 4}: the first outputs of the reference implementation.
  Rng r;
  r.set_state({1, 2, 3, 4});
  EXPECT_EQ(r.next(), 11520u);
  EXPECT_EQ(r.next(), 0u);
  EXPECT_EQ(r.next(), 1509978240u);
  EXPECT_EQ(r.next(), 1215971899390074240u);
}

}  // namespace
}  // namespace recur
