// The Lua sandbox against the checklist of shared/reference/sandbox.md §2.2: only safe globals, no
// bytecode, no debug or string.dump, a protected string metatable, collectgarbage("count") only,
// and budgets (instructions, deadline, memory) that stop loops in Lua, in coroutines and in C,
// wherever script code can run (message handlers, __close handlers, error objects' __tostring,
// library loops) and also when another thread interrupts the script.
#include "tools/lua/sandbox.hpp"

#include <chrono>
#include <functional>
#include <future>
#include <iterator>
#include <random>
#include <string>
#include <thread>

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

// How long a script that must stop may run before the test gives up on it.
constexpr auto kWatchdog = std::chrono::seconds(30);
constexpr const char* kStillRunning = "(still running when the watchdog gave up)";

// Runs `run` on a thread of its own and returns what it returns, or kStillRunning when it has not
// returned within kWatchdog: a script that cannot be stopped fails the test instead of hanging it
// (its thread is left behind, spinning, until the test binary exits).
std::string within_watchdog(std::function<std::string()> run) {
  std::packaged_task<std::string()> task(std::move(run));
  auto result = task.get_future();
  std::thread thread(std::move(task));
  if (result.wait_for(kWatchdog) == std::future_status::timeout) {
    thread.detach();
    return kStillRunning;
  }
  thread.join();
  return result.get();
}

// lua_error() under the watchdog, the sandbox closed before it returns (closing runs finalizers).
std::string stopped_error(const std::string& source, const LuaLimits& limits = small_budget()) {
  return within_watchdog([source, limits] { return lua_error(source, limits); });
}

LuaLimits with_coroutines(LuaLimits limits) {
  limits.coroutines = true;
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

TEST(LuaSandbox, XpcallWithALoopingMessageHandlerStops) {
  EXPECT_EQ(stopped_error("xpcall(function() while true do end end, function() while true do end "
                          "end)"),
            "test.lua:1: instruction budget of 2000000 exceeded");
  LuaLimits limits;
  limits.instructions = 1'000'000'000'000;
  limits.timeout = std::chrono::milliseconds(200);
  EXPECT_EQ(stopped_error("xpcall(function() while true do end end,\n"
                          "       function(e) while true do end end)",
                          limits),
            "test.lua:1: time limit of 200 ms exceeded");
}

TEST(LuaSandbox, XpcallStillHandlesOrdinaryErrors) {
  auto result = run_lua(
      "local ok, e = xpcall(function(a) error('bad ' .. a, 0) end, function(m) return 'handled: ' "
      ".. m end, 'input') "
      "local ok2, a, b = xpcall(function(x, y) return x + y, x * y end, tostring, 3, 4) "
      "local ok3, e3 = xpcall(error, function(m) error('in handler', 0) end, 'first', 0) "
      "return {ok, e, ok2, a, b, ok3, e3}");
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(*result, Json::parse(R"([false, "handled: bad input", true, 7, 12, false,
                                    "in handler"])"));
}

TEST(LuaSandbox, LoopInAnErrorObjectsTostringStops) {
  const std::string object =
      "local obj = setmetatable({}, {__tostring = function() while true do end end})\n";
  EXPECT_EQ(stopped_error(object + "local ok, e = pcall(error, obj)\nreturn tostring(e)"),
            "test.lua:1: instruction budget of 2000000 exceeded");
  EXPECT_EQ(stopped_error(object + "return xpcall(error, function(e) return tostring(e) end, obj)"),
            "test.lua:1: instruction budget of 2000000 exceeded");
  EXPECT_EQ(
      stopped_error(object + "return xpcall(error, function() return tostring(obj) end, obj)"),
      "test.lua:1: instruction budget of 2000000 exceeded");
  // __name is read, never run.
  auto result = run_lua("return tostring(setmetatable({}, {__name = 'Point'})):sub(1, 7)");
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(*result, "Point: ");
}

TEST(LuaSandbox, LoopInACloseHandlerStops) {
  const std::string handle =
      "local function handle() return setmetatable({}, {__close = function() while true do end "
      "end}) end\n";
  EXPECT_EQ(stopped_error(handle + "do local x <close> = handle() end"),
            "test.lua:1: instruction budget of 2000000 exceeded");
  EXPECT_EQ(stopped_error(handle + "do local x <close> = handle()\nerror('unwinding') end"),
            "test.lua:1: instruction budget of 2000000 exceeded");
  EXPECT_EQ(stopped_error(handle + "pcall(function() local x <close> = handle()\n"
                                   "while true do end end)"),
            "test.lua:3: instruction budget of 2000000 exceeded");
}

TEST(LuaSandbox, CloseHandlersOfACoroutineStoppedByTheBudgetNeverRun) {
  const std::string body =
      "local function body() local x <close> = setmetatable({}, {__close = function() while true "
      "do end end})\nwhile true do end end\n";
  LuaLimits limits = with_coroutines(small_budget());
  EXPECT_EQ(stopped_error(body + "coroutine.wrap(body)()", limits),
            "test.lua:2: instruction budget of 2000000 exceeded");
  EXPECT_EQ(stopped_error(body + "local co = coroutine.create(body)\ncoroutine.resume(co)\n"
                                 "coroutine.close(co)",
                          limits),
            "test.lua:2: instruction budget of 2000000 exceeded");
}

TEST(LuaSandbox, NoFinalizerEverRuns) {
  EXPECT_EQ(stopped_error("setmetatable({}, {__gc = function() while true do end end})"),
            "test.lua:1: setmetatable: __gc metamethods are not allowed");
  // A __gc added to the metatable afterwards does not mark the table for finalization: neither
  // collections during the run nor closing the state call it.
  EXPECT_EQ(stopped_error("local mt = {}\n"
                          "for i = 1, 1000 do setmetatable({}, mt) end\n"
                          "mt.__gc = function() while true do end end\n"
                          "for i = 1, 100000 do local garbage = {i} end\n"
                          "error('ran to the end', 0)"),
            "ran to the end");
}

TEST(LuaSandbox, MemoryErrorsCannotBeCaughtAndGoneOn) {
  EXPECT_EQ(stopped_error("local ok = pcall(function() local t = {} while true do "
                          "t[#t + 1] = ('x'):rep(1000) end end)\n"
                          "error('went on after the memory cap')"),
            "test.lua: memory limit of 8388608 bytes exceeded (near line 1)");
}

TEST(LuaSandbox, LibraryLoopsOverHugeCountsAreBudgeted) {
  // A table whose border (#t) is 2^61 + 1 though it holds 124 entries.
  const std::string sparse =
      "local t = {} for i = 0, 61 do t[1 << i] = 1 t[(1 << i) + 1] = 1 end\n";
  EXPECT_EQ(stopped_error(sparse + "table.insert(t, 1, 'x')"),
            "test.lua:2: instruction budget of 2000000 exceeded");
  EXPECT_EQ(stopped_error(sparse + "table.remove(t, 1)"),
            "test.lua:2: instruction budget of 2000000 exceeded");
  EXPECT_EQ(stopped_error("table.move({}, 1, 1 << 62, 2, {})"),
            "test.lua:1: instruction budget of 2000000 exceeded");
  // C functions as metamethods and comparators: no Lua instruction runs between their calls.
  EXPECT_EQ(stopped_error("local t = setmetatable({}, {__index = table.concat})\n"
                          "return table.concat(t, '', 1, 1 << 62)"),
            "test.lua:2: instruction budget of 2000000 exceeded");
  LuaLimits slow_calls = small_budget();  // each failing pcall takes a while
  slow_calls.timeout = std::chrono::minutes(1);
  EXPECT_EQ(stopped_error("local t = {} for i = 0, 29 do t[1 << i] = 1 t[(1 << i) + 1] = 1 end\n"
                          "table.sort(t, pcall)",
                          slow_calls),
            "test.lua:2: instruction budget of 2000000 exceeded");
  // An empty string repeated any number of times is empty, at once.
  auto result = within_watchdog([] {
    auto r = run_lua("return #string.rep('', 1 << 62) + #(''):rep(1 << 62, '')");
    return r.ok() ? r->dump() : r.error().message;
  });
  EXPECT_EQ(result, "0");
}

TEST(LuaSandbox, ALoopOfLongSortsStopsAtTheFirstSortPastTheDeadline) {
  // Each sort takes a large part of a second in one call: without a look at the clock after each,
  // the next hook would come 200 sorts later.
  LuaLimits limits;
  limits.instructions = 1'000'000'000'000;
  limits.memory_bytes = 256u << 20;
  limits.timeout = std::chrono::milliseconds(500);
  EXPECT_EQ(stopped_error("local t = {} for i = 1, 3e6 do t[i] = i end\n"
                          "while true do table.sort(t) end",
                          limits),
            "test.lua:2: time limit of 500 ms exceeded");
}

TEST(LuaSandbox, LibraryLoopsKeepTheirResults) {
  auto result = run_lua(
      "local t = {1, 2, 3} table.insert(t, 1, 0) table.insert(t, 4) "
      "local removed = table.remove(t, 2) local last = table.remove(t) "
      "local moved = table.move({1, 2, 3}, 2, 3, 1) "
      "local sorted = {5, 3, 4} table.sort(sorted, function(a, b) return a > b end) "
      "local proxy = setmetatable({}, {__index = function(_, i) return 'p' .. i end}) "
      "return {t, removed, last, moved, sorted, table.concat(proxy, ',', 1, 3), "
      "table.concat({1, 'a', 2.5}, '-'), ('ab'):rep(3, '.'), #(''):rep(5, ',')}");
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(*result, Json::parse(R"([[0, 2, 3], 1, 4, [2, 3, 3], [5, 4, 3], "p1,p2,p3",
                                    "1-a-2.5", "ab.ab.ab", 4])"));
  EXPECT_EQ(lua_error("table.insert({}, 5, 'x')"),
            "test.lua:1: bad argument #2 to 'insert' (position out of bounds)");
  EXPECT_NE(lua_error("table.concat({1, {}, 3})").find("at index 2 in table for 'concat'"),
            std::string::npos);
  EXPECT_NE(lua_error("table.sort({3, 'a', 1})").find("attempt to compare"), std::string::npos);
}

TEST(LuaSandbox, InterruptFromAnotherThreadEndsARunningScript) {
  for (const char* source :
       {"while true do end", "while true do pcall(function() while true do end end) end",
        "xpcall(function() while true do end end, function() while true do "
        "end end)",
        "local co = coroutine.wrap(function() while true do end end)\nco()"}) {
    LuaLimits limits;
    limits.instructions = 1'000'000'000'000;
    limits.timeout = std::chrono::minutes(10);
    limits.coroutines = true;
    auto sandbox = LuaSandbox::open(limits);
    ASSERT_TRUE(sandbox.ok());
    std::shared_ptr<LuaSandbox> box(std::move(*sandbox));
    std::thread canceller([box] {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      box->interrupt("stopped: the job was cancelled");
    });
    std::string message = within_watchdog([box, script = std::string(source)] {
      Status status = box->run(script, "loop.lua", 0);
      return status.ok() ? std::string("finished") : status.error().message;
    });
    canceller.join();
    EXPECT_EQ(message, "stopped: the job was cancelled") << source;
    if (message == kStillRunning) continue;
    // Nothing runs after an interrupt.
    Status again = box->run("return 1", "again.lua", 0);
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().message, "stopped: the job was cancelled");
  }
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
