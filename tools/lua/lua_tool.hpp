// A tool written in Lua. The file is a chunk that returns the tool's declaration:
//
//   -- greet.lua
//   return {
//     name = "greet",                                  -- [a-z0-9_-]+, unique in its directory
//     description = "Greets someone by name.",
//     inputSchema = {
//       type = "object",
//       properties = {who = {type = "string"}},
//       required = {"who"},
//     },
//     handler = function(args)                          -- args: the call's arguments as Lua values
//       if args.who == "" then return nil, "who: empty name" end   -- a tool error
//       return {greeting = "hello " .. args.who}       -- any JSON-convertible value
//     end,
//   }
//
// The handler's first result becomes the call's JSON result (lua_json.hpp gives the mapping);
// `nil, message` or error(message) makes a tool error whose text is the message (error adds the
// script's name and line unless raised with level 0). Every call runs the file again in a fresh
// sandbox (sandbox.hpp), under the tool's limits and the caller's deadline, so nothing one call
// does is seen by the next. Scripts have only the sandbox's library: no files, no clock, no load.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "base/result.hpp"
#include "tools/lua/sandbox.hpp"
#include "tools/tool.hpp"

namespace recur::tools {

class LuaTool : public Tool {
 public:
  // Reads the script at `path` and runs it once to read and check its declaration (the name, a
  // description string, an object inputSchema, a handler function and no other field).
  static Result<std::unique_ptr<LuaTool>> load(const std::filesystem::path& path,
                                               const LuaLimits& limits);
  // The same, from a script's text; `chunk_name` names it in messages ("greet.lua").
  static Result<std::unique_ptr<LuaTool>> from_source(std::string source, std::string chunk_name,
                                                      const LuaLimits& limits);

  const ToolDescription& description() const override { return description_; }
  ToolResult call(const Json& arguments, const CallContext& context) override;

  const LuaLimits& limits() const { return limits_; }

 private:
  LuaTool(std::string source, std::string chunk_name, LuaLimits limits,
          ToolDescription description);
  ToolResult run_handler(const Json& arguments, const CallContext& context);

  std::string source_;
  std::string chunk_name_;
  LuaLimits limits_;
  ToolDescription description_;
};

}  // namespace recur::tools
