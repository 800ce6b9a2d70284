// Hostile arguments: every shipped Lua tool, called directly with thousands of random JSON values
// (fixed seed), answers each with a result or a tool error, never a crash or an exception, and its
// result always serializes.
#include <random>
#include <string>

#include <gtest/gtest.h>

#include "lua_test_support.hpp"

namespace recur::tools {
namespace {

using Json = nlohmann::json;

class RandomJson {
 public:
  explicit RandomJson(std::uint32_t seed) : rng_(seed) {}

  Json value(int depth = 0) {
    switch (rng_() % (depth > 3 ? 6 : 8)) {
      case 0:
        return nullptr;
      case 1:
        return rng_() % 2 == 0;
      case 2:
        return static_cast<std::int64_t>(rng_()) - (1ll << 31);
      case 3:
        return std::ldexp(static_cast<double>(rng_()) - 2e9, static_cast<int>(rng_() % 80) - 40);
      case 4:
        return text();
      case 5:
        return digits();
      case 6: {
        Json a = Json::array();
        for (int n = rng_() % 6; n > 0; --n) a.push_back(value(depth + 1));
        return a;
      }
      default:
        return object(depth + 1);
    }
  }

  // An object with a plausible key set, so that some calls get past the first checks.
  Json object(int depth = 0) {
    static const char* keys[] = {"op",     "a", "b", "m",         "expression", "variables",
                                 "values", "x", "y", "intercept", "k"};
    static const char* ops[] = {"add", "sub",     "mul", "divmod", "powmod",
                                "cmp", "summary", "fit", "nope"};
    Json o = Json::object();
    for (int n = rng_() % 5; n > 0; --n) {
      std::string key = keys[rng_() % std::size(keys)];
      o[key] = key == "op" && rng_() % 4 != 0 ? Json(ops[rng_() % std::size(ops)]) : value(depth);
    }
    return o;
  }

 private:
  std::string text() {
    static const std::string alphabet = "0123456789+-*/^%(). ,eEpisqrtxy\xff\xc3\xa9\n\"";
    std::string s;
    for (int n = rng_() % 12; n > 0; --n) s += alphabet[rng_() % alphabet.size()];
    return s;
  }
  std::string digits() {
    std::string s = rng_() % 3 == 0 ? "-" : "";
    for (int n = 1 + rng_() % 40; n > 0; --n) s += static_cast<char>('0' + rng_() % 10);
    return s;
  }

  std::mt19937 rng_;
};

class LuaToolFuzz : public ::testing::TestWithParam<const char*> {};

TEST_P(LuaToolFuzz, RandomArgumentsGiveResultsOrToolErrors) {
  auto tool = testing::shipped_tool(GetParam());
  ASSERT_TRUE(tool);
  RandomJson random(20240611);
  int errors = 0;
  for (int i = 0; i < 1500; ++i) {
    Json args = i % 10 == 0 ? random.value() : random.object();
    ToolResult result = tool->call(args, {});
    EXPECT_NO_THROW(result.to_json().dump())
        << args.dump(-1, ' ', false, Json::error_handler_t::replace);
    EXPECT_FALSE(result.joined_text().empty());
    if (result.is_error) ++errors;
  }
  EXPECT_GT(errors, 0);
  EXPECT_FALSE(
      tool->call({{"op", "add"}, {"a", "1"}, {"b", "2"}, {"expression", "1"}, {"values", {1}}}, {})
          .joined_text()
          .empty());
}

INSTANTIATE_TEST_SUITE_P(ShippedTools, LuaToolFuzz, ::testing::Values("bigint", "expr", "stats"));

}  // namespace
}  // namespace recur::tools
