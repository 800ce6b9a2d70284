// The Lua 5.4 sandbox: a fresh lua_State per job, holding only the safe part of the standard
// library, with a memory cap (through the allocator), an instruction cap and a wall-clock deadline
// (through a count hook armed before any script runs), and a stop that another thread may request
// at any time. Lua tools run their handlers in it, and pipelines reuse it for user scripts.
//
// What a script sees: the base functions assert, error, getmetatable, ipairs, next, pairs, pcall,
// rawequal, rawget, rawlen, rawset, select, setmetatable (refuses __gc), tonumber, tostring, type,
// xpcall, _VERSION and collectgarbage("count"); the libraries string (without dump; find, match,
// gmatch and gsub are budgeted), math (seeded with 0), table and utf8; `json` (json.null,
// json.array) for the JSON mapping of lua_json.hpp; coroutine only when LuaLimits::coroutines is
// set. There is no io, os, debug, package, require, load, loadfile, dofile, print or _G. The string
// metatable is protected (getmetatable("") is false) and its __index is a private copy of the
// string library, so nothing a script does to `string` changes string methods.
//
// Every operation of LuaSandbox runs in protected mode: a failing, over-budget or out-of-memory
// script gives an error value ("bigint.lua:42: instruction budget of 1000000 exceeded"); the host
// keeps running. Once a budget is exceeded, the memory cap is hit (an allocation that a collection
// could not make room for), or the host halts or interrupts the script, the state is stopped for
// good (lua_budget.hpp): every further instruction of every coroutine fails, and the functions
// that catch errors raise the stop again at once, so a script cannot catch it and go on.
//
// Script code can only run where the count hook sees it. What makes that so:
//  - pcall, xpcall and coroutine.resume/wrap/close are the sandbox's own (lua_safe_calls.hpp): no
//    message handler ever runs while an error is raised (Lua would run it with hooks disabled when
//    the error comes from the hook); xpcall calls its handler once the protected call has unwound,
//    as an ordinary call, and when the handler fails it returns false and the handler's error;
//  - __close handlers run with the hook on, and those of a coroutine that the stop killed are
//    never run;
//  - no finalizer of the script exists: setmetatable refuses a metatable with __gc, and a __gc
//  added to a
//    metatable afterwards does not mark anything for finalization (Lua checks it only in
//    setmetatable), so neither collections nor closing the state run script code;
//  - library functions that loop in C over counts a script picks are charged per element or per
//    call (lua_loops.hpp), string patterns per matching step (lua_pattern.hpp); string.rep and
//    table.concat build results that the memory cap bounds.
// A single instruction or library call may still do work in proportion to the data it touches
// (copying a 100 MB string); the memory cap bounds that data, but since the hook looks at the
// clock and for an interrupt only every 1000 instructions, a loop of such instructions can be
// stopped late by as many of them.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/result.hpp"

struct lua_State;

namespace recur::tools {

struct LuaLimits {
  std::size_t memory_bytes = 64u << 20;      // everything the state allocates
  std::uint64_t instructions = 500'000'000;  // VM instructions plus library steps (lua_loops.hpp)
  std::chrono::milliseconds timeout{5'000};  // wall clock, from LuaSandbox::open
  bool coroutines = false;                   // expose the coroutine library
};

// The counters of one state, shared with its allocator, hook and budgeted library functions.
struct LuaBudget;

// Why a state stopped for good: a limit that ran out, or halt()/interrupt() from the host.
enum class LuaStop { none, instructions, deadline, memory, halted };

class LuaSandbox {
 public:
  using Clock = std::chrono::steady_clock;

  // A fresh state with the safe library and armed limits. The deadline is the earlier of
  // now + limits.timeout and `deadline`. Fails only when the state cannot be built (no memory).
  static Result<std::unique_ptr<LuaSandbox>> open(
      const LuaLimits& limits, Clock::time_point deadline = Clock::time_point::max());
  ~LuaSandbox();
  LuaSandbox(const LuaSandbox&) = delete;
  LuaSandbox& operator=(const LuaSandbox&) = delete;

  // The raw state, for hosts that add their own functions. Its globals are the safe set above.
  lua_State* state() const { return L_; }

  // Compiles `source` as a text chunk (bytecode is refused) named `chunk_name` — messages read
  // "chunk_name:line: message" — runs it and leaves its first `results` values on the stack.
  Status run(std::string_view source, std::string_view chunk_name, int results);

  // Calls the function lying below the top `args` values; leaves `results` values on the stack.
  // Once the state stopped, fails with the stop without running anything.
  Status call(int args, int results);

  // Pushes t[key] for the table t at stack `index`, read raw (no metamethod runs).
  Status get_field(int index, const char* key);

  // Pushes `value` as a Lua value (mapping in lua_json.hpp).
  Status push(const nlohmann::json& value);

  // Converts the value at stack `index` to JSON without running any script code; `what` names the
  // value in error messages ("result.rows[2]: number is not finite"). The stack is unchanged.
  Result<nlohmann::json> to_json(int index, std::string_view what);

  // The error of a failed resume or protected call on `thread` (this state or a coroutine of it),
  // whose error value is on top of thread's stack (popped): the stop's message when the state
  // stopped (resource_exhausted for instructions and memory, deadline_exceeded, cancelled for a
  // halt or interrupt), else the error value as text (invalid_argument). A memory error stops the
  // state.
  Error failure_of(lua_State* thread, int status);

  // Stops the script running on `thread`: from now on each of its instructions raises `message`,
  // so a pcall cannot catch it and go on. For hosts that end a script from outside its budget
  // (a pipeline over its call budget, a cancelled job). Only on the thread that runs the state.
  void halt(lua_State* thread, std::string message);

  // Stops the state from any thread, also while a script runs on another: the script fails with
  // `message` at its next hook (within 1000 instructions, or the next budgeted step of a library
  // loop), and so does everything run in the state afterwards. The first stop wins: after
  // a budget ran out or an earlier halt/interrupt, this changes nothing.
  void interrupt(std::string message);

  // Restarts the wall clock: the deadline becomes now + `timeout`, and messages name `timeout`.
  // For hosts whose time budget starts later than the state (a pipeline opened, then started).
  void set_timeout(std::chrono::milliseconds timeout);

  // Why the state stopped for good (LuaStop::none while it has not), and where the script was
  // then ("frontier.lua:12", "" when unknown). On the thread that runs the state.
  LuaStop stopped() const;
  const std::string& stop_position() const;

  std::size_t memory_used() const;
  std::uint64_t instructions_used() const;

 private:
  LuaSandbox(std::unique_ptr<LuaBudget> budget, lua_State* L);
  // Turns the status of a protected call, and the error value on the stack, into an Error.
  Error failure(int status) { return failure_of(L_, status); }
  // Whether the state stopped, taking in an interrupt that no hook has seen yet.
  bool take_stop();
  // The stop as an Error: resource_exhausted, deadline_exceeded or cancelled.
  Error stop_error() const;

  std::unique_ptr<LuaBudget> budget_;
  lua_State* L_ = nullptr;
};

}  // namespace recur::tools
