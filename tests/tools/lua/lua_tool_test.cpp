// The Lua tool file format and the directory loader: declarations are checked when loaded, every
// call runs in a fresh sandbox, handler failures are tool errors, and config fields are checked.
#include "tools/lua/lua_tool.hpp"

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <unistd.h>

#include "lua_test_support.hpp"
#include "tools/lua/lua_tools.hpp"

namespace recur::tools {
namespace {

using Json = nlohmann::json;

const char* kGreet = R"lua(
local calls = 0
return {
  name = "greet",
  description = "Greets someone.",
  inputSchema = {type = "object", properties = {who = {type = "string"}}, required = {"who"}},
  handler = function(args)
    calls = calls + 1
    if args.who == "" then return nil, "who: empty name" end
    if args.who == "crash" then local x = nil; return x.field end
    if args.who == "spin" then while true do end end
    return {greeting = "hello " .. args.who, calls = calls}
  end,
}
)lua";

std::unique_ptr<LuaTool> greet(LuaLimits limits = {}) {
  auto tool = LuaTool::from_source(kGreet, "greet.lua", limits);
  EXPECT_TRUE(tool.ok()) << (tool.ok() ? "" : tool.error().message);
  return tool.ok() ? std::move(*tool) : nullptr;
}

TEST(LuaTool, DeclarationBecomesTheDescription) {
  auto tool = greet();
  ASSERT_TRUE(tool);
  EXPECT_EQ(tool->description().to_json(), Json::parse(R"({"name": "greet",
      "description": "Greets someone.",
      "inputSchema": {"type": "object", "properties": {"who": {"type": "string"}},
                      "required": ["who"]}})"));
}

TEST(LuaTool, CallReturnsTheHandlersResultAndEachCallStartsClean) {
  auto tool = greet();
  ASSERT_TRUE(tool);
  for (int i = 0; i < 2; ++i) {
    ToolResult result = tool->call({{"who", "Ada"}}, {});
    EXPECT_FALSE(result.is_error);
    EXPECT_EQ(result.structured, Json::parse(R"({"greeting": "hello Ada", "calls": 1})"));
    EXPECT_EQ(result.joined_text(), R"({"calls":1,"greeting":"hello Ada"})");
  }
}

TEST(LuaTool, HandlerFailuresAreToolErrors) {
  LuaLimits limits;
  limits.instructions = 1'000'000;
  auto tool = greet(limits);
  ASSERT_TRUE(tool);
  ToolResult empty = tool->call({{"who", ""}}, {});
  EXPECT_TRUE(empty.is_error);
  EXPECT_EQ(empty.joined_text(), "greet: who: empty name");
  ToolResult crash = tool->call({{"who", "crash"}}, {});
  EXPECT_TRUE(crash.is_error);
  EXPECT_EQ(crash.joined_text(), "greet: greet.lua:10: attempt to index a nil value (local 'x')");
  ToolResult spin = tool->call({{"who", "spin"}}, {});
  EXPECT_TRUE(spin.is_error);
  EXPECT_EQ(spin.joined_text(), "greet: greet.lua:11: instruction budget of 1000000 exceeded");
  EXPECT_FALSE(tool->call({{"who", "again"}}, {}).is_error);
}

TEST(LuaTool, CallerDeadlineStopsTheHandler) {
  auto tool = greet();
  ASSERT_TRUE(tool);
  CallContext context;
  context.deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(50);
  auto start = std::chrono::steady_clock::now();
  ToolResult spin = tool->call({{"who", "spin"}}, context);
  EXPECT_TRUE(spin.is_error);
  EXPECT_NE(spin.joined_text().find("time limit"), std::string::npos) << spin.joined_text();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(1000));
  context.deadline = std::chrono::steady_clock::now() - std::chrono::milliseconds(1);
  EXPECT_EQ(tool->call({{"who", "x"}}, context).joined_text(),
            "greet: the call's deadline has passed");
}

TEST(LuaTool, ConcurrentCallsAreIndependent) {
  auto tool = greet();
  ASSERT_TRUE(tool);
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        std::string who = std::to_string(t) + "-" + std::to_string(i);
        ToolResult r = tool->call({{"who", who}}, {});
        if (!r.is_error && r.structured["greeting"] == "hello " + who && r.structured["calls"] == 1)
          ++good;
      }
    });
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(good.load(), 200);
}

TEST(LuaTool, BadDeclarationsAreRefusedWithTheReason) {
  LuaLimits limits;
  limits.instructions = 1'000'000;
  auto refuse = [&](const std::string& source) {
    auto tool = LuaTool::from_source(source, "bad.lua", limits);
    return tool.ok() ? std::string() : tool.error().message;
  };
  EXPECT_EQ(refuse("return 42"),
            "bad.lua: must return a table with name, description, inputSchema and handler");
  EXPECT_EQ(refuse("return {name = 'x', description = 'd', inputSchema = {}, "
                   "handler = function() end, extra = 1}"),
            "bad.lua: unknown declaration field 'extra' (expected name, description, inputSchema, "
            "handler)");
  EXPECT_EQ(refuse("return {name = 'Bad Name', description = 'd', inputSchema = {}, "
                   "handler = function() end}"),
            "bad.lua: name 'Bad Name' must be 1-64 characters of a-z, 0-9, _ and -");
  EXPECT_EQ(refuse("return {name = 'x', inputSchema = {}, handler = function() end}"),
            "bad.lua: field 'description' must be a string");
  EXPECT_EQ(refuse("return {name = 'x', description = 'd', inputSchema = {}, handler = 1}"),
            "bad.lua: field 'handler' must be a function");
  EXPECT_EQ(refuse("return {name = 'x', description = 'd', inputSchema = {1, 2}, "
                   "handler = function() end}"),
            "bad.lua: inputSchema must be a JSON object");
  EXPECT_EQ(refuse("while true do end"), "bad.lua:1: instruction budget of 1000000 exceeded");
  EXPECT_EQ(refuse("return {"), "bad.lua:1: unexpected symbol near <eof>");
}

class LuaToolDirectory : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("recur-lua-tools-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_ / "tools");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / "tools" / name) << text;
  }
  std::filesystem::path dir_;
};

TEST_F(LuaToolDirectory, LoadsEveryLuaFileInNameOrderResolvingRelativeDirs) {
  write("b.lua", kGreet);
  write("a.lua",
        "return {name = 'first', description = 'd', inputSchema = {type = 'object'}, "
        "handler = function() return 1 end}");
  write("notes.txt", "not a tool");
  auto tools = make_lua_tools({{"type", "lua"}, {"dir", "tools"}, {"timeout_ms", 500}}, dir_);
  ASSERT_TRUE(tools.ok()) << tools.error().message;
  ASSERT_EQ(tools->size(), 2u);
  EXPECT_EQ((*tools)[0]->description().name, "first");
  EXPECT_EQ((*tools)[1]->description().name, "greet");
}

TEST_F(LuaToolDirectory, DuplicateNamesAreAnError) {
  write("a.lua", kGreet);
  write("b.lua", kGreet);
  auto tools = make_lua_tools({{"dir", (dir_ / "tools").string()}}, "/nonexistent");
  ASSERT_FALSE(tools.ok());
  EXPECT_NE(tools.error().message.find("b.lua: a tool named 'greet' is already declared"),
            std::string::npos)
      << tools.error().message;
}

TEST_F(LuaToolDirectory, ConfigFieldsAreChecked) {
  auto error = [&](const Json& config) {
    auto tools = make_lua_tools(config, dir_);
    return tools.ok() ? std::string() : tools.error().message;
  };
  EXPECT_EQ(error({{"type", "lua"}}),
            "lua tools config: 'dir' must be a string (a directory of .lua files)");
  EXPECT_EQ(error({{"dir", "missing"}}),
            "lua tools config: dir '" + (dir_ / "missing").string() + "' is not a directory");
  EXPECT_EQ(error({{"dir", "tools"}, {"memory_bytes", 12}}),
            "lua tools config: 'memory_bytes' must be an integer from 1048576 to 17179869184");
  EXPECT_EQ(error({{"dir", "tools"}, {"timeout_ms", -1}}),
            "lua tools config: 'timeout_ms' must be an integer from 1 to 3600000");
  EXPECT_EQ(error({{"dir", "tools"}, {"instructions", "many"}}),
            "lua tools config: 'instructions' must be an integer from 1000 to 1000000000000");
  EXPECT_EQ(error({{"dir", "tools"}, {"colour", "red"}}),
            "lua tools config: unknown field 'colour' (expected type, dir, memory_bytes, "
            "instructions, timeout_ms)");
  EXPECT_EQ(error(Json::array()), "lua tools config: must be a JSON object");
}

TEST(LuaTools, ShippedDirectoryHasBigintExprAndStats) {
  auto tools = make_lua_tools({{"type", "lua"}, {"dir", "tools/lua/tools"}}, RECUR_SOURCE_DIR);
  ASSERT_TRUE(tools.ok()) << tools.error().message;
  std::vector<std::string> names;
  for (const auto& tool : *tools) names.push_back(tool->description().name);
  EXPECT_EQ(names, (std::vector<std::string>{"bigint", "expr", "stats"}));
}

}  // namespace
}  // namespace recur::tools
