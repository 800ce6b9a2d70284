// The JSON ⇄ Lua mapping: round trips keep integers, floats, empty arrays and objects apart, and
// every value JSON cannot hold is refused with the path of the offending value.
#include "tools/lua/lua_json.hpp"

#include <string>

#include <gtest/gtest.h>
#include <lua.hpp>

#include "lua_test_support.hpp"

namespace recur::tools {
namespace {

using testing::lua_error;
using testing::run_lua;
using Json = nlohmann::json;

// Pushes `value` into a fresh sandbox, passes it through `script` (a function of one argument)
// and converts the result back.
Result<Json> through_lua(const Json& value,
                         const std::string& script = "return function(v) return v end") {
  auto sandbox = LuaSandbox::open({});
  if (!sandbox.ok()) return sandbox.error();
  Status status = (*sandbox)->run(script, "identity.lua", 1);
  if (status.ok()) status = (*sandbox)->push(value);
  if (status.ok()) status = (*sandbox)->call(1, 1);
  if (!status.ok()) return status.error();
  return (*sandbox)->to_json(-1, "result");
}

TEST(LuaJson, RoundTripKeepsEveryKindOfValue) {
  Json value = Json::parse(R"({
    "int": 42, "negative": -7, "float": 2.5, "whole_float": 2.0, "big": 9007199254740993,
    "text": "héllo ✓", "yes": true, "no": false, "nothing": null,
    "empty_array": [], "empty_object": {}, "nested": [[1, [2, {"k": [3]}]], {"a": {"b": null}}]
  })");
  auto back = through_lua(value);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, value);
  EXPECT_TRUE((*back)["int"].is_number_integer());
  EXPECT_TRUE((*back)["whole_float"].is_number_float());
  EXPECT_EQ((*back)["big"].get<std::int64_t>(), 9007199254740993);
}

TEST(LuaJson, LuaSeesIntegersFloatsArraysAndNull) {
  auto result = through_lua(Json::parse(R"({"i": 3, "f": 3.0, "a": [10, 20], "n": null})"),
                            "return function(v) return {math.type(v.i), math.type(v.f), #v.a, "
                            "v.a[2], v.n == json.null} end");
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(*result, Json::parse(R"(["integer", "float", 2, 20, true])"));
}

TEST(LuaJson, UnsignedBeyondInt64BecomesFloat) {
  auto result =
      through_lua(Json(18446744073709551615ull), "return function(v) return math.type(v) end");
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(*result, "float");
}

TEST(LuaJson, TablesBecomeArraysOrObjects) {
  auto result = run_lua(
      "return {seq = {1, 2, 3}, obj = {a = 1}, empty = {}, marked = json.array({}), "
      "nothing = json.null}");
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(*result, Json::parse(R"({"seq": [1, 2, 3], "obj": {"a": 1}, "empty": {},
                                     "marked": [], "nothing": null})"));
  result = run_lua("return nil");
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(result->is_null());
}

TEST(LuaJson, RefusesWhatJsonCannotHoldNamingThePath) {
  EXPECT_EQ(lua_error("local t = {} t.self = t return t"), "result.self: table contains a cycle");
  EXPECT_EQ(lua_error("return {rows = {{x = 1}, {x = 0/0}}}"),
            "result.rows[1].x: number is not finite");
  EXPECT_EQ(lua_error("return {1, 2, x = 3}"), "result: table mixes integer and string keys");
  EXPECT_EQ(lua_error("return {[1] = 'a', [3] = 'c'}"),
            "result: array has holes (largest index 3, 2 elements)");
  EXPECT_EQ(lua_error("return {[0] = 'zero'}"),
            "result: table key (integer 0) is neither a string nor a positive integer");
  EXPECT_EQ(lua_error("return {[1.5] = 'x'}"),
            "result: table key (number) is neither a string nor a positive integer");
  EXPECT_EQ(lua_error("return {[true] = 'x'}"),
            "result: table key (boolean) is neither a string nor a positive integer");
  EXPECT_EQ(lua_error("return {f = print or function() end}"),
            "result.f: a function cannot be converted to JSON");
  EXPECT_EQ(lua_error("return {s = '\\xff\\xfe'}"), "result.s: string is not valid UTF-8");
  EXPECT_EQ(lua_error("return {s = '\\xed\\xa0\\x80'}"), "result.s: string is not valid UTF-8");
  EXPECT_EQ(lua_error("return {['\\xc0\\x80'] = 1}"), "result: table key is not valid UTF-8");
  EXPECT_EQ(lua_error("return 1/0"), "result: number is not finite");
}

TEST(LuaJson, DeepNestingIsRefusedBothWays) {
  EXPECT_EQ(lua_error("local t = {} for i = 1, 100 do t = {t} end return t").substr(0, 7),
            "result[");
  EXPECT_NE(lua_error("local t = {} for i = 1, 100 do t = {t} end return t").find("nested deeper"),
            std::string::npos);
  Json deep = Json::array();
  for (int i = 0; i < 100; ++i) deep = Json::array({deep});
  auto back = through_lua(deep);
  ASSERT_FALSE(back.ok());
  EXPECT_NE(back.error().message.find("nested deeper than 64 levels"), std::string::npos)
      << back.error().message;
}

TEST(LuaJson, SharedSubtablesThatExplodeAreCapped) {
  // 2^40 leaves by sharing: converted as a tree it would never end.
  std::string message = lua_error("local t = {} for i = 1, 40 do t = {t, t} end return t");
  EXPECT_NE(message.find("more than 1000000 values"), std::string::npos) << message;
  auto shared = run_lua("local leaf = {1} return {leaf, leaf}");
  ASSERT_TRUE(shared.ok());
  EXPECT_EQ(*shared, Json::parse("[[1], [1]]"));
}

TEST(LuaJson, ConversionRunsNoMetamethods) {
  auto result = run_lua(
      "local t = setmetatable({a = 1}, {__index = function() error('ran') end, "
      "__pairs = function() error('ran') end}) return t");
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(*result, Json::parse(R"({"a": 1})"));
}

}  // namespace
}  // namespace recur::tools
