// The Store: key/value with atomic batches, paged prefix scans, prefix-scoped handles, append-only
// logs, and one shared database per directory within a process.
#include <thread>

#include <gtest/gtest.h>

#include "store/store.hpp"
#include "support/temp_dir.hpp"

namespace recur {
namespace {

using recur::testing::TempDir;

struct StoreTest : ::testing::Test {
  TempDir dir;
  Store store = Store::open(dir / "db").value();

  std::vector<std::string> keys(const ScanPage& page) {
    std::vector<std::string> out;
    for (const auto& [k, v] : page.entries) out.push_back(k);
    return out;
  }
};

TEST_F(StoreTest, PutGetErase) {
  ASSERT_TRUE(store.put("k", std::string("v\0w", 3)));
  EXPECT_EQ(store.get("k")->value(), std::string("v\0w", 3));
  ASSERT_TRUE(store.erase("k"));
  EXPECT_EQ(*store.get("k"), std::nullopt);
  EXPECT_TRUE(store.erase("never there"));
}

TEST_F(StoreTest, BatchesApplyInOrder) {
  WriteBatch batch;
  batch.put("a", "1");
  batch.put("b", "2");
  batch.erase("a");
  batch.put("c", "3");
  ASSERT_TRUE(store.write(batch));
  EXPECT_EQ(*store.get("a"), std::nullopt);
  EXPECT_EQ(store.get("b")->value(), "2");
  EXPECT_EQ(store.get("c")->value(), "3");
}

TEST_F(StoreTest, ScanPagesByPrefix) {
  for (const char* k : {"x", "p1", "p2", "p3", "p4", "p5", "q"}) ASSERT_TRUE(store.put(k, k));
  auto first = store.scan("p", "", 2);
  ASSERT_TRUE(first);
  EXPECT_EQ(keys(*first), (std::vector<std::string>{"p1", "p2"}));
  ASSERT_TRUE(first->next);
  EXPECT_EQ(*first->next, "p2");
  auto second = store.scan("p", *first->next, 2);
  EXPECT_EQ(keys(*second), (std::vector<std::string>{"p3", "p4"}));
  auto last = store.scan("p", *second->next, 2);
  EXPECT_EQ(keys(*last), (std::vector<std::string>{"p5"}));
  EXPECT_EQ(last->next, std::nullopt);
  auto exact = store.scan("p", "p3", 2);  // exactly one page left
  EXPECT_EQ(keys(*exact), (std::vector<std::string>{"p4", "p5"}));
  EXPECT_EQ(exact->next, std::nullopt);
}

TEST_F(StoreTest, ScanAfterACursorOutsideThePrefix) {
  for (const char* k : {"a", "p1", "p2", "z"}) ASSERT_TRUE(store.put(k, k));
  EXPECT_EQ(keys(*store.scan("p", "a", 10)), (std::vector<std::string>{"p1", "p2"}));
  EXPECT_TRUE(store.scan("p", "q", 10)->entries.empty());
}

TEST_F(StoreTest, WithinSeesOnlyItsPrefixWithThePrefixStripped) {
  Store a = store.within(key_prefix({"scope", "a"}));
  Store ab = store.within(key_prefix({"scope", "ab"}));
  ASSERT_TRUE(a.put("k", "1"));
  ASSERT_TRUE(ab.put("k", "2"));
  EXPECT_EQ(a.get("k")->value(), "1");
  EXPECT_EQ(ab.get("k")->value(), "2");
  EXPECT_EQ(keys(*a.scan("", "", 10)), (std::vector<std::string>{"k"}));
  EXPECT_EQ(*store.get("k"), std::nullopt);
  ASSERT_TRUE(a.erase_prefix(""));
  EXPECT_EQ(*a.get("k"), std::nullopt);
  EXPECT_EQ(ab.get("k")->value(), "2");
}

// One path's prefix starts another's only when the other path extends it name by name.
TEST(KeyPrefix, OnlyExtendedPathsShareAPrefix) {
  using Path = std::vector<std::string>;
  std::vector<Path> paths = {
      {"a"}, {"ab"},   {"a", "b"},     {std::string("a\0", 2)}, {std::string("a\0b", 3)},
      {""},  {"", ""}, {"a", "b", "c"}};
  auto encode = [](const Path& p) {
    std::string out;
    for (const auto& name : p) out += key_prefix({name});
    return out;
  };
  EXPECT_EQ(key_prefix({"a", "b"}), encode({"a", "b"}));
  for (const auto& i : paths)
    for (const auto& j : paths) {
      bool extends = i.size() <= j.size() && std::equal(i.begin(), i.end(), j.begin());
      EXPECT_EQ(encode(j).rfind(encode(i), 0) == 0, extends)
          << ::testing::PrintToString(i) << " / " << ::testing::PrintToString(j);
    }
}

TEST(KeyPrefix, SortsNameByName) {
  EXPECT_LT(key_prefix({"a", "z"}), key_prefix({"ab"}));
  EXPECT_LT(key_prefix({"a"}), key_prefix({std::string_view("a\0", 2)}));
  EXPECT_LT(key_prefix({"a", "b"}), key_prefix({"a", "c"}));
}

TEST(OrderedKey, SortsNumerically) {
  EXPECT_LT(ordered_key(9), ordered_key(10));
  EXPECT_LT(ordered_key(255), ordered_key(256));
  EXPECT_LT(ordered_key(1ull << 40), ordered_key((1ull << 40) + 1));
  EXPECT_EQ(parse_ordered_key(ordered_key(123456789012ull)), 123456789012ull);
  EXPECT_EQ(parse_ordered_key("short"), std::nullopt);
}

TEST_F(StoreTest, AppendNumbersEntriesOfALog) {
  std::vector<std::string> first = {"a", "b"};
  std::vector<std::string> second = {"c"};
  EXPECT_EQ(*store.append("log/", first), 0u);
  EXPECT_EQ(*store.append("log/", second), 2u);
  EXPECT_EQ(*store.log_size("log/"), 3u);
  EXPECT_EQ(*store.log_size("other/"), 0u);
  EXPECT_EQ(store.get("log/" + ordered_key(2))->value(), "c");
}

TEST_F(StoreTest, ConcurrentAppendsNeverShareAnIndex) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        std::vector<std::string> v = {std::to_string(t)};
        ASSERT_TRUE(store.append("log", v));
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(*store.log_size("log"), 200u);
}

TEST_F(StoreTest, OpeningTheSameDirectoryTwiceSharesTheDatabase) {
  auto again = Store::open(dir / "db");
  ASSERT_TRUE(again) << again.error().message;
  ASSERT_TRUE(store.put("k", "v"));
  EXPECT_EQ(again->get("k")->value(), "v");
  auto by_other_path = Store::open(dir / "db/../db");
  ASSERT_TRUE(by_other_path) << by_other_path.error().message;
  EXPECT_EQ(by_other_path->get("k")->value(), "v");
}

TEST_F(StoreTest, DataSurvivesClosingAndReopening) {
  ASSERT_TRUE(store.put("k", "v"));
  store = Store::open(dir / "elsewhere").value();
  auto reopened = Store::open(dir / "db");
  ASSERT_TRUE(reopened) << reopened.error().message;
  EXPECT_EQ(reopened->get("k")->value(), "v");
}

TEST(Store, OpenAndCloseFromManyThreadsAtOnce) {
  TempDir dir;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 20; ++i) {
        auto s = Store::open(dir / "db");
        if (!s || !s->put("k", "v")) ++failures;
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures, 0);
}

TEST(Store, MissingDirectoryWithoutCreateIsAClearError) {
  TempDir dir;
  StoreOptions options;
  options.create_if_missing = false;
  auto s = Store::open(dir / "absent", options);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("absent"), std::string::npos) << s.error().message;
}

}  // namespace
}  // namespace recur
