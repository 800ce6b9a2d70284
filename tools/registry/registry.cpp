#include "tools/registry/registry.hpp"

#include <algorithm>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <sstream>

#include "base/text.hpp"
#include "tools/code/code_tool.hpp"
#include "tools/json_schema.hpp"
#include "tools/lua/lua_tools.hpp"
#include "tools/memory/memory_tool.hpp"

namespace recur::tools {
namespace {

using Tools = std::vector<std::unique_ptr<Tool>>;

// A factory for a type that makes exactly one tool.
template <class Make>
ToolFactory single(Make make) {
  return [make](const Json& entry, const std::filesystem::path& base_dir) -> Result<Tools> {
    Result<std::unique_ptr<Tool>> tool = make(entry, base_dir);
    if (!tool) return tool.error();
    Tools tools;
    tools.push_back(std::move(*tool));
    return tools;
  };
}

const Json& config_schema() {
  static const Json schema = {{"type", "object"},
                              {"required", {"tools"}},
                              {"properties",
                               {{"tools",
                                 {{"type", "array"},
                                  {"items",
                                   {{"type", "object"},
                                    {"required", {"type"}},
                                    {"properties", {{"type", {{"type", "string"}}}}}}}}}}}};
  return schema;
}

}  // namespace

ToolFactories ToolFactories::builtin() {
  ToolFactories f;
  f.register_factory("memory", single([](const Json& entry, const std::filesystem::path& base) {
                       return make_memory_tool(entry, base);
                     }));
  f.register_factory("lua", [](const Json& entry, const std::filesystem::path& base) {
    return make_lua_tools(entry, base);
  });
  f.register_factory("code", single([](const Json& entry, const std::filesystem::path&) {
                       return make_code_tool(entry);
                     }));
  return f;
}

void ToolFactories::register_factory(std::string type, ToolFactory factory) {
  factories_[std::move(type)] = std::move(factory);
}

const ToolFactory* ToolFactories::find(std::string_view type) const {
  auto it = factories_.find(type);
  return it == factories_.end() ? nullptr : &it->second;
}

std::vector<std::string> ToolFactories::types() const {
  std::vector<std::string> out;
  for (const auto& [type, unused] : factories_) out.push_back(type);
  return out;
}

Result<Registry> Registry::load(const std::filesystem::path& config_file,
                                const RegistryOptions& options, const ToolFactories& factories) {
  std::ifstream in(config_file, std::ios::binary);
  if (!in) {
    std::error_code ec;
    return fail(std::filesystem::exists(config_file, ec) ? ErrorCode::io : ErrorCode::not_found,
                config_file.string() + ": cannot open the tool configuration");
  }
  std::stringstream text;
  text << in.rdbuf();
  Json config;
  try {
    config = Json::parse(text.str());
  } catch (const Json::parse_error& e) {
    return fail(ErrorCode::invalid_argument,
                config_file.string() + ": not valid JSON: " + e.what());
  }
  std::error_code ec;
  std::filesystem::path absolute = std::filesystem::absolute(config_file, ec);
  if (ec) return fail(ErrorCode::io, config_file.string() + ": " + ec.message());
  return from_json(config, absolute.parent_path().parent_path(), options, factories,
                   config_file.string());
}

Result<Registry> Registry::from_json(const Json& config, const std::filesystem::path& base_dir,
                                     const RegistryOptions& options, const ToolFactories& factories,
                                     const std::string& source) {
  if (Status s = validate_json(config, config_schema(), "config"); !s)
    return s.error().context(source);
  Registry registry;
  for (std::size_t i = 0; i < config["tools"].size(); ++i) {
    Json entry = config["tools"][i];
    std::string where = source + ": tools[" + std::to_string(i) + "]";
    std::string type = entry["type"].get<std::string>();
    if (!options.only_types.empty() &&
        std::find(options.only_types.begin(), options.only_types.end(), type) ==
            options.only_types.end())
      continue;
    const ToolFactory* factory = factories.find(type);
    if (!factory)
      return fail(ErrorCode::invalid_argument, where + ": unknown tool type '" + type +
                                                   "' (known: " + joined(factories.types(), ", ") +
                                                   ")");
    if (type == "memory" && options.store_dir)
      entry["store"] = std::filesystem::absolute(*options.store_dir).string();
    Result<Tools> made = fail(ErrorCode::internal, "the factory threw");
    try {
      made = (*factory)(entry, base_dir);
    } catch (const std::exception& e) {
      made = fail(ErrorCode::internal, std::string("the factory threw: ") + e.what());
    }
    if (!made) return made.error().context(where);
    for (auto& tool : *made)
      if (Status s = registry.add(std::move(tool)); !s) return s.error().context(where);
  }
  return registry;
}

Status Registry::add(std::unique_ptr<Tool> tool) {
  if (!tool) return fail(ErrorCode::invalid_argument, "no tool");
  const ToolDescription& d = tool->description();
  if (d.name.empty()) return fail(ErrorCode::invalid_argument, "a tool has an empty name");
  if (by_name_.count(d.name))
    return fail(ErrorCode::already_exists, "two tools are named '" + d.name + "'");
  if (Status s = check_schema(d.input_schema, d.name + ".inputSchema"); !s) return s;
  if (!d.input_schema.is_object() || d.input_schema.value("type", Json()) != "object")
    return fail(ErrorCode::invalid_argument,
                d.name + ".inputSchema: must be a schema of type object");
  by_name_[d.name] = tool.get();
  tools_.push_back(std::move(tool));
  return {};
}

std::vector<ToolDescription> Registry::list() const {
  std::vector<ToolDescription> out;
  for (const auto& tool : tools_) out.push_back(tool->description());
  return out;
}

Tool* Registry::find(std::string_view name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : it->second;
}

Result<ToolDescription> Registry::describe(std::string_view name) const {
  Tool* tool = find(name);
  if (!tool) {
    std::vector<std::string> names;
    for (const auto& [n, unused] : by_name_) names.push_back(n);
    return fail(ErrorCode::not_found,
                "unknown tool '" + std::string(name) + "' (tools: " + joined(names, ", ") + ")");
  }
  return tool->description();
}

Result<ToolResult> Registry::call(const ToolCall& call, const CallContext& context) const {
  Tool* tool = find(call.name);
  if (!tool) return describe(call.name).error();
  if (!call.arguments.is_object())
    return fail(ErrorCode::invalid_argument, "arguments: must be a JSON object");
  if (Status s = validate_json(call.arguments, tool->description().input_schema, "arguments"); !s)
    return ToolResult::error(s.error().message);
  try {
    return tool->call(call.arguments, context);
  } catch (const std::exception& e) {
    return ToolResult::error(call.name + ": " + e.what());
  } catch (...) {
    return ToolResult::error(call.name + ": failed");
  }
}

Result<ToolResult> Registry::call(std::string_view name, std::string_view arguments_json,
                                  const CallContext& context) const {
  ToolCall c;
  c.name = std::string(name);
  try {
    c.arguments = Json::parse(arguments_json);
  } catch (const Json::exception& e) {
    return fail(ErrorCode::invalid_argument, std::string("arguments: not valid JSON: ") + e.what());
  }
  return call(c, context);
}

std::filesystem::path default_config_path() {
  if (const char* env = std::getenv("RECUR_CONFIG"); env && *env) return env;
  return std::filesystem::path(RECUR_SOURCE_DIR) / "configs" / "tools.json";
}

}  // namespace recur::tools
