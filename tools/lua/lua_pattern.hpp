// Lua 5.4's string.find, string.match, string.gmatch and string.gsub, with every matching step
// charged to the sandbox budget. The stock functions loop in C, where no hook can stop them:
// string.find(("a"):rep(1e6), ".-.-.-.-b") would run for hours. These follow the pattern semantics
// of the Lua 5.4 manual (§6.4.1): character classes, sets, the quantifiers * + - ?, anchors,
// captures and position captures, back references %1-%9, %b and %f.
#pragma once

struct lua_State;

namespace recur::tools {

// Replaces find, match, gmatch and gsub in the string library table at `string_table`.
void install_budgeted_patterns(lua_State* L, int string_table);

}  // namespace recur::tools
