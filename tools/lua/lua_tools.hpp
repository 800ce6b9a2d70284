// Builds the Lua tools of one directory from a registry config entry:
//
//   {"type": "lua", "dir": "tools/lua/tools", "memory_bytes": 67108864,
//    "instructions": 1000000000, "timeout_ms": 10000}
//
// Every *.lua file of `dir` (a relative dir resolves against base_dir) is one tool (lua_tool.hpp),
// taken in file-name order. The limits apply to each call; absent ones take LuaLimits' defaults.
// Errors name the config field or the script that is wrong; two scripts with one name are an error.
#pragma once

#include <filesystem>
#include <memory>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.hpp"
#include "tools/lua/sandbox.hpp"
#include "tools/tool.hpp"

namespace recur::tools {

Result<std::vector<std::unique_ptr<Tool>>> make_lua_tools(const nlohmann::json& config,
                                                          const std::filesystem::path& base_dir);

// The limits of a config entry (the fields above other than type and dir).
Result<LuaLimits> lua_limits_from_config(const nlohmann::json& config);

}  // namespace recur::tools
