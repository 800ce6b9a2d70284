// Vector search by cosine similarity in memory: exact answers, HNSW answers that agree with them,
// and bad vectors refused.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <random>

#include "tools/memory/vector_index.hpp"

namespace recur::tools {
namespace {

std::vector<float> random_vector(std::mt19937& rng, std::size_t dims) {
  std::normal_distribution<float> normal;
  std::vector<float> v(dims);
  for (auto& x : v) x = normal(rng);
  return v;
}

TEST(VectorIndex, ExactSearchRanksByCosineSimilarity) {
  VectorIndex index(2);
  ASSERT_TRUE(index.upsert("east", std::vector<float>{1, 0}));
  ASSERT_TRUE(index.upsert("north", std::vector<float>{0, 3}));
  ASSERT_TRUE(index.upsert("northeast", std::vector<float>{2, 2}));
  ASSERT_TRUE(index.upsert("west", std::vector<float>{-5, 0}));
  auto found = index.search(std::vector<float>{1, 0.1f}, 3);
  ASSERT_TRUE(found);
  ASSERT_EQ(found->size(), 3u);
  EXPECT_EQ((*found)[0].id, "east");
  EXPECT_NEAR((*found)[0].score, 1 / std::sqrt(1.01), 1e-6);
  EXPECT_EQ((*found)[1].id, "northeast");
  EXPECT_NEAR((*found)[1].score, 1.1 / std::sqrt(2 * 1.01), 1e-6);
  EXPECT_EQ((*found)[2].id, "north");
  EXPECT_NEAR((*found)[2].score, 0.1 / std::sqrt(1.01), 1e-6);
}

TEST(VectorIndex, UpsertReplacesTheVectorOfAnId) {
  VectorIndex index(2);
  ASSERT_TRUE(index.upsert("a", std::vector<float>{1, 0}));
  ASSERT_TRUE(index.upsert("a", std::vector<float>{0, 1}));
  EXPECT_EQ(index.size(), 1u);
  auto found = index.search(std::vector<float>{0, 1}, 5);
  ASSERT_TRUE(found);
  ASSERT_EQ(found->size(), 1u);
  EXPECT_NEAR((*found)[0].score, 1.0, 1e-6);
}

TEST(VectorIndex, RefusesWrongDimensionsNonFiniteAndZeroVectors) {
  VectorIndex index(3);
  EXPECT_EQ(index.upsert("a", std::vector<float>{1, 2}).error().message,
            "has 2 dimensions, the index has 3");
  EXPECT_EQ(index.upsert("a", std::vector<float>{1, NAN, 2}).error().message,
            "component 1 is not finite");
  EXPECT_EQ(index.upsert("a", std::vector<float>{0, 0, 0}).error().message,
            "has zero or non-finite length");
  EXPECT_FALSE(index.search(std::vector<float>{INFINITY, 0, 0}, 1));
  EXPECT_EQ(index.size(), 0u);
}

// 3000 random 32-d vectors with the graph built at 1000: the HNSW answers agree with the exact
// ones.
TEST(VectorIndex, HnswAgreesWithExactSearch) {
  std::mt19937 rng(7);
  VectorIndexOptions options;
  options.hnsw_threshold = 1000;
  options.m = 16;
  options.ef_search = 64;  // a small effort, so that the graph search is not near-exhaustive
  VectorIndex index(32, options);
  for (int i = 0; i < 3000; ++i) {
    ASSERT_TRUE(index.upsert(std::string("v").append(std::to_string(i)), random_vector(rng, 32)));
    EXPECT_EQ(index.uses_hnsw(), i + 1 >= 1000);
  }
  std::size_t hits = 0, total = 0;
  for (int q = 0; q < 100; ++q) {
    auto query = random_vector(rng, 32);
    auto exact = index.search(query, 10, true);
    auto graph = index.search(query, 10);
    ASSERT_TRUE(exact && graph);
    ASSERT_EQ(graph->size(), 10u);
    std::map<std::string, float> exact_scores;
    for (const auto& m : *exact) exact_scores[m.id] = m.score;
    for (const auto& m : *graph) {
      auto it = exact_scores.find(m.id);
      if (it == exact_scores.end()) continue;
      ++hits;
      EXPECT_EQ(m.score, it->second);  // re-scored exactly: the same float
    }
    total += 10;
  }
  double recall = static_cast<double>(hits) / total;
  EXPECT_GE(recall, 0.95);
}

TEST(VectorIndex, UpsertsAfterTheGraphIsBuiltAreFound) {
  std::mt19937 rng(3);
  VectorIndexOptions options;
  options.hnsw_threshold = 50;
  VectorIndex index(8, options);
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(index.upsert(std::to_string(i), random_vector(rng, 8)));
  auto target = random_vector(rng, 8);
  ASSERT_TRUE(index.upsert("7", target));  // moves an existing vector
  ASSERT_TRUE(index.upsert("new", random_vector(rng, 8)));
  auto found = index.search(target, 1);
  ASSERT_TRUE(found);
  EXPECT_EQ((*found)[0].id, "7");
  EXPECT_NEAR((*found)[0].score, 1.0, 1e-5);
  EXPECT_EQ(index.size(), 101u);
}

}  // namespace
}  // namespace recur::tools
