#include "tools/lua/lua_loops.hpp"

#include <bit>
#include <cstdint>

#include <lua.hpp>

#include "tools/lua/lua_budget.hpp"

namespace recur::tools {
namespace {

// What a table argument must support (as in Lua's ltablib.c): reading, writing, a length.
constexpr int kRead = 1;
constexpr int kWrite = 2;
constexpr int kLength = 4;

bool has_field(lua_State* L, const char* key, int n) {
  lua_pushstring(L, key);
  return lua_rawget(L, -n) != LUA_TNIL;
}

// Checks that argument `arg` is a table, or has a metatable with the metamethods `what` needs.
void check_table(lua_State* L, int arg, int what) {
  if (lua_type(L, arg) == LUA_TTABLE) return;
  int n = 1;
  if (lua_getmetatable(L, arg) && (!(what & kRead) || has_field(L, "__index", ++n)) &&
      (!(what & kWrite) || has_field(L, "__newindex", ++n)) &&
      (!(what & kLength) || has_field(L, "__len", ++n))) {
    lua_pop(L, n);
  } else {
    luaL_checktype(L, arg, LUA_TTABLE);
  }
}

lua_Integer checked_length(lua_State* L, int arg, int what) {
  check_table(L, arg, what | kLength);
  return luaL_len(L, arg);
}

// Charges the budget one step per element, in batches: the last, partial batch is counted
// without a look at the limits, which the next hook takes.
struct ElementCharge {
  static constexpr std::uint64_t kBatch = 1024;
  std::uint64_t pending = 0;

  void step(lua_State* L) {
    if (++pending < kBatch) return;
    pending = 0;
    charge_steps(L, kBatch);
  }
  void finish(lua_State* L) { budget_of(L).instructions_used += pending; }
};

// table.insert([t,] [pos,] value)
int budgeted_insert(lua_State* L) {
  const lua_Integer end = luaL_intop(+, checked_length(L, 1, kRead | kWrite), 1);
  lua_Integer position = end;
  switch (lua_gettop(L)) {
    case 2:
      break;
    case 3: {
      position = luaL_checkinteger(L, 2);
      luaL_argcheck(L, static_cast<lua_Unsigned>(position) - 1u < static_cast<lua_Unsigned>(end), 2,
                    "position out of bounds");
      ElementCharge charge;
      for (lua_Integer i = end; i > position; --i) {
        charge.step(L);
        lua_geti(L, 1, i - 1);
        lua_seti(L, 1, i);
      }
      charge.finish(L);
      break;
    }
    default:
      return luaL_error(L, "wrong number of arguments to 'insert'");
  }
  lua_seti(L, 1, position);
  return 0;
}

// table.remove(t [, pos])
int budgeted_remove(lua_State* L) {
  const lua_Integer size = checked_length(L, 1, kRead | kWrite);
  lua_Integer position = luaL_optinteger(L, 2, size);
  if (position != size)
    luaL_argcheck(L, static_cast<lua_Unsigned>(position) - 1u <= static_cast<lua_Unsigned>(size), 2,
                  "position out of bounds");
  lua_geti(L, 1, position);
  ElementCharge charge;
  for (; position < size; ++position) {
    charge.step(L);
    lua_geti(L, 1, position + 1);
    lua_seti(L, 1, position);
  }
  charge.finish(L);
  lua_pushnil(L);
  lua_seti(L, 1, position);
  return 1;
}

// table.move(a1, f, e, t [, a2])
int budgeted_move(lua_State* L) {
  const lua_Integer first = luaL_checkinteger(L, 2);
  const lua_Integer last = luaL_checkinteger(L, 3);
  const lua_Integer to = luaL_checkinteger(L, 4);
  const int target = !lua_isnoneornil(L, 5) ? 5 : 1;
  check_table(L, 1, kRead);
  check_table(L, target, kWrite);
  if (last >= first) {
    luaL_argcheck(L, first > 0 || last < LUA_MAXINTEGER + first, 3, "too many elements to move");
    const lua_Integer n = last - first + 1;
    luaL_argcheck(L, to <= LUA_MAXINTEGER - n + 1, 4, "destination wrap around");
    ElementCharge charge;
    if (to > last || to <= first || (target != 1 && !lua_compare(L, 1, target, LUA_OPEQ))) {
      for (lua_Integer i = 0; i < n; ++i) {
        charge.step(L);
        lua_geti(L, 1, first + i);
        lua_seti(L, target, to + i);
      }
    } else {
      for (lua_Integer i = n - 1; i >= 0; --i) {
        charge.step(L);
        lua_geti(L, 1, first + i);
        lua_seti(L, target, to + i);
      }
    }
    charge.finish(L);
  }
  lua_pushvalue(L, target);
  return 1;
}

// The library's own function in upvalue 1, with every call it makes charged.
int charging_calls(lua_State* L) {
  return call_charging_calls(L, lua_tocfunction(L, lua_upvalueindex(1)));
}

// The length of table argument `arg` when reading it runs no script code (no __len), else 0.
lua_Unsigned raw_length(lua_State* L, int arg) {
  if (lua_type(L, arg) != LUA_TTABLE) return 0;
  if (luaL_getmetafield(L, arg, "__len") != LUA_TNIL) {
    lua_pop(L, 1);
    return 0;
  }
  return lua_rawlen(L, arg);
}

// table.sort(t [, comp]), the library's own (upvalue 1): every call it makes is charged, and once
// it returns, the comparisons it made without one, n log2 n for n elements. Sorting a large table
// takes seconds in one call: a loop of such sorts stops at the first one past a limit.
int budgeted_sort(lua_State* L) {
  const lua_Unsigned n = raw_length(L, 1);
  const int results = call_charging_calls(L, lua_tocfunction(L, lua_upvalueindex(1)));
  charge_steps(L, static_cast<std::uint64_t>(n) * static_cast<std::uint64_t>(std::bit_width(n)));
  return results;
}

// string.rep(s, n [, sep]): an empty result at once, else the library's own (upvalue 1), whose
// result the memory cap bounds.
int budgeted_rep(lua_State* L) {
  std::size_t length = 0, separator = 0;
  luaL_checklstring(L, 1, &length);
  const lua_Integer n = luaL_checkinteger(L, 2);
  luaL_optlstring(L, 3, "", &separator);
  if (n > 0 && length + separator == 0) {
    lua_pushliteral(L, "");
    return 1;
  }
  return lua_tocfunction(L, lua_upvalueindex(1))(L);
}

void wrap_field(lua_State* L, int library, const char* name, lua_CFunction wrapper) {
  lua_getfield(L, library, name);
  lua_pushcclosure(L, wrapper, 1);
  lua_setfield(L, library, name);
}

}  // namespace

void install_budgeted_table_loops(lua_State* L, int table_library) {
  const luaL_Reg functions[] = {
      {"insert", budgeted_insert}, {"remove", budgeted_remove}, {"move", budgeted_move}};
  for (const auto& f : functions) {
    lua_pushcfunction(L, f.func);
    lua_setfield(L, table_library, f.name);
  }
  wrap_field(L, table_library, "sort", budgeted_sort);
  wrap_field(L, table_library, "concat", charging_calls);
}

void install_budgeted_string_loops(lua_State* L, int string_library) {
  wrap_field(L, string_library, "rep", budgeted_rep);
}

}  // namespace recur::tools
