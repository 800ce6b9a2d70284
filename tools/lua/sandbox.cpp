#include "tools/lua/sandbox.hpp"

#include <cstdlib>
#include <exception>
#include <string>

#include <lua.hpp>

#include "tools/lua/lua_budget.hpp"
#include "tools/lua/lua_json.hpp"
#include "tools/lua/lua_loops.hpp"
#include "tools/lua/lua_pattern.hpp"
#include "tools/lua/lua_safe_calls.hpp"

namespace recur::tools {
namespace {

using Clock = std::chrono::steady_clock;

void* limited_alloc(void* ud, void* ptr, std::size_t osize, std::size_t nsize) {
  auto* budget = static_cast<LuaBudget*>(ud);
  std::size_t old = ptr != nullptr ? osize : 0;
  if (nsize == 0) {
    std::free(ptr);
    budget->memory_used -= old;
    return nullptr;
  }
  // Growth past the cap is refused; Lua then collects garbage and retries, or raises LUA_ERRMEM.
  if (nsize > old && nsize - old > budget->memory_limit - budget->memory_used) return nullptr;
  void* block = std::realloc(ptr, nsize);
  if (block == nullptr) return nullptr;
  budget->memory_used = budget->memory_used - old + nsize;
  return block;
}

int safe_collectgarbage(lua_State* L) {
  const char* option = luaL_optstring(L, 1, "collect");
  if (std::string_view(option) != "count")
    return luaL_error(L, "collectgarbage: only \"count\" is allowed, not \"%s\"", option);
  int kbytes = lua_gc(L, LUA_GCCOUNT, 0);
  int bytes = lua_gc(L, LUA_GCCOUNTB, 0);
  lua_pushnumber(L, static_cast<lua_Number>(kbytes) + static_cast<lua_Number>(bytes) / 1024.0);
  return 1;
}

// setmetatable without finalizers: __gc metamethods run with hooks disabled, so a looping one
// could not be stopped.
int safe_setmetatable(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  int type = lua_type(L, 2);
  luaL_argexpected(L, type == LUA_TNIL || type == LUA_TTABLE, 2, "nil or table");
  if (type == LUA_TTABLE) {
    lua_pushliteral(L, "__gc");
    if (lua_rawget(L, 2) != LUA_TNIL)
      return luaL_error(L, "setmetatable: __gc metamethods are not allowed");
    lua_pop(L, 1);
  }
  if (luaL_getmetafield(L, 1, "__metatable") != LUA_TNIL)
    return luaL_error(L, "cannot change a protected metatable");
  lua_settop(L, 2);
  lua_setmetatable(L, 1);
  return 1;
}

void clear_global(lua_State* L, const char* name) {
  lua_pushnil(L);
  lua_setglobal(L, name);
}

// Opens the safe library into the globals. Runs in protected mode (it allocates).
int open_safe_library(lua_State* L) {
  bool coroutines = lua_toboolean(L, 1) != 0;
  luaL_requiref(L, LUA_GNAME, luaopen_base, 1);
  lua_pop(L, 1);
  for (const char* name : {"dofile", "loadfile", "load", "print", "warn", "_G"})
    clear_global(L, name);
  lua_register(L, "collectgarbage", safe_collectgarbage);
  lua_register(L, "setmetatable", safe_setmetatable);
  install_safe_calls(L);

  // The string library: string methods index a private table; the global `string` is a copy.
  luaL_requiref(L, LUA_STRLIBNAME, luaopen_string, 0);
  lua_pushnil(L);
  lua_setfield(L, -2, "dump");
  install_budgeted_patterns(L, lua_absindex(L, -1));
  install_budgeted_string_loops(L, lua_absindex(L, -1));
  lua_newtable(L);
  lua_pushnil(L);
  while (lua_next(L, -3) != 0) {
    lua_pushvalue(L, -2);
    lua_insert(L, -2);
    lua_settable(L, -4);
  }
  lua_setglobal(L, LUA_STRLIBNAME);
  lua_pop(L, 1);
  lua_pushliteral(L, "");
  lua_getmetatable(L, -1);
  lua_pushboolean(L, 0);
  lua_setfield(L, -2, "__metatable");
  lua_pop(L, 2);

  luaL_requiref(L, LUA_MATHLIBNAME, luaopen_math, 1);
  lua_getfield(L, -1, "randomseed");
  lua_pushinteger(L, 0);
  lua_call(L, 1, 0);
  lua_pop(L, 1);
  luaL_requiref(L, LUA_TABLIBNAME, luaopen_table, 1);
  install_budgeted_table_loops(L, lua_absindex(L, -1));
  luaL_requiref(L, LUA_UTF8LIBNAME, luaopen_utf8, 1);
  lua_pop(L, 2);
  if (coroutines) {
    luaL_requiref(L, LUA_COLIBNAME, luaopen_coroutine, 1);
    install_safe_coroutines(L, lua_absindex(L, -1));
    lua_pop(L, 1);
  }
  open_json_library(L);
  return 0;
}

struct PushRequest {
  const nlohmann::json* value;
};

int push_protected(lua_State* L) {
  auto* request = static_cast<PushRequest*>(lua_touserdata(L, 1));
  lua_settop(L, 0);
  try {
    push_json(L, *request->value);
  } catch (const std::exception& e) {
    return luaL_error(L, "%s", e.what());
  }
  return 1;
}

int get_field_protected(lua_State* L) {
  lua_pushstring(L, static_cast<const char*>(lua_touserdata(L, 2)));
  lua_rawget(L, 1);
  return 1;
}

struct ConvertRequest {
  std::string_view what;
  nlohmann::json value;
  Status status;
};

int convert_protected(lua_State* L) {
  auto* request = static_cast<ConvertRequest*>(lua_touserdata(L, 2));
  try {
    request->status = json_from_lua(L, 1, request->value, request->what);
  } catch (const std::exception& e) {
    return luaL_error(L, "%s", e.what());
  }
  return 0;
}

}  // namespace

Result<std::unique_ptr<LuaSandbox>> LuaSandbox::open(const LuaLimits& limits,
                                                     Clock::time_point deadline) {
  auto budget = std::make_unique<LuaBudget>();
  budget->memory_limit = limits.memory_bytes;
  budget->instruction_limit = limits.instructions;
  budget->timeout = limits.timeout;
  auto now = Clock::now();
  budget->deadline =
      deadline <= now || deadline - now < limits.timeout ? deadline : now + limits.timeout;
  lua_State* L = lua_newstate(limited_alloc, budget.get());
  if (L == nullptr)
    return fail(ErrorCode::resource_exhausted,
                std::string("lua sandbox: cannot create a state within ") +
                    std::to_string(limits.memory_bytes) + " bytes");
  arm_budget_hook(L);
  std::unique_ptr<LuaSandbox> sandbox(new LuaSandbox(std::move(budget), L));
  lua_pushcfunction(L, open_safe_library);
  lua_pushboolean(L, limits.coroutines ? 1 : 0);
  int status = lua_pcall(L, 1, 0, 0);
  if (status != LUA_OK) {
    Error error = sandbox->failure(status);
    return fail(ErrorCode::internal, "lua sandbox: cannot open the library: " + error.message);
  }
  return sandbox;
}

LuaSandbox::LuaSandbox(std::unique_ptr<LuaBudget> budget, lua_State* L)
    : budget_(std::move(budget)), L_(L) {}

LuaSandbox::~LuaSandbox() {
  // Closing runs no script code: no finalizer of the script exists (setmetatable refuses __gc), the
  // main thread has no pending __close handler (every call on it is a finished protected call), and
  // those of other threads are dropped.
  if (L_ != nullptr) lua_close(L_);
}

Status LuaSandbox::run(std::string_view source, std::string_view chunk_name, int results) {
  if (!lua_checkstack(L_, results + 2))
    return fail(ErrorCode::resource_exhausted, "lua sandbox: stack overflow");
  std::string name = "=";
  name += chunk_name;
  if (budget_->last_line < 0) budget_->last_source = chunk_name;
  int status = luaL_loadbufferx(L_, source.data(), source.size(), name.c_str(), "t");
  if (status != LUA_OK) return failure(status);
  return call(0, results);
}

Status LuaSandbox::call(int args, int results) {
  if (!lua_checkstack(L_, results + 2))
    return fail(ErrorCode::resource_exhausted, "lua sandbox: stack overflow");
  if (take_stop()) {
    lua_pop(L_, args + 1);
    return stop_error();
  }
  arm_budget_hook(L_);  // from a full interval, and without what an error may have left
  int status = lua_pcall(L_, args, results, 0);
  if (status != LUA_OK) return failure(status);
  if (take_stop()) {
    lua_pop(L_, results);
    return stop_error();
  }
  return Status::success();
}

Status LuaSandbox::push(const nlohmann::json& value) {
  if (!lua_checkstack(L_, 3))
    return fail(ErrorCode::resource_exhausted, "lua sandbox: stack overflow");
  PushRequest request{&value};
  lua_pushcfunction(L_, push_protected);
  lua_pushlightuserdata(L_, &request);
  int status = lua_pcall(L_, 1, 1, 0);
  if (status != LUA_OK) return failure(status);
  return Status::success();
}

Status LuaSandbox::get_field(int index, const char* key) {
  index = lua_absindex(L_, index);
  if (lua_type(L_, index) != LUA_TTABLE)
    return fail(ErrorCode::invalid_argument, std::string("lua sandbox: not a table"));
  if (!lua_checkstack(L_, 4))
    return fail(ErrorCode::resource_exhausted, "lua sandbox: stack overflow");
  lua_pushcfunction(L_, get_field_protected);
  lua_pushvalue(L_, index);
  lua_pushlightuserdata(L_, const_cast<char*>(key));
  int status = lua_pcall(L_, 2, 1, 0);
  if (status != LUA_OK) return failure(status);
  return Status::success();
}

Result<nlohmann::json> LuaSandbox::to_json(int index, std::string_view what) {
  index = lua_absindex(L_, index);
  if (!lua_checkstack(L_, 4))
    return fail(ErrorCode::resource_exhausted, "lua sandbox: stack overflow");
  ConvertRequest request{what, nullptr, Status::success()};
  lua_pushcfunction(L_, convert_protected);
  lua_pushvalue(L_, index);
  lua_pushlightuserdata(L_, &request);
  int status = lua_pcall(L_, 2, 0, 0);
  if (status != LUA_OK) return failure(status);
  if (!request.status.ok()) return request.status.error();
  return std::move(request.value);
}

std::size_t LuaSandbox::memory_used() const {
  return budget_->memory_used;
}

std::uint64_t LuaSandbox::instructions_used() const {
  return budget_->instructions_used;
}

void LuaSandbox::halt(lua_State* thread, std::string message) {
  if (budget_->stop == LuaStop::none) {
    budget_->stop = LuaStop::halted;
    budget_->exhausted = std::move(message);
  }
  arm_budget_hook(thread);
}

void LuaSandbox::interrupt(std::string message) {
  std::lock_guard lock(budget_->interrupt_mutex);
  if (budget_->interrupt_requested.load(std::memory_order_relaxed)) return;
  budget_->interrupt_message = std::move(message);
  budget_->interrupt_requested.store(true, std::memory_order_release);
}

void LuaSandbox::set_timeout(std::chrono::milliseconds timeout) {
  budget_->timeout = timeout;
  budget_->deadline = Clock::now() + timeout;
}

LuaStop LuaSandbox::stopped() const {
  return budget_->stop;
}

const std::string& LuaSandbox::stop_position() const {
  return budget_->stop_position;
}

bool LuaSandbox::take_stop() {
  if (budget_->stop == LuaStop::none &&
      budget_->interrupt_requested.load(std::memory_order_acquire)) {
    std::lock_guard lock(budget_->interrupt_mutex);
    budget_->stop = LuaStop::halted;
    budget_->exhausted = budget_->interrupt_message;
  }
  return budget_->stop != LuaStop::none;
}

Error LuaSandbox::stop_error() const {
  switch (budget_->stop) {
    case LuaStop::instructions:
    case LuaStop::memory:
      return fail(ErrorCode::resource_exhausted, budget_->exhausted);
    case LuaStop::deadline:
      return fail(ErrorCode::deadline_exceeded, budget_->exhausted);
    case LuaStop::halted:
      return fail(ErrorCode::cancelled, budget_->exhausted);
    case LuaStop::none:
      break;
  }
  return fail(ErrorCode::internal, "lua sandbox: the script has not stopped");
}

Error LuaSandbox::failure_of(lua_State* L, int status) {
  std::string message;
  if (status == LUA_ERRMEM) stop_for_memory(*budget_);
  if (budget_->stop != LuaStop::none) {
    lua_pop(L, 1);
    return stop_error();
  } else if (lua_type(L, -1) == LUA_TSTRING) {
    message = lua_tostring(L, -1);
  } else if (lua_type(L, -1) == LUA_TNUMBER) {
    message = lua_isinteger(L, -1) ? std::to_string(lua_tointeger(L, -1))
                                   : std::to_string(lua_tonumber(L, -1));
  } else {
    message = std::string("error object is a ") + luaL_typename(L, -1) + " value";
  }
  lua_pop(L, 1);
  return fail(ErrorCode::invalid_argument, message);
}

}  // namespace recur::tools
