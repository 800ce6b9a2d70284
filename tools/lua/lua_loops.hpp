// The library functions that loop in C over a count the script picks, made to charge the budget:
// the count hook sees no instruction while they run, so without a charge
//   table.move({}, 1, 1 << 62, 2, {})
//   table.insert(t, 1, x)          -- t built so that #t is 2^61 with a hundred entries
//   table.sort(t, pcall)           -- a comparator written in C
//   table.concat(setmetatable({}, {__index = table.concat}), "", 1, 1 << 62)
//   string.rep("", 1 << 62)
// would run for years, allocating nothing the memory cap could refuse. table.insert, table.remove
// and table.move charge one step per element they move; table.sort and table.concat charge one
// step per function they call (comparators, metamethods), and table.sort, once done, n log2 n
// steps for its n elements; string.rep of an empty result returns at once. Results, errors and
// their messages are those of Lua 5.4's own functions.
#pragma once

struct lua_State;

namespace recur::tools {

// Replaces insert, remove, move, sort and concat in the table library table at `table_library`.
void install_budgeted_table_loops(lua_State* L, int table_library);

// Replaces rep in the string library table at `string_library`.
void install_budgeted_string_loops(lua_State* L, int string_library);

}  // namespace recur::tools
