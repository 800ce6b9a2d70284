// Helpers shared by the tests of tools/lua: running a script in a fresh sandbox and calling the
// shipped tools.
#pragma once

#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tools/lua/lua_tool.hpp"
#include "tools/lua/sandbox.hpp"

namespace recur::tools::testing {

using Json = nlohmann::json;

// Runs `source` as "test.lua" in a fresh sandbox and converts its first result.
inline Result<Json> run_lua(const std::string& source, const LuaLimits& limits = {}) {
  auto sandbox = LuaSandbox::open(limits);
  if (!sandbox.ok()) return sandbox.error();
  Status status = (*sandbox)->run(source, "test.lua", 1);
  if (!status.ok()) return status.error();
  return (*sandbox)->to_json(-1, "result");
}

// The message of a failed run, or "" when it succeeded.
inline std::string lua_error(const std::string& source, const LuaLimits& limits = {}) {
  auto result = run_lua(source, limits);
  return result.ok() ? std::string() : result.error().message;
}

// A shipped tool (tools/lua/tools/NAME.lua) with the default limits.
inline std::unique_ptr<LuaTool> shipped_tool(const std::string& name) {
  auto tool = LuaTool::load(std::string(RECUR_SOURCE_DIR) + "/tools/lua/tools/" + name + ".lua",
                            LuaLimits{});
  EXPECT_TRUE(tool.ok()) << (tool.ok() ? "" : tool.error().message);
  return tool.ok() ? std::move(*tool) : nullptr;
}

}  // namespace recur::tools::testing
