// The mapping between JSON values and Lua values used for tool arguments and results.
//
//   JSON                      Lua
//   null                  ⇄   json.null (a unique light userdata); nil converts to null
//   true / false          ⇄   boolean
//   integer               ⇄   integer (beyond 64 bits: float)
//   number with a fraction ⇄  float (NaN and infinities are refused)
//   string                ⇄   string (must be valid UTF-8 going to JSON)
//   array                 ⇄   sequence table 1..n, marked with json.array's metatable so that an
//                             empty array stays an array
//   object                ⇄   table with string keys; an unmarked empty table is an object
//
// Refused with an error naming the path ("result.rows[3].x: ..."): nesting deeper than
// kMaxJsonDepth, more than kMaxJsonElements values, cycles, tables that mix integer and string keys
// or have holes, keys of other types, functions, threads and userdata. A table reached twice by
// different paths is converted twice.
#pragma once

#include <cstddef>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/result.hpp"

struct lua_State;

namespace recur::tools {

inline constexpr int kMaxJsonDepth = 64;
inline constexpr std::size_t kMaxJsonElements = 1'000'000;

// Sets the global `json` = {null = <sentinel>, array = function(t) marks t as an array; returns t}.
void open_json_library(lua_State* L);

// Pushes `value`. Raises a Lua error when it nests too deeply: call in protected mode.
void push_json(lua_State* L, const nlohmann::json& value);

// Converts the value at `index` into `out`, reading tables raw (no metamethod runs). Lua errors
// only for lack of memory: call in protected mode.
Status json_from_lua(lua_State* L, int index, nlohmann::json& out, std::string_view what);

}  // namespace recur::tools
