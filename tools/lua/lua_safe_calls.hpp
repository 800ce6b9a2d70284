// The functions of a sandboxed state that catch errors — pcall, xpcall and coroutine.resume,
// coroutine.wrap and coroutine.close — rewritten so that no script code runs where the budget's
// hook cannot stop it, and a stopped budget (lua_budget.hpp) cannot be caught:
//  - no message handler runs while an error is raised: Lua runs it at the point of the error,
//    with hooks disabled when the error comes from a hook, so a looping handler could never be
//    stopped. xpcall calls its handler once the protected call has unwound, as an ordinary call
//    (in protected mode: when the handler fails, xpcall returns false and the handler's error);
//  - each of them raises the budget's error again as soon as a stop reaches it, and makes a memory
//    error a stop;
//  - a coroutine killed by a stop is never closed: Lua would run its __close handlers with hooks
//    disabled (the hook's error leaves them so in the dead coroutine);
//  - a coroutine is not resumed after a stop, even one created before it.
#pragma once

struct lua_State;

namespace recur::tools {

// Replaces pcall and xpcall in the globals.
void install_safe_calls(lua_State* L);

// Replaces resume, wrap and close in the coroutine library table at `coroutine_table`.
void install_safe_coroutines(lua_State* L, int coroutine_table);

}  // namespace recur::tools
