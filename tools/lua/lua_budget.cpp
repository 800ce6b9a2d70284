#include "tools/lua/lua_budget.hpp"

#include <lua.hpp>

namespace recur::tools {
namespace {

using Clock = std::chrono::steady_clock;

// How many calls the call hook lets pass between two looks at the clock and the interrupt flag.
constexpr std::uint32_t kCallsPerCheck = 256;

std::string position_of(const std::string& source, int line) {
  if (line <= 0) return source;
  return source + ":" + std::to_string(line);
}

// "chunk:line" of the innermost running Lua function, or of the last hook when none is.
std::string script_position(lua_State* L) {
  lua_Debug ar;
  for (int level = 0; lua_getstack(L, level, &ar) != 0; ++level) {
    if (lua_getinfo(L, "Sl", &ar) != 0 && ar.currentline > 0)
      return position_of(ar.short_src, ar.currentline);
  }
  const LuaBudget& budget = budget_of(L);
  if (budget.last_line > 0) return position_of(budget.last_source, budget.last_line);
  return std::string();
}

// The limit that has run out, or the interrupt that came, while the budget has not stopped yet.
LuaStop due_stop(LuaBudget& budget) {
  if (budget.interrupt_requested.load(std::memory_order_acquire)) return LuaStop::halted;
  if (budget.instructions_used > budget.instruction_limit) return LuaStop::instructions;
  if (Clock::now() > budget.deadline) return LuaStop::deadline;
  return LuaStop::none;
}

// Stops the budget for `stop` (not memory), the script being at `position` ("" when unknown).
void mark_stopped(LuaBudget& budget, LuaStop stop, const std::string& position) {
  if (budget.stop != LuaStop::none || stop == LuaStop::none) return;
  const std::string prefix = position.empty() ? std::string() : position + ": ";
  std::string message;
  if (stop == LuaStop::instructions) {
    message =
        prefix + "instruction budget of " + std::to_string(budget.instruction_limit) + " exceeded";
  } else if (stop == LuaStop::deadline) {
    message = prefix + "time limit of " + std::to_string(budget.timeout.count()) + " ms exceeded";
  } else {
    std::lock_guard lock(budget.interrupt_mutex);
    message = budget.interrupt_message;
  }
  budget.stop = stop;
  budget.exhausted = std::move(message);
  budget.stop_position = position;
}

void budget_hook(lua_State* L, lua_Debug* ar);

// Raises the stopped budget's error; from now on every instruction of `L` raises it too.
int raise_stop(lua_State* L) {
  lua_sethook(L, budget_hook, LUA_MASKCOUNT, 1);
  lua_pushstring(L, budget_of(L).exhausted.c_str());
  return lua_error(L);
}

void budget_hook(lua_State* L, lua_Debug* ar) {
  LuaBudget& budget = budget_of(L);
  if (ar->event != LUA_HOOKCOUNT) {  // a call made by a library loop (call_charging_calls)
    ++budget.instructions_used;
    if (budget.stop == LuaStop::none) {
      if (++budget.unchecked_calls < kCallsPerCheck) return;
      budget.unchecked_calls = 0;
      const LuaStop due = due_stop(budget);
      if (due == LuaStop::none) return;
      mark_stopped(budget, due, script_position(L));
    }
    raise_stop(L);
    return;
  }
  budget.instructions_used += budget.stop == LuaStop::none ? kHookInterval : 1;
  if (lua_getinfo(L, "Sl", ar) != 0) {
    budget.last_source = ar->short_src;
    budget.last_line = ar->currentline;
  }
  if (budget.stop == LuaStop::none) {
    const LuaStop due = due_stop(budget);
    if (due == LuaStop::none) return;
    mark_stopped(budget, due, position_of(budget.last_source, budget.last_line));
  }
  raise_stop(L);
}

}  // namespace

LuaBudget& budget_of(lua_State* L) {
  void* ud = nullptr;
  lua_getallocf(L, &ud);
  return *static_cast<LuaBudget*>(ud);
}

void arm_budget_hook(lua_State* L) {
  const bool stopped = budget_of(L).stop != LuaStop::none;
  lua_sethook(L, budget_hook, LUA_MASKCOUNT, stopped ? 1 : kHookInterval);
}

void charge_steps(lua_State* L, std::uint64_t steps) {
  LuaBudget& budget = budget_of(L);
  budget.instructions_used += steps;
  if (budget.stop == LuaStop::none) {
    const LuaStop due = due_stop(budget);
    if (due == LuaStop::none) return;
    mark_stopped(budget, due, script_position(L));
  }
  raise_stop(L);
}

void stop_for_memory(LuaBudget& budget) {
  if (budget.stop != LuaStop::none) return;
  std::string message = (budget.last_source.empty() ? std::string("lua") : budget.last_source) +
                        ": memory limit of " + std::to_string(budget.memory_limit) +
                        " bytes exceeded";
  if (budget.last_line > 0) message += " (near line " + std::to_string(budget.last_line) + ")";
  budget.stop = LuaStop::memory;
  budget.exhausted = std::move(message);
  budget.stop_position =
      budget.last_line > 0 ? position_of(budget.last_source, budget.last_line) : std::string();
}

void raise_if_stopped(lua_State* L) {
  charge_steps(L, 0);
}

void raise_if_stopped_after(lua_State* L, int status, int mask) {
  LuaBudget& budget = budget_of(L);
  if (status == LUA_ERRMEM) stop_for_memory(budget);
  if (status != LUA_OK && status != LUA_YIELD)
    lua_sethook(L, budget_hook, mask, budget.stop == LuaStop::none ? kHookInterval : 1);
  raise_if_stopped(L);
}

int call_charging_calls(lua_State* L, int (*f)(lua_State*)) {
  const int mask = lua_gethookmask(L);
  if ((mask & LUA_MASKCALL) != 0) return f(L);
  lua_sethook(L, budget_hook, mask | LUA_MASKCALL, lua_gethookcount(L));
  const int results = f(L);
  lua_sethook(L, budget_hook, mask, budget_of(L).stop == LuaStop::none ? kHookInterval : 1);
  return results;
}

}  // namespace recur::tools
