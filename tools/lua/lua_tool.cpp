#include "tools/lua/lua_tool.hpp"

#include <exception>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>

#include <lua.hpp>

#include "base/utf8.hpp"

namespace recur::tools {
namespace {

constexpr std::size_t kMaxScriptBytes = 1u << 20;
constexpr std::size_t kMaxNameLength = 64;

bool valid_tool_name(const std::string& name) {
  if (name.empty() || name.size() > kMaxNameLength) return false;
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return false;
  return true;
}

// Runs the script and leaves its declaration table on the stack.
Status run_declaration(LuaSandbox& sandbox, const std::string& source, const std::string& chunk) {
  Status status = sandbox.run(source, chunk, 1);
  if (!status.ok()) return status;
  if (lua_type(sandbox.state(), -1) != LUA_TTABLE) {
    lua_pop(sandbox.state(), 1);
    return fail(ErrorCode::invalid_argument,
                chunk + ": must return a table with name, description, inputSchema and handler");
  }
  return Status::success();
}

// Checks that the declaration table on top has only known fields.
Status check_fields(lua_State* L, const std::string& chunk) {
  static const std::set<std::string> known = {"name", "description", "inputSchema", "handler"};
  lua_pushnil(L);
  while (lua_next(L, -2) != 0) {
    lua_pop(L, 1);
    if (lua_type(L, -1) != LUA_TSTRING || known.count(lua_tostring(L, -1)) == 0) {
      std::string key = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : luaL_typename(L, -1);
      lua_pop(L, 1);
      return fail(ErrorCode::invalid_argument,
                  chunk + ": unknown declaration field '" + key +
                      "' (expected name, description, inputSchema, handler)");
    }
  }
  return Status::success();
}

// Reads the string field `key` of the table on top.
Result<std::string> string_field(LuaSandbox& sandbox, const char* key, const std::string& chunk) {
  Status status = sandbox.get_field(-1, key);
  if (!status.ok()) return status.error();
  lua_State* L = sandbox.state();
  if (lua_type(L, -1) != LUA_TSTRING) {
    lua_pop(L, 1);
    return fail(ErrorCode::invalid_argument, chunk + ": field '" + key + "' must be a string");
  }
  std::string value = lua_tostring(L, -1);
  lua_pop(L, 1);
  return value;
}

Result<ToolDescription> read_declaration(LuaSandbox& sandbox, const std::string& chunk) {
  lua_State* L = sandbox.state();
  Status status = check_fields(L, chunk);
  if (!status.ok()) return status.error();
  ToolDescription description;
  auto name = string_field(sandbox, "name", chunk);
  if (!name.ok()) return name.error();
  if (!valid_tool_name(*name))
    return fail(ErrorCode::invalid_argument,
                chunk + ": name '" + *name + "' must be 1-64 characters of a-z, 0-9, _ and -");
  auto text = string_field(sandbox, "description", chunk);
  if (!text.ok()) return text.error();
  if (unicode::find_invalid_utf8(*text))
    return fail(ErrorCode::invalid_argument, chunk + ": description is not valid UTF-8");
  status = sandbox.get_field(-1, "handler");
  if (!status.ok()) return status.error();
  bool callable = lua_type(L, -1) == LUA_TFUNCTION;
  lua_pop(L, 1);
  if (!callable)
    return fail(ErrorCode::invalid_argument, chunk + ": field 'handler' must be a function");
  status = sandbox.get_field(-1, "inputSchema");
  if (!status.ok()) return status.error();
  bool table = lua_type(L, -1) == LUA_TTABLE;
  auto schema = table ? sandbox.to_json(-1, "inputSchema") : Result<Json>(Json());
  lua_pop(L, 1);
  if (!table)
    return fail(ErrorCode::invalid_argument, chunk + ": field 'inputSchema' must be a table");
  if (!schema.ok()) return schema.error().context(chunk);
  if (!schema->is_object())
    return fail(ErrorCode::invalid_argument, chunk + ": inputSchema must be a JSON object");
  description.name = std::move(*name);
  description.description = std::move(*text);
  description.input_schema = std::move(*schema);
  return description;
}

}  // namespace

Result<std::unique_ptr<LuaTool>> LuaTool::load(const std::filesystem::path& path,
                                               const LuaLimits& limits) {
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  if (ec)
    return fail(ec == std::errc::no_such_file_or_directory ? ErrorCode::not_found : ErrorCode::io,
                path.string() + ": cannot read: " + ec.message());
  if (size > kMaxScriptBytes)
    return fail(ErrorCode::invalid_argument,
                path.string() + ": larger than " + std::to_string(kMaxScriptBytes) + " bytes");
  std::ifstream in(path, std::ios::binary);
  std::string source((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof()) return fail(ErrorCode::io, path.string() + ": cannot read");
  return from_source(std::move(source), path.filename().string(), limits);
}

Result<std::unique_ptr<LuaTool>> LuaTool::from_source(std::string source, std::string chunk_name,
                                                      const LuaLimits& limits) {
  try {
    auto sandbox = LuaSandbox::open(limits);
    if (!sandbox.ok()) return sandbox.error();
    Status status = run_declaration(**sandbox, source, chunk_name);
    if (!status.ok()) return status.error();
    auto description = read_declaration(**sandbox, chunk_name);
    if (!description.ok()) return description.error();
    return std::unique_ptr<LuaTool>(
        new LuaTool(std::move(source), std::move(chunk_name), limits, std::move(*description)));
  } catch (const std::exception& e) {
    return fail(ErrorCode::internal, chunk_name + ": " + e.what());
  }
}

LuaTool::LuaTool(std::string source, std::string chunk_name, LuaLimits limits,
                 ToolDescription description)
    : source_(std::move(source)),
      chunk_name_(std::move(chunk_name)),
      limits_(limits),
      description_(std::move(description)) {}

ToolResult LuaTool::call(const Json& arguments, const CallContext& context) {
  try {
    ToolResult result = run_handler(arguments, context);
    // Messages may quote the arguments' bytes: keep the text valid UTF-8.
    if (result.is_error) return ToolResult::error(unicode::from_utf8_lossy(result.joined_text()));
    return result;
  } catch (const std::exception& e) {
    return ToolResult::error(unicode::from_utf8_lossy(description_.name + ": " + e.what()));
  }
}

ToolResult LuaTool::run_handler(const Json& arguments, const CallContext& context) {
  const std::string& name = description_.name;
  if (LuaSandbox::Clock::now() >= context.deadline)
    return ToolResult::error(name + ": the call's deadline has passed");
  auto sandbox = LuaSandbox::open(limits_, context.deadline);
  if (!sandbox.ok()) return ToolResult::error(name + ": " + sandbox.error().message);
  LuaSandbox& box = **sandbox;
  lua_State* L = box.state();
  Status status = run_declaration(box, source_, chunk_name_);
  if (status.ok()) status = box.get_field(-1, "handler");
  if (status.ok() && lua_type(L, -1) != LUA_TFUNCTION)
    status =
        fail(ErrorCode::invalid_argument, chunk_name_ + ": field 'handler' must be a function");
  if (status.ok()) status = box.push(arguments);
  if (status.ok()) status = box.call(1, 2);
  if (!status.ok()) return ToolResult::error(name + ": " + status.error().message);
  if (lua_isnil(L, -2) && lua_type(L, -1) == LUA_TSTRING)
    return ToolResult::error(name + ": " + lua_tostring(L, -1));
  auto value = box.to_json(-2, "result");
  if (!value.ok()) return ToolResult::error(name + ": " + value.error().message);
  return ToolResult::json(std::move(*value));
}

}  // namespace recur::tools
