#include "tools/lua/lua_pattern.hpp"

#include <cstring>

#include <lua.hpp>

#include "tools/lua/pattern_matcher.hpp"

namespace recur::tools {
namespace {

// A 1-based start position, negative counting from the end, clipped to 1.
std::size_t start_position(lua_Integer position, std::size_t length) {
  if (position > 0) return static_cast<std::size_t>(position);
  if (position == 0) return 1;
  if (position < -static_cast<lua_Integer>(length)) return 1;
  return length + static_cast<std::size_t>(position + 1);
}

bool has_specials(const char* p, std::size_t lp) {
  for (std::size_t i = 0; i < lp; ++i)
    if (std::strchr("^$*+?.([%-", p[i]) != nullptr && p[i] != '\0') return true;
  return false;
}

// Plain substring search, charging the bytes it compares.
const char* plain_find(PatternMatcher& m, const char* s, std::size_t ls, const char* p,
                       std::size_t lp) {
  if (lp == 0) return s;
  if (lp > ls) return nullptr;
  const char* last = s + (ls - lp);
  while (s <= last) {
    const void* hit = std::memchr(s, p[0], static_cast<std::size_t>(last - s) + 1);
    if (hit == nullptr) {
      m.charge(static_cast<std::uint64_t>(last - s) / 64 + 1);
      return nullptr;
    }
    const char* candidate = static_cast<const char*>(hit);
    m.charge(static_cast<std::uint64_t>(candidate - s) / 64 + lp);
    if (std::memcmp(candidate + 1, p + 1, lp - 1) == 0) return candidate;
    s = candidate + 1;
  }
  return nullptr;
}

int find_or_match(lua_State* L, bool find) {
  std::size_t ls = 0, lp = 0;
  const char* s = luaL_checklstring(L, 1, &ls);
  const char* p = luaL_checklstring(L, 2, &lp);
  std::size_t init = start_position(luaL_optinteger(L, 3, 1), ls) - 1;
  if (init > ls) {
    luaL_pushfail(L);
    return 1;
  }
  PatternMatcher m = PatternMatcher::over(L, s, ls, p, lp);
  if (find && (lua_toboolean(L, 4) || !has_specials(p, lp))) {
    const char* found = plain_find(m, s + init, ls - init, p, lp);
    if (found != nullptr) {
      lua_pushinteger(L, static_cast<lua_Integer>(found - s + 1));
      lua_pushinteger(L, static_cast<lua_Integer>(found - s + lp));
      return 2;
    }
    luaL_pushfail(L);
    return 1;
  }
  bool anchor = lp > 0 && *p == '^';
  if (anchor) ++p;
  const char* start = s + init;
  do {
    m.reset();
    const char* end = m.match(start, p);
    if (end != nullptr) {
      if (!find) return m.push_captures(start, end);
      lua_pushinteger(L, static_cast<lua_Integer>(start - s + 1));
      lua_pushinteger(L, static_cast<lua_Integer>(end - s));
      return m.push_captures(nullptr, nullptr) + 2;
    }
  } while (start++ < m.src_end && !anchor);
  luaL_pushfail(L);
  return 1;
}

int str_find(lua_State* L) {
  return find_or_match(L, true);
}
int str_match(lua_State* L) {
  return find_or_match(L, false);
}

struct GmatchState {
  const char* src;
  const char* pattern;
  const char* last_match;
  PatternMatcher m;
};

int gmatch_next(lua_State* L) {
  auto* state = static_cast<GmatchState*>(lua_touserdata(L, lua_upvalueindex(3)));
  state->m.L = L;
  for (const char* src = state->src; src <= state->m.src_end; ++src) {
    state->m.reset();
    const char* end = state->m.match(src, state->pattern);
    if (end != nullptr && end != state->last_match) {
      state->src = state->last_match = end;
      return state->m.push_captures(src, end);
    }
  }
  state->src = state->m.src_end + 1;
  return 0;
}

int str_gmatch(lua_State* L) {
  std::size_t ls = 0, lp = 0;
  const char* s = luaL_checklstring(L, 1, &ls);
  const char* p = luaL_checklstring(L, 2, &lp);
  std::size_t init = start_position(luaL_optinteger(L, 3, 1), ls) - 1;
  if (init > ls) init = ls + 1;
  lua_settop(L, 2);  // the subject and the pattern stay alive as upvalues
  auto* state = static_cast<GmatchState*>(lua_newuserdatauv(L, sizeof(GmatchState), 0));
  state->src = s + init;
  state->pattern = p;
  state->last_match = nullptr;
  state->m = PatternMatcher::over(L, s, ls, p, lp);
  lua_pushcclosure(L, gmatch_next, 3);
  return 1;
}

void add_replacement_string(PatternMatcher& m, luaL_Buffer* b, const char* s, const char* e) {
  lua_State* L = m.L;
  std::size_t l = 0;
  const char* text = lua_tolstring(L, 3, &l);
  const char* end = text + l;
  const char* p;
  while ((p = static_cast<const char*>(
              std::memchr(text, '%', static_cast<std::size_t>(end - text)))) != nullptr) {
    luaL_addlstring(b, text, static_cast<std::size_t>(p - text));
    ++p;
    if (p < end && *p == '%') {
      luaL_addchar(b, '%');
    } else if (p < end && *p == '0') {
      luaL_addlstring(b, s, static_cast<std::size_t>(e - s));
    } else if (p < end && *p >= '1' && *p <= '9') {
      m.push_capture(*p - '1', s, e);
      luaL_tolstring(L, -1, nullptr);
      lua_remove(L, -2);
      luaL_addvalue(b);
    } else {
      luaL_error(L, "invalid use of '%%' in replacement string");
    }
    text = p + 1;
  }
  luaL_addlstring(b, text, static_cast<std::size_t>(end - text));
}

// Appends the replacement of the match s..e; returns whether it differs from the match.
bool add_replacement(PatternMatcher& m, luaL_Buffer* b, const char* s, const char* e, int type) {
  lua_State* L = m.L;
  if (type == LUA_TFUNCTION) {
    lua_pushvalue(L, 3);
    int n = m.push_captures(s, e);
    lua_call(L, n, 1);
  } else if (type == LUA_TTABLE) {
    m.push_capture(0, s, e);
    lua_gettable(L, 3);
  } else {
    add_replacement_string(m, b, s, e);
    return true;
  }
  if (!lua_toboolean(L, -1)) {
    lua_pop(L, 1);
    luaL_addlstring(b, s, static_cast<std::size_t>(e - s));
    return false;
  }
  if (!lua_isstring(L, -1)) luaL_error(L, "invalid replacement value (a %s)", luaL_typename(L, -1));
  luaL_addvalue(b);
  return true;
}

int str_gsub(lua_State* L) {
  std::size_t ls = 0, lp = 0;
  const char* src = luaL_checklstring(L, 1, &ls);
  const char* p = luaL_checklstring(L, 2, &lp);
  int type = lua_type(L, 3);
  lua_Integer max_replacements = luaL_optinteger(L, 4, static_cast<lua_Integer>(ls) + 1);
  luaL_argexpected(
      L, type == LUA_TNUMBER || type == LUA_TSTRING || type == LUA_TFUNCTION || type == LUA_TTABLE,
      3, "string/function/table");
  PatternMatcher m = PatternMatcher::over(L, src, ls, p, lp);
  bool anchor = lp > 0 && *p == '^';
  if (anchor) ++p;
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  const char* last_match = nullptr;
  lua_Integer n = 0;
  bool changed = false;
  while (n < max_replacements) {
    m.reset();
    const char* end = m.match(src, p);
    if (end != nullptr && end != last_match) {
      ++n;
      changed = add_replacement(m, &b, src, end, type) || changed;
      src = last_match = end;
    } else if (src < m.src_end) {
      luaL_addchar(&b, *src++);
    } else {
      break;
    }
    if (anchor) break;
  }
  if (!changed) {
    lua_pushvalue(L, 1);
  } else {
    luaL_addlstring(&b, src, static_cast<std::size_t>(m.src_end - src));
    luaL_pushresult(&b);
  }
  lua_pushinteger(L, n);
  return 2;
}

}  // namespace

void install_budgeted_patterns(lua_State* L, int string_table) {
  const luaL_Reg functions[] = {
      {"find", str_find}, {"match", str_match}, {"gmatch", str_gmatch}, {"gsub", str_gsub}};
  for (const auto& f : functions) {
    lua_pushcfunction(L, f.func);
    lua_setfield(L, string_table, f.name);
  }
}

}  // namespace recur::tools
