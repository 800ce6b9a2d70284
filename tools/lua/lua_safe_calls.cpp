#include "tools/lua/lua_safe_calls.hpp"

#include <lua.hpp>

#include "tools/lua/lua_budget.hpp"

namespace recur::tools {
namespace {

// The continuation context of a protected call: the hook mask it started with, and for xpcall
// whether the call or its message handler runs.
constexpr lua_KContext kCalling = 0;
constexpr lua_KContext kHandling = 1;

lua_KContext context_of(int mask, lua_KContext phase) {
  return (static_cast<lua_KContext>(mask) << 1) | phase;
}

int mask_of(lua_KContext context) {
  return static_cast<int>(context >> 1);
}

bool failed(int status) {
  return status != LUA_OK && status != LUA_YIELD;
}

// pcall(f, ...) -> true, results... | false, error. The stack: true, results or error.
int finish_pcall(lua_State* L, int status, lua_KContext context) {
  raise_if_stopped_after(L, status, mask_of(context));
  if (failed(status)) {
    lua_pushboolean(L, 0);
    lua_pushvalue(L, -2);
    return 2;
  }
  return lua_gettop(L);
}

int safe_pcall(lua_State* L) {
  luaL_checkany(L, 1);
  lua_pushboolean(L, 1);
  lua_insert(L, 1);
  const lua_KContext context = context_of(lua_gethookmask(L), kCalling);
  return finish_pcall(L, lua_pcallk(L, lua_gettop(L) - 2, LUA_MULTRET, 0, context, finish_pcall),
                      context);
}

// xpcall(f, handler, ...) -> true, results... | false, handler(error). The stack: f, handler,
// true, then the results or the error; while the handler runs, its result or error.
int finish_xpcall(lua_State* L, int status, lua_KContext context) {
  const int mask = mask_of(context);
  raise_if_stopped_after(L, status, mask);
  if ((context & 1) == kCalling) {
    if (!failed(status)) return lua_gettop(L) - 2;
    lua_pushvalue(L, 2);
    lua_insert(L, -2);
    const lua_KContext handling = context_of(mask, kHandling);
    return finish_xpcall(L, lua_pcallk(L, 1, 1, 0, handling, finish_xpcall), handling);
  }
  lua_pushboolean(L, 0);
  lua_replace(L, 3);
  return 2;
}

int safe_xpcall(lua_State* L) {
  const int n = lua_gettop(L);
  luaL_checktype(L, 2, LUA_TFUNCTION);
  lua_pushboolean(L, 1);
  lua_pushvalue(L, 1);
  lua_rotate(L, 3, 2);
  const lua_KContext context = context_of(lua_gethookmask(L), kCalling);
  return finish_xpcall(L, lua_pcallk(L, n - 2, LUA_MULTRET, 0, context, finish_xpcall), context);
}

// After a coroutine `co` ended in error: a memory error stops the budget; a stop is raised again.
void raise_if_coroutine_stopped(lua_State* L, int status) {
  if (status == LUA_ERRMEM) stop_for_memory(budget_of(L));
  raise_if_stopped(L);
}

// coroutine.resume, the library's own, between two looks at the budget.
int safe_resume(lua_State* L) {
  raise_if_stopped(L);
  const int results = lua_tocfunction(L, lua_upvalueindex(1))(L);
  lua_State* co = lua_tothread(L, 1);
  raise_if_coroutine_stopped(L, co != nullptr ? lua_status(co) : LUA_OK);
  return results;
}

// The function coroutine.wrap returns, its coroutine in upvalue 1: resumes it, and on an error
// closes it (unless the error is a stop) and raises the error with the caller's position.
int call_wrapped(lua_State* L) {
  raise_if_stopped(L);
  lua_State* co = lua_tothread(L, lua_upvalueindex(1));
  const int args = lua_gettop(L);
  if (!lua_checkstack(co, args)) return luaL_error(L, "too many arguments to resume");
  lua_xmove(L, co, args);
  int results = 0;
  int status = lua_resume(co, L, args, &results);
  if (!failed(status)) {
    if (!lua_checkstack(L, results + 1)) {
      lua_pop(co, results);
      return luaL_error(L, "too many results to resume");
    }
    lua_xmove(co, L, results);
    raise_if_stopped(L);
    return results;
  }
  lua_xmove(co, L, 1);
  status = lua_status(co);
  raise_if_coroutine_stopped(L, status);
  if (failed(status)) {  // died of an error of its own: its __close handlers run, hooks on
    status = lua_resetthread(co);
    lua_xmove(co, L, 1);
    raise_if_coroutine_stopped(L, status);
  }
  if (status != LUA_ERRMEM && lua_type(L, -1) == LUA_TSTRING) {
    luaL_where(L, 1);
    lua_insert(L, -2);
    lua_concat(L, 2);
  }
  return lua_error(L);
}

int safe_wrap(lua_State* L) {
  luaL_checktype(L, 1, LUA_TFUNCTION);
  lua_State* co = lua_newthread(L);
  lua_pushvalue(L, 1);
  lua_xmove(L, co, 1);
  lua_pushcclosure(L, call_wrapped, 1);
  return 1;
}

// Whether `co` may be closed: suspended (yielded or not started) or dead.
bool closable(lua_State* L, lua_State* co) {
  if (co == L) return false;
  if (lua_status(co) != LUA_OK) return true;  // yielded, or dead of an error
  lua_Debug ar;
  return lua_getstack(co, 0, &ar) == 0;  // no frame: not started, or finished
}

int safe_close(lua_State* L) {
  lua_State* co = lua_tothread(L, 1);
  luaL_argexpected(L, co != nullptr, 1, "coroutine");
  raise_if_stopped(L);
  if (!closable(L, co))
    return luaL_error(L, "cannot close a %s coroutine", co == L ? "running" : "normal");
  const int status = lua_resetthread(co);
  raise_if_coroutine_stopped(L, status);
  if (status == LUA_OK) {
    lua_pushboolean(L, 1);
    return 1;
  }
  lua_pushboolean(L, 0);
  lua_xmove(co, L, 1);
  return 2;
}

}  // namespace

void install_safe_calls(lua_State* L) {
  lua_register(L, "pcall", safe_pcall);
  lua_register(L, "xpcall", safe_xpcall);
}

void install_safe_coroutines(lua_State* L, int coroutine_table) {
  lua_getfield(L, coroutine_table, "resume");
  lua_pushcclosure(L, safe_resume, 1);
  lua_setfield(L, coroutine_table, "resume");
  lua_pushcfunction(L, safe_wrap);
  lua_setfield(L, coroutine_table, "wrap");
  lua_pushcfunction(L, safe_close);
  lua_setfield(L, coroutine_table, "close");
}

}  // namespace recur::tools
