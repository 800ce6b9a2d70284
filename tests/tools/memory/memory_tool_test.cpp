// The memory tool's key/value ops: put, get, delete, paged scans, scopes kept apart, and errors for
// bad arguments.
#include <cstdio>

#include "memory_fixture.hpp"

namespace recur::tools {
namespace {

using testing::MemoryFixture;

TEST(MemoryKeyValue, PutThenGetReturnsTheValue) {
  MemoryFixture m;
  Json value = {{"list", {1, 2.5, "three"}}, {"nested", {{"ok", true}}}};
  EXPECT_EQ(m.ok({{"op", "put"}, {"key", "k"}, {"value", value}}), Json({{"key", "k"}}));
  EXPECT_EQ(m.ok({{"op", "get"}, {"key", "k"}}),
            Json({{"key", "k"}, {"found", true}, {"value", value}}));
}

TEST(MemoryKeyValue, PutReplacesTheValue) {
  MemoryFixture m;
  m.ok({{"op", "put"}, {"key", "k"}, {"value", 1}});
  m.ok({{"op", "put"}, {"key", "k"}, {"value", "two"}});
  EXPECT_EQ(m.ok({{"op", "get"}, {"key", "k"}})["value"], "two");
}

TEST(MemoryKeyValue, GetOfAnAbsentKeyIsNotFoundNotAnError) {
  MemoryFixture m;
  EXPECT_EQ(m.ok({{"op", "get"}, {"key", "nothing"}}),
            Json({{"key", "nothing"}, {"found", false}}));
}

TEST(MemoryKeyValue, DeleteRemovesAndSaysWhetherTheKeyExisted) {
  MemoryFixture m;
  m.ok({{"op", "put"}, {"key", "k"}, {"value", nullptr}});
  EXPECT_EQ(m.ok({{"op", "delete"}, {"key", "k"}}), Json({{"key", "k"}, {"existed", true}}));
  EXPECT_EQ(m.ok({{"op", "get"}, {"key", "k"}})["found"], false);
  EXPECT_EQ(m.ok({{"op", "delete"}, {"key", "k"}}), Json({{"key", "k"}, {"existed", false}}));
}

TEST(MemoryKeyValue, ValuesSurviveReopeningTheStore) {
  MemoryFixture m;
  m.ok({{"op", "put"}, {"key", "k"}, {"value", {{"n", 42}}}});
  m.reopen();
  EXPECT_EQ(m.ok({{"op", "get"}, {"key", "k"}})["value"], Json({{"n", 42}}));
}

// 25 keys k00..k24 and one other key, scanned 10 at a time.
TEST(MemoryScan, PagesThroughAPrefixInKeyOrder) {
  MemoryFixture m;
  for (int i = 24; i >= 0; --i) {
    char key[8];
    std::snprintf(key, sizeof key, "k%02d", i);
    m.ok({{"op", "put"}, {"key", key}, {"value", i}});
  }
  m.ok({{"op", "put"}, {"key", "other"}, {"value", -1}});

  std::vector<int> seen;
  Json cursor = nullptr;
  int pages = 0;
  do {
    Json args = {{"op", "scan"}, {"prefix", "k"}, {"limit", 10}, {"cursor", cursor}};
    Json page = m.ok(args);
    for (const auto& e : page["entries"]) {
      char key[8];
      std::snprintf(key, sizeof key, "k%02d", e["value"].get<int>());
      EXPECT_EQ(e["key"], key);
      seen.push_back(e["value"]);
    }
    cursor = page["cursor"];
    ++pages;
    if (pages == 1) {
      EXPECT_EQ(cursor, "k09");
    }
  } while (!cursor.is_null() && pages < 10);
  EXPECT_EQ(pages, 3);
  std::vector<int> expected(25);
  for (int i = 0; i < 25; ++i) expected[i] = i;
  EXPECT_EQ(seen, expected);
}

TEST(MemoryScan, WithoutPrefixSeesEveryKeyOfTheScope) {
  MemoryFixture m;
  m.ok({{"op", "put"}, {"key", "b"}, {"value", 2}});
  m.ok({{"op", "put"}, {"key", "a"}, {"value", 1}});
  Json page = m.ok({{"op", "scan"}});
  EXPECT_EQ(page, Json({{"entries", {{{"key", "a"}, {"value", 1}}, {{"key", "b"}, {"value", 2}}}},
                        {"cursor", nullptr}}));
}

TEST(MemoryScan, LimitAboveTheConfiguredMaximumIsAnError) {
  MemoryFixture m(Json{{"limits", {{"max_scan_limit", 5}, {"max_find_lines", 50}}}});
  EXPECT_EQ(m.error({{"op", "scan"}, {"limit", 6}}),
            "arguments.limit: must be between 1 and 5 for scan");
  EXPECT_EQ(m.ok({{"op", "scan"}, {"limit", 5}})["entries"], Json::array());
}

TEST(MemoryScopes, OneScopeNeverSeesAnothersKeys) {
  MemoryFixture m;
  m.ok({{"op", "put"}, {"key", "secret"}, {"value", "a's"}}, "a");
  m.ok({{"op", "put"}, {"key", "secret"}, {"value", "ab's"}}, "ab");
  EXPECT_EQ(m.ok({{"op", "get"}, {"key", "secret"}}, "a")["value"], "a's");
  EXPECT_EQ(m.ok({{"op", "get"}, {"key", "secret"}}, "ab")["value"], "ab's");
  EXPECT_EQ(m.ok({{"op", "get"}, {"key", "secret"}}, "b")["found"], false);
  EXPECT_EQ(m.ok({{"op", "scan"}}, "b")["entries"], Json::array());
  EXPECT_EQ(m.ok({{"op", "scan"}}, "a")["entries"].size(), 1u);
  m.ok({{"op", "delete"}, {"key", "secret"}}, "a");
  EXPECT_EQ(m.ok({{"op", "get"}, {"key", "secret"}}, "ab")["found"], true);
}

TEST(MemoryScopes, ScopeNamesCannotReachIntoOtherScopes) {
  MemoryFixture m;
  m.ok({{"op", "put"}, {"key", "k"}, {"value", 1}}, std::string("a\0b", 3));
  EXPECT_EQ(m.ok({{"op", "scan"}}, "a")["entries"], Json::array());
  EXPECT_EQ(m.ok({{"op", "scan"}}, std::string("a\0", 2))["entries"], Json::array());
  EXPECT_EQ(m.ok({{"op", "scan"}}, std::string("a\0b", 3))["entries"].size(), 1u);
}

TEST(MemoryArguments, EachOpNamesTheFieldItMisses) {
  MemoryFixture m;
  EXPECT_EQ(m.error({{"op", "put"}, {"key", "k"}}), "arguments.value: is required by op put");
  EXPECT_EQ(m.error({{"op", "get"}}), "arguments.key: is required by op get");
  EXPECT_EQ(m.error({{"op", "vec_add"}, {"id", "x"}}),
            "arguments.vector: is required by op vec_add");
  EXPECT_EQ(m.error({{"op", "find"}}), "arguments.substring: is required by op find");
}

TEST(MemoryArguments, FieldsAnOpDoesNotUseAreErrors) {
  MemoryFixture m;
  EXPECT_EQ(m.error({{"op", "get"}, {"key", "k"}, {"value", 1}}),
            "arguments.value: is not used by op get");
}

TEST(MemoryArguments, SchemaErrorsComeBeforeTheToolRuns) {
  MemoryFixture m;
  EXPECT_EQ(m.error({{"op", "post"}}),
            "arguments.op: must be one of put, get, delete, scan, append_line, find, vec_add, "
            "vec_search");
  EXPECT_EQ(m.error({{"op", "get"}, {"key", ""}}),
            "arguments.key: must be at least 1 character long");
  EXPECT_EQ(m.error({{"op", "get"}, {"key", 5}}), "arguments.key: must be a string");
  EXPECT_EQ(m.error({{"op", "get"}, {"key", "k"}, {"bogus", 1}})
                .rfind("arguments.bogus: is not an allowed field", 0),
            0u);
}

TEST(MemoryArguments, OversizedKeysAndValuesAreRefused) {
  MemoryFixture m(Json{{"limits", {{"max_key_bytes", 8}, {"max_value_bytes", 10}}}});
  EXPECT_EQ(m.error({{"op", "put"}, {"key", "123456789"}, {"value", 1}}),
            "arguments.key: is 9 bytes, the limit is 8");
  EXPECT_EQ(m.error({{"op", "put"}, {"key", "k"}, {"value", "0123456789"}}),
            "arguments.value: is 12 bytes, the limit is 10");
  EXPECT_EQ(m.ok({{"op", "get"}, {"key", "k"}})["found"], false);
}

TEST(MemoryConfig, BadFieldsAreNamed) {
  recur::testing::TempDir dir;
  auto r = Registry::from_json({{"tools", {{{"type", "memory"}, {"limits", {{"max_k", "ten"}}}}}}},
                               dir.path(), {}, ToolFactories::builtin(), "tools.json");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "tools.json: tools[0]: memory.limits.max_k: must be an integer");
  auto typo = Registry::from_json({{"tools", {{{"type", "memory"}, {"snyc", "safe"}}}}}, dir.path(),
                                  {}, ToolFactories::builtin(), "tools.json");
  ASSERT_FALSE(typo);
  EXPECT_EQ(
      typo.error().message.rfind("tools.json: tools[0]: memory.snyc: is not an allowed field", 0),
      0u);
}

TEST(MemoryConfig, AStoreThatCannotBeOpenedGivesAnErrorResult) {
  recur::testing::TempDir dir;
  dir.write("file", "not a directory");
  auto r =
      Registry::from_json({{"tools", {{{"type", "memory"}, {"store", "file/store"}}}}}, dir.path());
  ASSERT_TRUE(r) << r.error().message;  // listing never opens the store
  auto result = r->call("memory", R"({"op": "get", "key": "k"})", {});
  ASSERT_TRUE(result);
  EXPECT_TRUE(result->is_error);
  EXPECT_NE(result->joined_text().find("file/store"), std::string::npos) << result->joined_text();
}

}  // namespace
}  // namespace recur::tools
