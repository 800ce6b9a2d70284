// The search memory: append_line stores lines in order; find returns every line containing a
// substring, in order, and marks the answer truncated when the cap cut it short.
#include "memory_fixture.hpp"

namespace recur::tools {
namespace {

using testing::MemoryFixture;

TEST(MemoryFind, ReturnsEveryMatchingLineInOrder) {
  MemoryFixture m;
  EXPECT_EQ(m.ok({{"op", "append_line"}, {"text", "a = 1"}}), Json({{"line", 0}, {"count", 1}}));
  m.ok({{"op", "append_line"}, {"text", "b = 2"}});
  m.ok({{"op", "append_line"}, {"text", "a + b = 3"}});
  Json found = m.ok({{"op", "find"}, {"substring", "a"}});
  EXPECT_EQ(
      found,
      Json({{"lines", {{{"line", 0}, {"text", "a = 1"}}, {{"line", 2}, {"text", "a + b = 3"}}}},
            {"matches", 2},
            {"truncated", false}}));
}

TEST(MemoryFind, TextWithNewlinesAddsOneLineEach) {
  MemoryFixture m;
  m.ok({{"op", "append_line"}, {"text", "first"}});
  EXPECT_EQ(m.ok({{"op", "append_line"}, {"text", "x1\n\nx2\n"}}),
            Json({{"line", 1}, {"count", 3}}));
  Json found = m.ok({{"op", "find"}, {"substring", ""}});
  std::vector<std::string> texts;
  for (const auto& l : found["lines"]) texts.push_back(l["text"]);
  EXPECT_EQ(texts, (std::vector<std::string>{"first", "x1", "", "x2"}));
}

TEST(MemoryFind, NoMatchIsAnEmptyAnswer) {
  MemoryFixture m;
  m.ok({{"op", "append_line"}, {"text", "abc"}});
  EXPECT_EQ(m.ok({{"op", "find"}, {"substring", "zzz"}}),
            Json({{"lines", Json::array()}, {"matches", 0}, {"truncated", false}}));
}

TEST(MemoryFind, CapsTheLinesAndMarksTheAnswerTruncated) {
  MemoryFixture m(Json{{"limits", {{"max_find_lines", 100}}}});
  for (int i = 0; i < 150; ++i) m.ok({{"op", "append_line"}, {"text", "row " + std::to_string(i)}});
  m.ok({{"op", "append_line"}, {"text", "other"}});
  Json all = m.ok({{"op", "find"}, {"substring", "row"}});
  EXPECT_EQ(all["lines"].size(), 100u);
  EXPECT_EQ(all["matches"], 150);
  EXPECT_EQ(all["truncated"], true);
  EXPECT_EQ(all["lines"][99]["text"], "row 99");

  Json five = m.ok({{"op", "find"}, {"substring", "row 1"}, {"limit", 5}});
  std::vector<std::string> texts;
  for (const auto& l : five["lines"]) texts.push_back(l["text"]);
  EXPECT_EQ(texts, (std::vector<std::string>{"row 1", "row 10", "row 11", "row 12", "row 13"}));
  EXPECT_EQ(five["matches"], 61);  // row 1, rows 10..19, rows 100..149
  EXPECT_EQ(five["truncated"], true);
}

TEST(MemoryFind, CapsTheBytesReturned) {
  MemoryFixture m(Json{{"limits", {{"max_find_bytes", 25}}}});
  for (int i = 0; i < 5; ++i)
    m.ok({{"op", "append_line"}, {"text", "ten bytes" + std::to_string(i)}});
  Json found = m.ok({{"op", "find"}, {"substring", "ten"}});
  EXPECT_EQ(found["lines"].size(), 2u);
  EXPECT_EQ(found["matches"], 5);
  EXPECT_EQ(found["truncated"], true);
}

TEST(MemoryFind, LimitAboveTheMaximumIsAnError) {
  MemoryFixture m(Json{{"limits", {{"max_find_lines", 10}}}});
  EXPECT_EQ(m.error({{"op", "find"}, {"substring", "x"}, {"limit", 11}}),
            "arguments.limit: must be between 1 and 10 for find");
}

TEST(MemoryFind, LinesAreKeptPerScopeAndSurviveReopening) {
  MemoryFixture m;
  m.ok({{"op", "append_line"}, {"text", "mine"}}, "s1");
  m.ok({{"op", "append_line"}, {"text", "yours"}}, "s2");
  m.reopen();
  EXPECT_EQ(m.ok({{"op", "find"}, {"substring", ""}}, "s1")["lines"],
            Json({{{"line", 0}, {"text", "mine"}}}));
  EXPECT_EQ(m.ok({{"op", "append_line"}, {"text", "next"}}, "s2")["line"], 1);
}

TEST(MemoryFind, OversizedTextIsRefused) {
  MemoryFixture m(Json{{"limits", {{"max_line_bytes", 4}}}});
  EXPECT_EQ(m.error({{"op", "append_line"}, {"text", "12345"}}),
            "arguments.text: is 5 bytes, the limit is 4");
}

}  // namespace
}  // namespace recur::tools
