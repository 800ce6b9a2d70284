#include "base/result.hpp"

#include <gtest/gtest.h>

#include "base/text.hpp"

namespace recur {
namespace {

TEST(ErrorCodes, EveryCodeHasANameThatParsesBack) {
  for (int i = 0; i <= static_cast<int>(ErrorCode::internal); ++i) {
    const auto code = static_cast<ErrorCode>(i);
    const auto parsed = parse_error_code(error_code_name(code));
    ASSERT_TRUE(parsed.has_value()) << error_code_name(code);
    EXPECT_EQ(*parsed, code);
  }
  EXPECT_STREQ(error_code_name(ErrorCode::not_found), "not_found");
  EXPECT_FALSE(parse_error_code("NOT_FOUND").has_value());
  EXPECT_FALSE(parse_error_code("").has_value());
}

TEST(ErrorCodes, AResultCarriesItsCodeAndContextKeepsIt) {
  Result<int> r = fail(ErrorCode::not_found, "job-000007: no such job");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::not_found);
  const Error e = r.error().context("jobs show");
  EXPECT_EQ(e.code, ErrorCode::not_found);
  EXPECT_EQ(e.message, "jobs show: job-000007: no such job");
  Status s = fail(ErrorCode::io, "disk full");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::io);
  EXPECT_TRUE(Status::success().ok());
}

TEST(Text, JoinedPutsTheSeparatorBetweenItems) {
  EXPECT_EQ(joined(std::vector<std::string>{}, ", "), "");
  EXPECT_EQ(joined(std::vector<std::string>{"a"}, ", "), "a");
  EXPECT_EQ(joined(std::vector<std::string>{"a", "b", "c"}, ","), "a,b,c");
}

}  // namespace
}  // namespace recur
