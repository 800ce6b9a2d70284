#include "tools/lua/lua_json.hpp"

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include <lua.hpp>

#include "base/utf8.hpp"

namespace recur::tools {
namespace {

using Json = nlohmann::json;

// Their addresses are the null sentinel and the registry key of the array metatable.
char json_null_sentinel;
char array_marker_key;

void push_array_marker(lua_State* L) {
  lua_rawgetp(L, LUA_REGISTRYINDEX, &array_marker_key);
}

int json_array(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_settop(L, 1);
  push_array_marker(L);
  lua_setmetatable(L, 1);
  return 1;
}

bool valid_utf8(const char* s, std::size_t n) {
  return !unicode::find_invalid_utf8(std::string_view(s, n)).has_value();
}

void push_value(lua_State* L, const Json& value, int depth, std::size_t& elements) {
  if (depth > kMaxJsonDepth) luaL_error(L, "JSON nested deeper than %d levels", kMaxJsonDepth);
  if (++elements > kMaxJsonElements)
    luaL_error(L, "JSON has more than %d values", static_cast<int>(kMaxJsonElements));
  luaL_checkstack(L, 4, "JSON nested too deeply");
  switch (value.type()) {
    case Json::value_t::null:
      lua_pushlightuserdata(L, &json_null_sentinel);
      return;
    case Json::value_t::boolean:
      lua_pushboolean(L, value.get<bool>() ? 1 : 0);
      return;
    case Json::value_t::number_integer:
      lua_pushinteger(L, value.get<std::int64_t>());
      return;
    case Json::value_t::number_unsigned: {
      auto u = value.get<std::uint64_t>();
      if (u <= static_cast<std::uint64_t>(INT64_MAX))
        lua_pushinteger(L, static_cast<lua_Integer>(u));
      else
        lua_pushnumber(L, static_cast<lua_Number>(u));
      return;
    }
    case Json::value_t::number_float:
      lua_pushnumber(L, value.get<double>());
      return;
    case Json::value_t::string: {
      const auto& s = value.get_ref<const std::string&>();
      lua_pushlstring(L, s.data(), s.size());
      return;
    }
    case Json::value_t::array: {
      lua_createtable(L, static_cast<int>(std::min<std::size_t>(value.size(), INT_MAX)), 0);
      lua_Integer i = 1;
      for (const auto& element : value) {
        push_value(L, element, depth + 1, elements);
        lua_rawseti(L, -2, i++);
      }
      push_array_marker(L);
      lua_setmetatable(L, -2);
      return;
    }
    case Json::value_t::object: {
      lua_createtable(L, 0, static_cast<int>(std::min<std::size_t>(value.size(), INT_MAX)));
      for (const auto& [key, element] : value.items()) {
        lua_pushlstring(L, key.data(), key.size());
        push_value(L, element, depth + 1, elements);
        lua_rawset(L, -3);
      }
      return;
    }
    default:
      luaL_error(L, "a binary JSON value cannot be converted");
  }
}

class Converter {
 public:
  Converter(lua_State* L, std::string_view what) : L_(L), path_(what) {}

  Status convert(int index, Json& out, int depth) {
    if (depth > kMaxJsonDepth)
      return fail(ErrorCode::invalid_argument,
                  path_ + ": nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
    if (++elements_ > kMaxJsonElements)
      return fail(ErrorCode::invalid_argument,
                  path_ + ": more than " + std::to_string(kMaxJsonElements) + " values");
    switch (lua_type(L_, index)) {
      case LUA_TNIL:
        out = nullptr;
        return Status::success();
      case LUA_TBOOLEAN:
        out = lua_toboolean(L_, index) != 0;
        return Status::success();
      case LUA_TNUMBER:
        if (lua_isinteger(L_, index)) {
          out = static_cast<std::int64_t>(lua_tointeger(L_, index));
          return Status::success();
        }
        if (!std::isfinite(lua_tonumber(L_, index)))
          return fail(ErrorCode::invalid_argument, path_ + ": number is not finite");
        out = static_cast<double>(lua_tonumber(L_, index));
        return Status::success();
      case LUA_TSTRING: {
        std::size_t n = 0;
        const char* s = lua_tolstring(L_, index, &n);
        if (!valid_utf8(s, n))
          return fail(ErrorCode::invalid_argument, path_ + ": string is not valid UTF-8");
        out = std::string(s, n);
        return Status::success();
      }
      case LUA_TLIGHTUSERDATA:
        if (lua_touserdata(L_, index) == &json_null_sentinel) {
          out = nullptr;
          return Status::success();
        }
        break;
      case LUA_TTABLE:
        return convert_table(index, out, depth);
      default:
        break;
    }
    return fail(ErrorCode::invalid_argument,
                path_ + ": a " + luaL_typename(L_, index) + " cannot be converted to JSON");
  }

 private:
  Status convert_table(int index, Json& out, int depth) {
    const void* id = lua_topointer(L_, index);
    if (std::find(open_.begin(), open_.end(), id) != open_.end())
      return fail(ErrorCode::invalid_argument, path_ + ": table contains a cycle");
    luaL_checkstack(L_, 4, "JSON conversion");
    open_.push_back(id);
    Status status = convert_open_table(index, out, depth);
    open_.pop_back();
    return status;
  }

  Status convert_open_table(int index, Json& out, int depth) {
    std::size_t count = 0, strings = 0;
    lua_Integer largest = 0;
    lua_pushnil(L_);
    while (lua_next(L_, index) != 0) {
      lua_pop(L_, 1);
      ++count;
      if (lua_type(L_, -1) == LUA_TSTRING) {
        ++strings;
      } else if (lua_isinteger(L_, -1) && lua_tointeger(L_, -1) >= 1) {
        largest = std::max(largest, lua_tointeger(L_, -1));
      } else {
        std::string key = lua_type(L_, -1) == LUA_TNUMBER ? "number" : luaL_typename(L_, -1);
        if (lua_isinteger(L_, -1))
          key = std::string("integer ") + std::to_string(lua_tointeger(L_, -1));
        lua_pop(L_, 1);
        return fail(ErrorCode::invalid_argument,
                    path_ + ": table key (" + key + ") is neither a string nor a positive integer");
      }
    }
    bool marked = false;
    if (lua_getmetatable(L_, index)) {
      push_array_marker(L_);
      marked = lua_rawequal(L_, -1, -2) != 0;
      lua_pop(L_, 2);
    }
    if (strings != 0 && strings != count)
      return fail(ErrorCode::invalid_argument, path_ + ": table mixes integer and string keys");
    if (strings == 0 && (count > 0 || marked))
      return convert_array(index, out, depth, count, largest);
    return convert_object(index, out, depth);
  }

  Status convert_array(int index, Json& out, int depth, std::size_t count, lua_Integer largest) {
    if (static_cast<std::size_t>(largest) != count)
      return fail(ErrorCode::invalid_argument, path_ + ": array has holes (largest index " +
                                                   std::to_string(largest) + ", " +
                                                   std::to_string(count) + " elements)");
    out = Json::array();
    std::size_t base = path_.size();
    for (std::size_t i = 0; i < count; ++i) {
      lua_rawgeti(L_, index, static_cast<lua_Integer>(i + 1));
      path_ += '[';
      path_ += std::to_string(i);
      path_ += ']';
      Json element;
      Status status = convert(lua_gettop(L_), element, depth + 1);
      lua_pop(L_, 1);
      path_.resize(base);
      if (!status.ok()) return status;
      out.push_back(std::move(element));
    }
    return Status::success();
  }

  Status convert_object(int index, Json& out, int depth) {
    out = Json::object();
    std::size_t base = path_.size();
    lua_pushnil(L_);
    while (lua_next(L_, index) != 0) {
      std::size_t n = 0;
      const char* key = lua_tolstring(L_, -2, &n);
      if (!valid_utf8(key, n)) {
        lua_pop(L_, 2);
        return fail(ErrorCode::invalid_argument, path_ + ": table key is not valid UTF-8");
      }
      std::string name(key, n);
      path_ += std::string(".") + name;
      Json element;
      Status status = convert(lua_gettop(L_), element, depth + 1);
      path_.resize(base);
      lua_pop(L_, 1);
      if (!status.ok()) {
        lua_pop(L_, 1);
        return status;
      }
      out[name] = std::move(element);
    }
    return Status::success();
  }

  lua_State* L_;
  std::string path_;
  std::vector<const void*> open_;
  std::size_t elements_ = 0;
};

}  // namespace

void open_json_library(lua_State* L) {
  lua_newtable(L);
  lua_pushliteral(L, "json.array");
  lua_setfield(L, -2, "__metatable");
  lua_rawsetp(L, LUA_REGISTRYINDEX, &array_marker_key);
  lua_createtable(L, 0, 2);
  lua_pushlightuserdata(L, &json_null_sentinel);
  lua_setfield(L, -2, "null");
  lua_pushcfunction(L, json_array);
  lua_setfield(L, -2, "array");
  lua_setglobal(L, "json");
}

void push_json(lua_State* L, const nlohmann::json& value) {
  std::size_t elements = 0;
  push_value(L, value, 0, elements);
}

Status json_from_lua(lua_State* L, int index, nlohmann::json& out, std::string_view what) {
  Converter converter(L, what);
  return converter.convert(lua_absindex(L, index), out, 0);
}

}  // namespace recur::tools
