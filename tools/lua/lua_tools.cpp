#include "tools/lua/lua_tools.hpp"

#include <algorithm>
#include <set>
#include <string>

#include "tools/lua/lua_tool.hpp"

namespace recur::tools {
namespace {

using Json = nlohmann::json;

// Reads the optional integer field `key` into `out`, within [lo, hi].
Status read_limit(const Json& config, const char* key, std::uint64_t lo, std::uint64_t hi,
                  std::uint64_t& out) {
  if (!config.contains(key)) return Status::success();
  const Json& value = config[key];
  bool integral =
      value.is_number_unsigned() || (value.is_number_integer() && value.get<std::int64_t>() >= 0);
  if (!integral || value.get<std::uint64_t>() < lo || value.get<std::uint64_t>() > hi)
    return fail(ErrorCode::invalid_argument, std::string("lua tools config: '") + key +
                                                 "' must be an integer from " + std::to_string(lo) +
                                                 " to " + std::to_string(hi));
  out = value.get<std::uint64_t>();
  return Status::success();
}

}  // namespace

Result<LuaLimits> lua_limits_from_config(const Json& config) {
  if (!config.is_object())
    return fail(ErrorCode::invalid_argument, "lua tools config: must be a JSON object");
  static const std::set<std::string> known = {"type", "dir", "memory_bytes", "instructions",
                                              "timeout_ms"};
  for (const auto& [key, value] : config.items())
    if (known.count(key) == 0)
      return fail(ErrorCode::invalid_argument,
                  "lua tools config: unknown field '" + key +
                      "' (expected type, dir, memory_bytes, instructions, timeout_ms)");
  if (config.contains("type") && config["type"] != "lua")
    return fail(ErrorCode::invalid_argument, "lua tools config: 'type' must be \"lua\"");
  LuaLimits limits;
  std::uint64_t memory = limits.memory_bytes, instructions = limits.instructions,
                timeout = static_cast<std::uint64_t>(limits.timeout.count());
  Status status = read_limit(config, "memory_bytes", 1u << 20, 1ull << 34, memory);
  if (status.ok())
    status = read_limit(config, "instructions", 1000, 1'000'000'000'000ull, instructions);
  if (status.ok()) status = read_limit(config, "timeout_ms", 1, 3'600'000, timeout);
  if (!status.ok()) return status.error();
  limits.memory_bytes = static_cast<std::size_t>(memory);
  limits.instructions = instructions;
  limits.timeout = std::chrono::milliseconds(timeout);
  return limits;
}

Result<std::vector<std::unique_ptr<Tool>>> make_lua_tools(const Json& config,
                                                          const std::filesystem::path& base_dir) {
  auto limits = lua_limits_from_config(config);
  if (!limits.ok()) return limits.error();
  if (!config.contains("dir") || !config["dir"].is_string())
    return fail(ErrorCode::invalid_argument,
                "lua tools config: 'dir' must be a string (a directory of .lua files)");
  std::filesystem::path dir = config["dir"].get<std::string>();
  if (dir.is_relative()) dir = base_dir / dir;
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec))
    return fail(
        std::filesystem::exists(dir, ec) ? ErrorCode::invalid_argument : ErrorCode::not_found,
        "lua tools config: dir '" + dir.string() + "' is not a directory");
  std::vector<std::filesystem::path> scripts;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (it->path().extension() == ".lua" && it->is_regular_file(ec)) scripts.push_back(it->path());
  if (ec)
    return fail(ErrorCode::io,
                "lua tools config: cannot list '" + dir.string() + "': " + ec.message());
  std::sort(scripts.begin(), scripts.end());

  std::vector<std::unique_ptr<Tool>> tools;
  std::set<std::string> names;
  for (const auto& script : scripts) {
    auto tool = LuaTool::load(script, *limits);
    if (!tool.ok()) return tool.error();
    const std::string& name = (*tool)->description().name;
    if (!names.insert(name).second)
      return fail(ErrorCode::already_exists, script.string() + ": a tool named '" + name +
                                                 "' is already declared in " + dir.string());
    tools.push_back(std::move(*tool));
  }
  return tools;
}

}  // namespace recur::tools
