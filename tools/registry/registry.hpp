// The registry: the tools of one configuration, by name, and the one door through which they are
// called. It validates arguments against a tool's inputSchema before the tool runs and keeps the
// two kinds of failure apart: a protocol error (unknown tool, arguments that are not a JSON object,
// argument text that is not JSON) is an Error; everything that happens once a tool is reached,
// schema violations included, is a ToolResult with isError set.
//
// Configuration file (configs/tools.json):
//   {
//     "tools": [
//       {"type": "memory", "store": "var/memory", "sync": "safe", ...},
//       {"type": "lua", "dir": "tools/lua/tools", ...},
//       {"type": "code", ...}
//     ]
//   }
// Each entry makes one or more tools through the factory registered for its "type"; the other
// fields belong to that factory (memory: tools/memory/memory_tool.hpp; lua:
// tools/lua/lua_tools.hpp, one tool per script in "dir"; code: tools/code/code_tool.hpp). Relative
// paths in an entry resolve against the base directory, which is the parent of the directory
// holding the config file: for <repo>/configs/tools.json that is the repository root, whatever the
// working directory. Two tools with the same name are an error.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "tools/tool.hpp"

namespace recur::tools {

// Makes the tools of one configuration entry.
using ToolFactory = std::function<Result<std::vector<std::unique_ptr<Tool>>>(
    const Json& entry, const std::filesystem::path& base_dir)>;

// Factories by entry type.
class ToolFactories {
 public:
  // memory, lua and code.
  static ToolFactories builtin();

  // Adds or replaces the factory of `type`.
  void register_factory(std::string type, ToolFactory factory);
  const ToolFactory* find(std::string_view type) const;
  std::vector<std::string> types() const;

 private:
  std::map<std::string, ToolFactory, std::less<>> factories_;
};

struct RegistryOptions {
  // When set, replaces the "store" of every memory entry (recur tool call --store DIR).
  std::optional<std::filesystem::path> store_dir;
  // When not empty, only the entries of these types make tools (recur eval: "lua" alone); the
  // others are still checked against the configuration schema.
  std::vector<std::string> only_types;
};

class Registry {
 public:
  Registry() = default;

  // Reads a configuration file; errors name the file and the entry ("configs/tools.json:
  // tools[1]: unknown tool type 'x' (known: code, lua, memory)"): not_found for a missing file,
  // invalid_argument for a malformed one, a factory's own code for a tool it could not make.
  static Result<Registry> load(const std::filesystem::path& config_file,
                               const RegistryOptions& options = {},
                               const ToolFactories& factories = ToolFactories::builtin());
  // The same from parsed JSON; `source` names it in errors.
  static Result<Registry> from_json(const Json& config, const std::filesystem::path& base_dir,
                                    const RegistryOptions& options = {},
                                    const ToolFactories& factories = ToolFactories::builtin(),
                                    const std::string& source = "config");

  // Adds a tool. Fails when the name is taken (already_exists) or its inputSchema is not a valid
  // schema (invalid_argument).
  Status add(std::unique_ptr<Tool> tool);

  // Every tool's description, in configuration order.
  std::vector<ToolDescription> list() const;
  // The tool's description; not_found for an unknown name.
  Result<ToolDescription> describe(std::string_view name) const;
  // The tool, or nullptr.
  Tool* find(std::string_view name) const;

  // Validates the arguments and runs the tool. Safe to call from several threads at once. Errors:
  // not_found for an unknown tool, invalid_argument for arguments that are not a JSON object.
  Result<ToolResult> call(const ToolCall& call, const CallContext& context) const;
  // The same with the arguments as JSON text.
  Result<ToolResult> call(std::string_view name, std::string_view arguments_json,
                          const CallContext& context) const;

 private:
  std::vector<std::unique_ptr<Tool>> tools_;
  std::map<std::string, Tool*, std::less<>> by_name_;
};

// The configuration `recur` uses by default: $RECUR_CONFIG when set, else configs/tools.json of
// the source tree this build came from.
std::filesystem::path default_config_path();

}  // namespace recur::tools
