// The budget of one sandboxed Lua state: memory, instructions, a wall-clock deadline and a stop
// request from outside. The allocator, the count hook and the library functions that loop in C
// (pattern matching, table loops) all charge it; it lives beside the state and is reached from it
// through the allocator's user data.
//
// Once a limit runs out, or the host halts or interrupts the script, the budget is stopped for
// good: its message is raised by every further instruction of every coroutine of the state, and
// by every function that catches errors (pcall, xpcall, coroutine.resume, ...) as soon as the
// error reaches it, so no script code runs after a stop except the __close handlers of the frames
// the error unwinds, each of which fails at its first instruction.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>

#include "tools/lua/sandbox.hpp"

struct lua_State;
struct lua_Debug;

namespace recur::tools {

// The count hook runs every kHookInterval instructions; once the budget stopped, every one.
inline constexpr int kHookInterval = 1000;

struct LuaBudget {
  std::size_t memory_limit = 0;
  std::size_t memory_used = 0;
  std::uint64_t instruction_limit = 0;
  std::uint64_t instructions_used = 0;
  std::chrono::steady_clock::time_point deadline;
  std::chrono::milliseconds timeout{0};
  // Set once the budget stopped: the error every further step raises, why, and where the script
  // was ("bigint.lua:42", "" when unknown).
  std::string exhausted;
  LuaStop stop = LuaStop::none;
  std::string stop_position;
  // Where the script was at the last hook ("bigint.lua", 42), for memory errors, which Lua reports
  // without a position.
  std::string last_source;
  int last_line = -1;
  // Calls seen by the call hook since it last looked at the clock.
  std::uint32_t unchecked_calls = 0;

  // A stop requested from another thread (LuaSandbox::interrupt): the flag is read by the hooks,
  // the message under the mutex.
  std::atomic<bool> interrupt_requested{false};
  std::mutex interrupt_mutex;
  std::string interrupt_message;
};

// The budget of the state `L` belongs to.
LuaBudget& budget_of(lua_State* L);

// Installs the budget's hook on thread `L`: a count hook every kHookInterval instructions, or
// every instruction once the budget stopped. Coroutines created from `L` inherit it.
void arm_budget_hook(lua_State* L);

// Charges `steps` units of work done in C on behalf of the running script. When the instruction
// budget or the deadline is exceeded, or an interrupt came, stops the budget and raises its error
// at the caller's position.
void charge_steps(lua_State* L, std::uint64_t steps);

// Marks the budget stopped because the memory cap refused an allocation that a collection could
// not make room for (a LUA_ERRMEM error), unless it already stopped.
void stop_for_memory(LuaBudget& budget);

// Raises the budget's error on `L` when it has stopped, or when a limit has run out or an
// interrupt came since the last hook; returns otherwise. For functions about to run script code.
void raise_if_stopped(lua_State* L);

// For functions that catch errors: after a protected call on `L` that started with hook mask
// `mask` returned `status`, restores that mask (a library loop the error left may have widened
// it), makes a memory error a stop, and raises the budget's error when it has stopped.
void raise_if_stopped_after(lua_State* L, int status, int mask);

// Runs the library function `f` in the current call frame of `L` (its arguments are on the
// stack) with a hook on every function call it makes, each charged as one step: a loop in C that
// calls back (a comparator, an __index metamethod, possibly themselves written in C) runs no Lua
// instruction the count hook could see. Returns what `f` returns.
int call_charging_calls(lua_State* L, int (*f)(lua_State*));

}  // namespace recur::tools
