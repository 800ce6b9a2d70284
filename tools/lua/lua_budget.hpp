// The budget of one sandboxed Lua state: memory, instructions and a wall-clock deadline. The
// allocator, the count hook and the library functions that loop in C (pattern matching) all charge
// it; it lives beside the state and is reached from it through the allocator's user data.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

struct lua_State;

namespace recur::tools {

struct LuaBudget {
  std::size_t memory_limit = 0;
  std::size_t memory_used = 0;
  std::uint64_t instruction_limit = 0;
  std::uint64_t instructions_used = 0;
  std::chrono::steady_clock::time_point deadline;
  std::chrono::milliseconds timeout{0};
  // Set once an instruction budget or the deadline is exceeded: the error every further step
  // raises.
  std::string exhausted;
  // Where the script was at the last hook ("bigint.lua", 42), for memory errors, which Lua reports
  // without a position.
  std::string last_source;
  int last_line = -1;
};

// The budget of the state `L` belongs to.
LuaBudget& budget_of(lua_State* L);

// Charges `steps` units of work done in C on behalf of the running script. When the instruction
// budget or the deadline is exceeded, marks the budget exhausted and raises a Lua error at the
// caller's position; from then on every instruction of the state fails.
void charge_steps(lua_State* L, std::uint64_t steps);

}  // namespace recur::tools
