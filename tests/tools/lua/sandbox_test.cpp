// The Lua sandbox against the checklist of shared/reference/sandbox.md §2.2: only safe globals, no
// bytecode, no debug or string.dump, a protected string metatable, collectgarbage("count") only,
// and budgets (instructions, deadline, memory) that stop loops in Lua, in coroutines and in C.
#include "tools/lua/sandbox.hpp"

#include <chrono>
#include <iterator>
#include <random>
#include <string>

#include <gtest/gtest.h>
#include <lua.hpp>

#include "lua_test_support.hpp"

namespace recur::tools {
namespace {

using testing::lua_error;
using testing::run_lua;
using Json = nlohmann::json;
using Clock = std::chrono::steady_clock;

LuaLimits small_budget() {
  LuaLimits limits;
  limits.instructions = 2'000'000;
  limits.memory_bytes = 8u << 20;
  limits.timeout = std::chrono::milliseconds(2000);
  return limits;
}

TEST(LuaSandbox, RunsAScriptAndReturnsItsResultAsJson) {
  auto result = run_lua("local t = {x = 1 + 2, y = 'a' .. 'b', z = {1.5, true}} return t");
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(*result, Json::parse(R"({"x": 3, "y": "ab", "z": [1.5, true]})"));
}

TEST(LuaSandbox, GlobalsAreExactlyTheSafeSet) {
  auto result = run_lua(
      "local names = {} for k in pairs(_ENV) do names[#names + 1] = k end "
      "table.sort(names) return names");
  ASSERT_TRUE(result.ok()) << result.error().message;
  Json expected = {"_VERSION", "assert",   "collectgarbage", "error",  "getmetatable", "ipairs",
                   "json",     "math",     "next",           "pairs",  "pcall",        "rawequal",
                   "rawget",   "rawlen",   "rawset",         "select", "setmetatable", "string",
                   "table",    "tonumber", "tostring",       "type",   "utf8",         "xpcall"};
  EXPECT_EQ(*result, expected);
}

TEST(LuaSandbox, HostLibrariesAndLoadersAreAbsent) {
  auto result = run_lua(
      "return {io == nil, os == nil, debug == nil, package == nil, require == nil, load == nil, "
      "loadfile == nil, dofile == nil, print == nil, _G == nil, string.dump == nil, "
      "coroutine == nil, getmetatable('').__index == nil}");
  // getmetatable('') is false, so indexing it fails: the last entry is an error, checked below.
  EXPECT_FALSE(result.ok());
  result = run_lua(
      "return {io == nil, os == nil, debug == nil, package == nil, require == nil, load == nil, "
      "loadfile == nil, dofile == nil, print == nil, _G == nil, string.dump == nil, "
      "coroutine == nil}");
  ASSERT_TRUE(result.ok()) << result.error().message;
  for (const auto& absent : *result) EXPECT_TRUE(absent.get<bool>()) << result->dump();
}

TEST(LuaSandbox, CallingHostFacilitiesFailsWithTheScriptLine) {
  EXPECT_EQ(lua_error("local x = 1\nos.execute('true')"),
            "test.lua:2: attempt to index a nil value (global 'os')");
  EXPECT_EQ(lua_error("io.open('/etc/passwd')"),
            "test.lua:1: attempt to index a nil value (global 'io')");
  EXPECT_EQ(lua_error("require 'ffi'"),
            "test.lua:1: attempt to call a nil value (global 'require')");
  EXPECT_EQ(lua_error("package.loadlib('libc.so.6', 'system')"),
            "test.lua:1: attempt to index a nil value (global 'package')");
  EXPECT_EQ(lua_error("return load('\\27Lua')"),
            "test.lua:1: attempt to call a nil value (global 'load')");
  EXPECT_EQ(lua_error("local f = function() end\nreturn load(string.dump(f))"),
            "test.lua:2: attempt to call a nil value (field 'dump')");
}

TEST(LuaSandbox, BinaryChunksAreRefused) {
  auto sandbox = LuaSandbox::open({});
  ASSERT_TRUE(sandbox.ok());
  std::string bytecode = "\x1bLua\x54\x00\x19\x93\r\n\x1a\n";
  Status status = (*sandbox)->run(bytecode, "evil.luac", 0);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find("attempt to load a binary chunk"), std::string::npos)
      << status.error().message;
}

TEST(LuaSandbox, StringMetatableIsProtectedAndMethodsCannotBeReplaced) {
  auto result = run_lua(
      "local hidden = getmetatable('') "
      "string.upper = function() return 'patched' end "
      "string.rep = nil "
      "return {hidden, ('abc'):upper(), ('ab'):rep(2)}");
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(*result, Json::parse(R"([false, "ABC", "abab"])"));
  EXPECT_EQ(lua_error("getmetatable('').__index.rep = nil"),
            "test.lua:1: attempt to index a boolean value");
}

TEST(LuaSandbox, CollectgarbageAnswersOnlyCount) {
  auto result = run_lua("return collectgarbage('count') > 0");
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(*result, true);
  for (const char* option : {"stop", "restart", "step", "generational", "incremental", "collect"})
    EXPECT_EQ(lua_error(std::string("collectgarbage('") + option + "')"),
              std::string("test.lua:1: collectgarbage: only \"count\" is allowed, not \"") +
                  option + "\"");
}

TEST(LuaSandbox, FinalizersAreRefused) {
  EXPECT_EQ(lua_error("setmetatable({}, {__gc = function() while true do end end})"),
            "test.lua:1: setmetatable: __gc metamethods are not allowed");
  // The array marker cannot be reached to smuggle a __gc in through json.array.
  auto result = run_lua("return getmetatable(json.array({}))");
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(*result, "json.array");
}

TEST(LuaSandbox, InfiniteLoopStopsAtTheInstructionBudget) {
  EXPECT_EQ(lua_error("local n = 0\nwhile true do n = n + 1 end", small_budget()),
            "test.lua:2: instruction budget of 2000000 exceeded");
}

TEST(LuaSandbox, InfiniteLoopStopsAtTheDeadline) {
  LuaLimits limits;
  limits.instructions = 1'000'000'000'000;
  limits.timeout = std::chrono::milliseconds(100);
  auto start = Clock::now();
  EXPECT_EQ(lua_error("while true do end", limits), "test.lua:1: time limit of 100 ms exceeded");
  EXPECT_LT(Clock::now() - start, std::chrono::milliseconds(1000));
}

TEST(LuaSandbox, CallersDeadlineShortensTheTimeout) {
  auto sandbox = LuaSandbox::open({}, Clock::now() + std::chrono::milliseconds(50));
  ASSERT_TRUE(sandbox.ok());
  auto start = Clock::now();
  Status status = (*sandbox)->run("while true do end", "loop.lua", 0);
  ASSERT_FALSE(status.ok());
  EXPECT_LT(Clock::now() - start, std::chrono::milliseconds(1000));
}

TEST(LuaSandbox, PcallCannotSwallowTheBudgetError) {
  EXPECT_EQ(lua_error("while true do pcall(function() while true do end end) end", small_budget()),
            "test.lua:1: instruction budget of 2000000 exceeded");
  EXPECT_EQ(lua_error("local ok = pcall(function() while true do end end)\nreturn 'escaped'",
                      small_budget()),
            "test.lua:1: instruction budget of 2000000 exceeded");
}

TEST(LuaSandbox, LoopsInsideLibraryCallbacksAreBudgeted) {
  EXPECT_EQ(
      lua_error("table.sort({3, 2, 1}, function(a, b) while true do end end)", small_budget()),
      "test.lua:1: instruction budget of 2000000 exceeded");
  EXPECT_EQ(lua_error("return ('aaa'):gsub('a', function() while true do end end)", small_budget()),
            "test.lua:1: instruction budget of 2000000 exceeded");
  EXPECT_EQ(
      lua_error(
          "return tostring(setmetatable({}, {__tostring = function() while true do end end}))",
          small_budget()),
      "test.lua:1: instruction budget of 2000000 exceeded");
}

TEST(LuaSandbox, CoroutineLoopIsBudgetedToo) {
  LuaLimits limits = small_budget();
  limits.coroutines = true;
  EXPECT_EQ(lua_error("coroutine.wrap(function() while true do end end)()", limits),
            "test.lua:1: instruction budget of 2000000 exceeded");
}

TEST(LuaSandbox, MemoryBombStopsAtTheCap) {
  EXPECT_EQ(lua_error("local t = {} while true do t[#t + 1] = t end", small_budget()),
            "test.lua: memory limit of 8388608 bytes exceeded (near line 1)");
}

TEST(LuaSandbox, HugeStringsAreRefused) {
  EXPECT_EQ(lua_error("return string.rep('x', 2^31)", small_budget()),
            "test.lua:1: resulting string too large");
  EXPECT_EQ(lua_error("local s = string.rep('x', 1e8)", small_budget()),
            "test.lua: memory limit of 8388608 bytes exceeded");
  EXPECT_EQ(lua_error("local t = {} for i = 1, 20 do t[i] = ('y'):rep(1e6) end "
                      "return table.concat(t)",
                      small_budget()),
            "test.lua: memory limit of 8388608 bytes exceeded");
}

TEST(LuaSandbox, DeepRecursionIsAnErrorNotACrash) {
  std::string message = lua_error("local function f(n) return f(n + 1) + 1 end return f(1)");
  EXPECT_TRUE(message.find("stack overflow") != std::string::npos ||
              message.find("memory limit") != std::string::npos)
      << message;
  message = lua_error(
      "local t = setmetatable({}, {__index = function(t, k) return t[k] end}) return t.x");
  EXPECT_NE(message.find("stack overflow"), std::string::npos) << message;
}

TEST(LuaSandbox, PathologicalPatternsAreBudgeted) {
  auto start = Clock::now();
  EXPECT_EQ(lua_error("return string.find(('a'):rep(1e6), '.-.-.-.-b')", small_budget()),
            "test.lua:1: instruction budget of 2000000 exceeded");
  EXPECT_EQ(lua_error("return ('a'):rep(1e6):find(('a'):rep(1e5) .. 'b', 1, true)", small_budget()),
            "test.lua:1: instruction budget of 2000000 exceeded");
  EXPECT_LT(Clock::now() - start, std::chrono::milliseconds(2000));
}

TEST(LuaSandbox, ErrorsNameTheScriptAndLine) {
  EXPECT_EQ(lua_error("local x = nil\nreturn x.y"),
            "test.lua:2: attempt to index a nil value (local 'x')");
  EXPECT_EQ(lua_error("error('plain', 0)"), "plain");
  EXPECT_EQ(lua_error("error({code = 1})"), "error object is a table value");
  EXPECT_EQ(lua_error("return +"), "test.lua:1: unexpected symbol near '+'");
}

TEST(LuaSandbox, EachSandboxStartsFromCleanState) {
  ASSERT_TRUE(run_lua("leaked = 42 string.upper = nil math.pi = 3").ok());
  auto result = run_lua("return {leaked == nil, ('a'):upper(), string.upper ~= nil, math.pi}");
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(*result, Json::parse("[true, \"A\", true, 3.141592653589793]"));
}

TEST(LuaSandbox, HostKeepsWorkingAfterFailures) {
  EXPECT_FALSE(run_lua("while true do end", small_budget()).ok());
  EXPECT_FALSE(run_lua("local t = {} while true do t[#t + 1] = t end", small_budget()).ok());
  auto result = run_lua("return 6 * 7");
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(*result, 42);
}

TEST(LuaSandbox, RandomNumbersAreDeterministic) {
  const char* script = "return {math.random(1000), math.random(1000), math.random()}";
  auto first = run_lua(script);
  auto second = run_lua(script);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(*first, *second);
}

TEST(LuaSandbox, TooSmallMemoryCapFailsToOpen) {
  LuaLimits limits;
  limits.memory_bytes = 1024;
  auto sandbox = LuaSandbox::open(limits);
  ASSERT_FALSE(sandbox.ok());
  EXPECT_NE(sandbox.error().message.find("lua sandbox"), std::string::npos);
}

TEST(LuaSandbox, ReportsItsUsage) {
  auto sandbox = LuaSandbox::open(small_budget());
  ASSERT_TRUE(sandbox.ok());
  ASSERT_TRUE((*sandbox)->run("local s = 0 for i = 1, 100000 do s = s + i end", "sum.lua", 0).ok());
  EXPECT_GE((*sandbox)->instructions_used(), 150'000u);
  EXPECT_LT((*sandbox)->instructions_used(), 2'000'000u);
  EXPECT_GT((*sandbox)->memory_used(), 0u);
  EXPECT_LE((*sandbox)->memory_used(), 8u << 20);
}

TEST(LuaSandbox, RandomSourcesNeverCrashTheHost) {
  std::mt19937 rng(20240611);
  const char* tokens[] = {
      "while",     "true",   "do",         "end",     "for",      "i",
      "=",         "1",      ",",          "1e9",     "local",    "t",
      "{",         "}",      "[",          "]",       "(",        ")",
      "..",        "'x'",    "string.rep", "#",       "function", "return",
      "pcall",     "error",  "+",          "t[#t+1]", "if",       "then",
      "else",      "repeat", "until",      "not",     "nil",      "setmetatable",
      "json.null", ":",      "rep",        "gsub",    "'%a+'",    "2^62",
      "//",        "0",      "goto",       "::l::"};
  LuaLimits limits = small_budget();
  limits.timeout = std::chrono::milliseconds(200);
  for (int i = 0; i < 300; ++i) {
    std::string source;
    int n = 1 + static_cast<int>(rng() % 40);
    for (int k = 0; k < n; ++k) {
      source += tokens[rng() % std::size(tokens)];
      source += ' ';
    }
    if (i % 3 == 0)
      for (int k = 0; k < 20; ++k) source += static_cast<char>(rng() % 256);
    auto result = run_lua(source, limits);
    if (!result.ok()) {
      EXPECT_FALSE(result.error().message.empty()) << source;
    }
  }
  EXPECT_TRUE(run_lua("return 1").ok());
}

}  // namespace
}  // namespace recur::tools
