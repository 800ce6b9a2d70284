#include "base/utf8.hpp"

#include <gtest/gtest.h>

namespace recur::unicode {
namespace {

TEST(Utf8, FindsTheFirstIllFormedSequence) {
  EXPECT_FALSE(find_invalid_utf8("plain ascii").has_value());
  EXPECT_FALSE(find_invalid_utf8("caf\xC3\xA9 \xF0\x9F\x98\x80").has_value());
  EXPECT_EQ(find_invalid_utf8("ab\xC0\xAF"), 2u);         // overlong '/'
  EXPECT_EQ(find_invalid_utf8("\xED\xA0\x80"), 0u);       // a surrogate
  EXPECT_EQ(find_invalid_utf8("x\xF4\x90\x80\x80"), 1u);  // above U+10FFFF
  EXPECT_EQ(find_invalid_utf8("ok\xE2\x82"), 2u);         // truncated
}

TEST(Utf8, LossyConversionReplacesEachMaximalBadPrefixOnce) {
  EXPECT_EQ(from_utf8_lossy("abc"), "abc");
  // As Rust's String::from_utf8_lossy: "\xE2\x82" is one maximal prefix, then 'x'.
  EXPECT_EQ(from_utf8_lossy("\xE2\x82x"), "\xEF\xBF\xBDx");
  EXPECT_EQ(from_utf8_lossy("\xFF\xFE"), "\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(Utf8, EncodesAndDecodesEveryLength) {
  for (char32_t c : {U'A', U'\u00E9', U'\u20AC', U'\U0001F600'}) {
    std::string s;
    append_utf8(s, c);
    std::size_t pos = 0;
    EXPECT_EQ(next_code_point(s, pos), c);
    EXPECT_EQ(pos, s.size());
    EXPECT_EQ(previous_code_point(s, pos), c);
    EXPECT_EQ(pos, 0u);
  }
}

}  // namespace
}  // namespace recur::unicode
