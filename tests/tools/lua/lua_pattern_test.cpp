// The budgeted string.find/match/gmatch/gsub behave as Lua 5.4's own: fixed cases from the manual,
// then thousands of random patterns and subjects run through both this sandbox and a stock Lua
// state (the reference), comparing every result and error message.
#include "tools/lua/lua_pattern.hpp"

#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <lua.hpp>

#include "lua_test_support.hpp"

namespace recur::tools {
namespace {

using testing::run_lua;
using Json = nlohmann::json;

// A function(op, s, p, a, b) that runs one string operation and describes its outcome as a string.
const char* kProbe = R"lua(
return function(op, s, p, a, b)
  if a == json_null then a = nil end
  if b == json_null then b = nil end
  local r
  if op == "find" then r = table.pack(pcall(string.find, s, p, a, b))
  elseif op == "match" then r = table.pack(pcall(string.match, s, p, a))
  elseif op == "gmatch" then
    r = table.pack(pcall(function()
      local out = {}
      for x, y in string.gmatch(s, p, a) do out[#out + 1] = tostring(x) .. "," .. tostring(y) end
      return table.concat(out, ";")
    end))
  elseif op == "gsub" then r = table.pack(pcall(string.gsub, s, p, a, b))
  elseif op == "gsub_function" then
    r = table.pack(pcall(string.gsub, s, p, function(x, y) return y and (tostring(y) .. x) or x:upper() end, b))
  else
    r = table.pack(pcall(string.gsub, s, p, {a = "1", b = true, c = false, ["("] = 7}, b))
  end
  local parts = {}
  for i = 1, r.n do parts[i] = tostring(r[i]) end
  return table.concat(parts, "|")
end
)lua";

struct Case {
  std::string op, subject, pattern;
  Json a, b;
};

// The probe's outcome in the sandbox.
std::string in_sandbox(const Case& c) {
  auto sandbox = LuaSandbox::open({});
  EXPECT_TRUE(sandbox.ok());
  std::string probe = std::string("local json_null = json.null ") + kProbe;
  Status status = (*sandbox)->run(probe, "probe.lua", 1);
  for (const Json& v : {Json(c.op), Json(c.subject), Json(c.pattern), c.a, c.b})
    if (status.ok()) status = (*sandbox)->push(v);
  if (status.ok()) status = (*sandbox)->call(5, 1);
  if (!status.ok()) return "host error: " + status.error().message;
  lua_State* L = (*sandbox)->state();
  return lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "not a string";
}

// The probe's outcome in a stock Lua 5.4 state with the standard library.
std::string in_stock_lua(const Case& c) {
  lua_State* L = luaL_newstate();
  luaL_openlibs(L);
  std::string probe = std::string("local json_null = nil ") + kProbe;
  std::string out;
  if (luaL_loadbufferx(L, probe.data(), probe.size(), "=probe.lua", "t") == LUA_OK &&
      lua_pcall(L, 0, 1, 0) == LUA_OK) {
    lua_pushstring(L, c.op.c_str());
    lua_pushlstring(L, c.subject.data(), c.subject.size());
    lua_pushlstring(L, c.pattern.data(), c.pattern.size());
    for (const Json* v : {&c.a, &c.b}) {
      if (v->is_string())
        lua_pushstring(L, v->get<std::string>().c_str());
      else if (v->is_number_integer())
        lua_pushinteger(L, v->get<lua_Integer>());
      else
        lua_pushnil(L);
    }
    if (lua_pcall(L, 5, 1, 0) == LUA_OK && lua_type(L, -1) == LUA_TSTRING)
      out = lua_tostring(L, -1);
    else
      out = "stock error";
  }
  lua_close(L);
  return out;
}

TEST(LuaPattern, ManualExamplesGiveLuasResults) {
  auto result = run_lua(R"lua(
    local k, v = ("key = value"):match("(%w+)%s*=%s*(%w+)")
    local s, e = ("hello world from Lua"):find("o w")
    local words = {}
    for w in ("one two  three"):gmatch("%a+") do words[#words + 1] = w end
    local swapped, n = ("hello world"):gsub("(%w+) (%w+)", "%2 %1")
    local positions = {("THE (quick) fox"):find("%f[%a]%a+", 5)}
    local balanced = ("f(a(b)c) d"):match("%b()")
    local expanded = ("$name is $age"):gsub("%$(%w+)", {name = "Ann", age = 7})
    return {k, v, s, e, words, swapped, n, positions, balanced, expanded,
            ("  trim  "):match("^%s*(.-)%s*$"), ("abc"):find("b", 1, true), ("x"):rep(3, ",")}
  )lua");
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(*result, Json::parse(R"json(["key", "value", 5, 7, ["one", "two", "three"],
      "world hello", 1, [6, 10], "(a(b)c)", "Ann is 7", "trim", 2, "x,x,x"])json"));
}

TEST(LuaPattern, MalformedPatternsGiveLuasMessages) {
  for (const auto& [pattern, message] :
       std::vector<std::pair<std::string, std::string>>{{"%", "malformed pattern (ends with '%')"},
                                                        {"[a", "malformed pattern (missing ']')"},
                                                        {"(()", "unfinished capture"},
                                                        {"%f", "missing '[' after '%f' in pattern"},
                                                        {")", "invalid pattern capture"},
                                                        {"%1", "invalid capture index %1"}}) {
    Case c{"match", "abc", pattern, nullptr, nullptr};
    EXPECT_EQ(in_sandbox(c), in_stock_lua(c)) << pattern;
    EXPECT_NE(in_sandbox(c).find(message), std::string::npos) << in_sandbox(c);
  }
}

TEST(LuaPattern, RandomPatternsMatchStockLua) {
  std::mt19937 rng(1234567);
  const std::vector<std::string> tokens = {
      "a",     "b",      "c",   ".",  "%a", "%d", "%s", "%w", "%A", "%p", "[ab]", "[^a]",
      "[a-c]", "[%d_]",  "[]]", "()", "(",  ")",  "*",  "+",  "-",  "?",  "^",    "$",
      "%b()",  "%f[%w]", "%1",  "%2", "x",  "%%", "%",  "[",  "1",  " "};
  const std::string alphabet = "ab(c)1 _x%]";
  const std::vector<std::string> ops = {"find", "match",         "gmatch",
                                        "gsub", "gsub_function", "gsub_table"};
  const std::vector<Json> replacements = {"<%0>", "%1-", "%%", "%2", "x%", "", 3, nullptr};
  const std::vector<Json> inits = {nullptr, 1, 2, -3, 0, 20};
  int compared = 0;
  for (int i = 0; i < 4000; ++i) {
    Case c;
    c.op = ops[rng() % ops.size()];
    int n = 1 + static_cast<int>(rng() % 6);
    for (int k = 0; k < n; ++k) c.pattern += tokens[rng() % tokens.size()];
    int length = static_cast<int>(rng() % 13);
    for (int k = 0; k < length; ++k) c.subject += alphabet[rng() % alphabet.size()];
    if (c.op == "gsub") {
      c.a = replacements[rng() % replacements.size()];
      if (c.a.is_null()) c.a = "r";
      c.b = rng() % 3 == 0 ? Json(static_cast<int>(rng() % 3)) : Json(nullptr);
    } else if (c.op.rfind("gsub_", 0) == 0) {
      c.b = rng() % 3 == 0 ? Json(static_cast<int>(rng() % 3)) : Json(nullptr);
    } else {
      c.a = inits[rng() % inits.size()];
      c.b = c.op == "find" && rng() % 4 == 0 ? Json("plain") : Json(nullptr);
    }
    std::string expected = in_stock_lua(c);
    ASSERT_EQ(in_sandbox(c), expected) << c.op << " subject '" << c.subject << "' pattern '"
                                       << c.pattern << "' a=" << c.a << " b=" << c.b;
    ++compared;
  }
  EXPECT_EQ(compared, 4000);
}

}  // namespace
}  // namespace recur::tools
