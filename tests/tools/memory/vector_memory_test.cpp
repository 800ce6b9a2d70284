// The memory tool's vectors: vec_add and vec_search per scope, bad vectors refused as error
// results, and a reopened store that answers exactly as before.
#include <cmath>
#include <random>

#include "memory_fixture.hpp"
#include "store/store.hpp"
#include "tools/memory/vector_memory.hpp"

namespace recur::tools {
namespace {

using testing::MemoryFixture;

std::vector<float> random_vector(std::mt19937& rng, std::size_t dims) {
  std::normal_distribution<float> normal;
  std::vector<float> v(dims);
  for (auto& x : v) x = normal(rng);
  return v;
}

Json as_json(const std::vector<float>& v) {
  return Json(v);
}

TEST(MemoryVectors, AddThenSearchThroughTheTool) {
  MemoryFixture m;
  EXPECT_EQ(m.ok({{"op", "vec_add"}, {"id", "x"}, {"vector", {1, 0}}}),
            Json({{"id", "x"}, {"dims", 2}, {"count", 1}}));
  m.ok({{"op", "vec_add"}, {"id", "y"}, {"vector", {0, 1}}});
  Json found = m.ok({{"op", "vec_search"}, {"vector", {0.1, 1}}, {"k", 1}});
  EXPECT_EQ(found["exact"], true);
  ASSERT_EQ(found["matches"].size(), 1u);
  EXPECT_EQ(found["matches"][0]["id"], "y");
  EXPECT_NEAR(found["matches"][0]["score"].get<double>(), 1 / std::sqrt(1.01), 1e-6);
}

TEST(MemoryVectors, BadVectorsAreErrorResults) {
  MemoryFixture m;
  m.ok({{"op", "vec_add"}, {"id", "x"}, {"vector", {1, 0, 0, 0}}});
  EXPECT_EQ(m.error({{"op", "vec_add"}, {"id", "y"}, {"vector", {1, 0, 0}}}),
            "arguments.vector: has 3 dimensions, the index has 4");
  EXPECT_EQ(m.error({{"op", "vec_search"}, {"vector", {1, 0}}}),
            "arguments.vector: has 2 dimensions, the index has 4");
  EXPECT_EQ(m.error({{"op", "vec_add"}, {"id", "z"}, {"vector", {0, 0, 0, 0}}}),
            "arguments.vector: has zero or non-finite length");
  EXPECT_EQ(m.error({{"op", "vec_add"}, {"id", "z"}, {"vector", {1e300, 0, 0, 0}}}),
            "arguments.vector[0]: must be a finite 32-bit float");
  EXPECT_EQ(m.error({{"op", "vec_add"}, {"id", "z"}, {"vector", {1, "2", 0, 0}}}),
            "arguments.vector[1]: must be a number");
  EXPECT_EQ(m.error({{"op", "vec_search"}, {"vector", {1, 0, 0, 0}}, {"k", 0}}),
            "arguments.k: must be >= 1");
}

// VectorMemory tells a refused vector (invalid_argument, "vector: ...") from a failure of the
// store by code, so the tool can name arguments.vector for the first kind only.
TEST(MemoryVectors, ARefusedVectorIsInvalidArgumentAndADamagedRecordIsDataLoss) {
  recur::testing::TempDir dir;
  auto store = Store::open(dir / "store");
  ASSERT_TRUE(store) << store.error().message;
  {
    VectorMemory vectors(*store, {});
    ASSERT_TRUE(vectors.add("s", "x", std::vector<float>{1, 0}));
    auto wrong = vectors.add("s", "y", std::vector<float>{1, 0, 0});
    ASSERT_FALSE(wrong);
    EXPECT_EQ(wrong.error().code, ErrorCode::invalid_argument);
    EXPECT_EQ(wrong.error().message, "vector: has 3 dimensions, the index has 2");
    auto query = vectors.search("s", std::vector<float>{0, 0}, 1, true);
    ASSERT_FALSE(query);
    EXPECT_EQ(query.error().code, ErrorCode::invalid_argument);
    EXPECT_EQ(query.error().message, "vector: has zero or non-finite length");
  }
  const std::string log = key_prefix({"s", "vectors"});
  ASSERT_TRUE(store->put(log + ordered_key(1), "xy"));  // shorter than a record's length field
  VectorMemory reopened(*store, {});
  auto damaged = reopened.search("s", std::vector<float>{1, 0}, 1, true);
  ASSERT_FALSE(damaged);
  EXPECT_EQ(damaged.error().code, ErrorCode::data_loss);
  EXPECT_NE(damaged.error().message.find("vector record 1 is damaged"), std::string::npos)
      << damaged.error().message;
}

TEST(MemoryVectors, ADamagedRecordIsNotBlamedOnTheArguments) {
  MemoryFixture m;
  m.ok({{"op", "vec_add"}, {"id", "x"}, {"vector", {1, 0}}}, "s");
  {
    // The tool's own database, shared within this process.
    auto store = Store::open(m.store_dir());
    ASSERT_TRUE(store) << store.error().message;
    const std::string log = key_prefix({"memory"}) + key_prefix({"s", "vectors"});
    ASSERT_TRUE(store->put(log + ordered_key(1), "xy"));
  }
  m.reopen();
  const std::string e = m.error({{"op", "vec_search"}, {"vector", {1, 0}}}, "s");
  EXPECT_EQ(e.rfind("store ", 0), 0u) << e;
  EXPECT_NE(e.find("vector record 1 is damaged"), std::string::npos) << e;
}

TEST(MemoryVectors, NanComponentsAreRefusedEvenWithoutSchemaValidation) {
  MemoryFixture m;
  Tool* tool = m.registry().find("memory");
  ASSERT_NE(tool, nullptr);
  ToolResult r = tool->call({{"op", "vec_add"}, {"id", "n"}, {"vector", {1.0, std::nan("")}}}, {});
  EXPECT_TRUE(r.is_error);
  EXPECT_EQ(r.joined_text(), "arguments.vector[1]: must be a finite 32-bit float");
}

TEST(MemoryVectors, EachScopeHasItsOwnVectorsAndDimension) {
  MemoryFixture m;
  m.ok({{"op", "vec_add"}, {"id", "a"}, {"vector", {1, 0}}}, "s1");
  m.ok({{"op", "vec_add"}, {"id", "b"}, {"vector", {1, 0, 0}}}, "s2");
  EXPECT_EQ(m.ok({{"op", "vec_search"}, {"vector", {1, 0}}}, "s1")["matches"][0]["id"], "a");
  EXPECT_EQ(m.ok({{"op", "vec_search"}, {"vector", {1, 0, 0}}}, "s2")["matches"][0]["id"], "b");
  EXPECT_EQ(m.ok({{"op", "vec_search"}, {"vector", {1, 0}}}, "s3")["matches"], Json::array());
}

// 600 vectors with the graph built at 200; every answer after reopening equals the one before.
TEST(MemoryVectors, AReopenedStoreAnswersTheSame) {
  MemoryFixture m(Json{{"vectors", {{"hnsw_threshold", 200}, {"ef_search", 16}}}});
  std::mt19937 rng(11);
  for (int i = 0; i < 600; ++i)
    m.ok({{"op", "vec_add"},
          {"id", std::string("v").append(std::to_string(i % 550))},
          {"vector", as_json(random_vector(rng, 16))}});
  std::vector<Json> queries, before;
  for (int q = 0; q < 30; ++q) {
    queries.push_back(
        {{"op", "vec_search"}, {"vector", as_json(random_vector(rng, 16))}, {"k", 10}});
    before.push_back(m.ok(queries.back()));
    EXPECT_EQ(before.back()["exact"], false);
  }
  m.reopen();
  for (std::size_t q = 0; q < queries.size(); ++q) EXPECT_EQ(m.ok(queries[q]), before[q]) << q;
  EXPECT_EQ(
      m.ok(
          {{"op", "vec_add"}, {"id", "new"}, {"vector", as_json(random_vector(rng, 16))}})["count"],
      551);
}

}  // namespace
}  // namespace recur::tools
