// The Lua 5.4 sandbox: a fresh lua_State per job, holding only the safe part of the standard
// library, with a memory cap (through the allocator), an instruction cap and a wall-clock deadline
// (through a count hook armed before any script runs). Lua tools run their handlers in it, and
// pipelines reuse it for user scripts.
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
// keeps running. After a budget or deadline is exceeded every further instruction fails, so a
// script cannot catch the error and go on.
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
  std::uint64_t instructions = 500'000'000;  // VM instructions plus pattern-matching steps
  std::chrono::milliseconds timeout{5'000};  // wall clock, from LuaSandbox::open
  bool coroutines = false;                   // expose the coroutine library
};

// The counters of one state, shared with its allocator, hook and budgeted library functions.
struct LuaBudget;

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
  Status call(int args, int results);

  // Pushes t[key] for the table t at stack `index`, read raw (no metamethod runs).
  Status get_field(int index, const char* key);

  // Pushes `value` as a Lua value (mapping in lua_json.hpp).
  Status push(const nlohmann::json& value);

  // Converts the value at stack `index` to JSON without running any script code; `what` names the
  // value in error messages ("result.rows[2]: number is not finite"). The stack is unchanged.
  Result<nlohmann::json> to_json(int index, std::string_view what);

  // The error of a failed resume or protected call on `thread` (this state or a coroutine of it),
  // whose error value is on top of thread's stack (popped): the budget's message when a budget ran
  // out, else the error value as text.
  Error failure_of(lua_State* thread, int status);

  // Stops the script running on `thread`: from now on each of its instructions raises `message`,
  // so a pcall cannot catch it and go on. For hosts that end a script from outside its budget
  // (a pipeline over its call budget, a cancelled job).
  void halt(lua_State* thread, std::string message);

  std::size_t memory_used() const;
  std::uint64_t instructions_used() const;

 private:
  LuaSandbox(std::unique_ptr<LuaBudget> budget, lua_State* L);
  // Turns the status of a protected call, and the error value on the stack, into an Error.
  Error failure(int status) { return failure_of(L_, status); }

  std::unique_ptr<LuaBudget> budget_;
  lua_State* L_ = nullptr;
};

}  // namespace recur::tools
