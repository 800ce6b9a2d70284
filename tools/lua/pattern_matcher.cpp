#include "tools/lua/pattern_matcher.hpp"

#include <cctype>
#include <cstring>

#include <lua.hpp>

#include "tools/lua/lua_budget.hpp"

namespace recur::tools {
namespace {

constexpr std::uint64_t kChargeEvery = 1024;

int uchar(char c) {
  return static_cast<unsigned char>(c);
}

// Does byte `c` belong to class `%cl`? Upper-case class letters complement the class.
bool match_class(int c, int cl) {
  bool in;
  switch (std::tolower(cl)) {
    case 'a':
      in = std::isalpha(c);
      break;
    case 'c':
      in = std::iscntrl(c);
      break;
    case 'd':
      in = std::isdigit(c);
      break;
    case 'g':
      in = std::isgraph(c);
      break;
    case 'l':
      in = std::islower(c);
      break;
    case 'p':
      in = std::ispunct(c);
      break;
    case 's':
      in = std::isspace(c);
      break;
    case 'u':
      in = std::isupper(c);
      break;
    case 'w':
      in = std::isalnum(c);
      break;
    case 'x':
      in = std::isxdigit(c);
      break;
    default:
      return cl == c;
  }
  return std::isupper(cl) ? !in : in;
}

}  // namespace

PatternMatcher PatternMatcher::over(lua_State* L, const char* s, std::size_t ls, const char* p,
                                    std::size_t lp) {
  PatternMatcher m;
  m.L = L;
  m.src_init = s;
  m.src_end = s + ls;
  m.pat_end = p + lp;
  m.level = 0;
  m.depth = 0;
  m.steps = 0;
  return m;
}

void PatternMatcher::charge(std::uint64_t n) {
  steps += n;
  if (steps >= kChargeEvery) {
    std::uint64_t due = steps;
    steps = 0;
    charge_steps(L, due);
  }
}

const char* PatternMatcher::match(const char* s, const char* p) {
  if (++depth > kMaxPatternDepth) luaL_error(L, "pattern too complex");
  const char* end = match_items(s, p);
  --depth;
  return end;
}

const char* PatternMatcher::match_items(const char* s, const char* p) {
  while (true) {
    charge(1);
    if (p == pat_end) return s;
    switch (*p) {
      case '(':
        if (p + 1 < pat_end && p[1] == ')') return start_capture(s, p + 2, kPosition);
        return start_capture(s, p + 1, kUnfinished);
      case ')':
        return end_capture(s, p + 1);
      case '$':
        if (p + 1 == pat_end) return s == src_end ? s : nullptr;
        break;
      case '%':
        if (p + 1 >= pat_end) break;  // class_end reports the malformed pattern
        if (p[1] == 'b') {
          s = match_balance(s, p + 2);
          if (s == nullptr) return nullptr;
          p += 4;
          continue;
        }
        if (p[1] == 'f') {
          p += 2;
          if (p >= pat_end || *p != '[') luaL_error(L, "missing '[' after '%%f' in pattern");
          const char* ep = class_end(p);
          int previous = s == src_init ? 0 : uchar(s[-1]);
          int current = s < src_end ? uchar(*s) : 0;
          if (match_bracket(previous, p, ep - 1) || !match_bracket(current, p, ep - 1))
            return nullptr;
          p = ep;
          continue;
        }
        if (std::isdigit(uchar(p[1]))) {
          s = match_back_reference(s, uchar(p[1]));
          if (s == nullptr) return nullptr;
          p += 2;
          continue;
        }
        break;
      default:
        break;
    }
    const char* ep = class_end(p);
    char quantifier = ep < pat_end ? *ep : '\0';
    if (!single_match(s, p, ep)) {
      if (quantifier == '*' || quantifier == '?' || quantifier == '-') {
        p = ep + 1;
        continue;
      }
      return nullptr;
    }
    switch (quantifier) {
      case '?': {
        const char* end = match(s + 1, ep + 1);
        if (end != nullptr) return end;
        p = ep + 1;
        continue;
      }
      case '+':
        return max_expand(s + 1, p, ep);
      case '*':
        return max_expand(s, p, ep);
      case '-':
        return min_expand(s, p, ep);
      default:
        ++s;
        p = ep;
    }
  }
}

// The end of the single-character class starting at `p`.
const char* PatternMatcher::class_end(const char* p) {
  char c = *p++;
  if (c == '%') {
    if (p >= pat_end) luaL_error(L, "malformed pattern (ends with '%%')");
    return p + 1;
  }
  if (c == '[') {
    if (p < pat_end && *p == '^') ++p;
    // The first member of a set is literal, even ']'.
    do {
      if (p >= pat_end) luaL_error(L, "malformed pattern (missing ']')");
      if (*p++ == '%' && p < pat_end) ++p;
    } while (p >= pat_end || *p != ']');
    return p + 1;
  }
  return p;
}

bool PatternMatcher::single_match(const char* s, const char* p, const char* ep) {
  if (s >= src_end) return false;
  int c = uchar(*s);
  switch (*p) {
    case '.':
      return true;
    case '%':
      return match_class(c, uchar(p[1]));
    case '[':
      return match_bracket(c, p, ep - 1);
    default:
      return uchar(*p) == c;
  }
}

// Is `c` in the set that starts at `p` ('[') and ends at `ec` (']')?
bool PatternMatcher::match_bracket(int c, const char* p, const char* ec) {
  bool member = true;
  if (p[1] == '^') {
    member = false;
    ++p;
  }
  while (++p < ec) {
    if (*p == '%') {
      ++p;
      if (match_class(c, uchar(*p))) return member;
    } else if (p[1] == '-' && p + 2 < ec) {
      if (uchar(p[0]) <= c && c <= uchar(p[2])) return member;
      p += 2;
    } else if (uchar(*p) == c) {
      return member;
    }
  }
  return !member;
}

const char* PatternMatcher::max_expand(const char* s, const char* p, const char* ep) {
  std::ptrdiff_t i = 0;
  while (single_match(s + i, p, ep)) {
    ++i;
    charge(1);
  }
  for (; i >= 0; --i) {
    const char* end = match(s + i, ep + 1);
    if (end != nullptr) return end;
  }
  return nullptr;
}

const char* PatternMatcher::min_expand(const char* s, const char* p, const char* ep) {
  while (true) {
    const char* end = match(s, ep + 1);
    if (end != nullptr) return end;
    if (!single_match(s, p, ep)) return nullptr;
    ++s;
  }
}

const char* PatternMatcher::start_capture(const char* s, const char* p, std::ptrdiff_t what) {
  if (level >= kMaxPatternCaptures) luaL_error(L, "too many captures");
  capture[level] = {s, what};
  ++level;
  const char* end = match(s, p);
  if (end == nullptr) --level;
  return end;
}

const char* PatternMatcher::end_capture(const char* s, const char* p) {
  int l = capture_to_close();
  capture[l].length = s - capture[l].init;
  const char* end = match(s, p);
  if (end == nullptr) capture[l].length = kUnfinished;
  return end;
}

int PatternMatcher::capture_to_close() {
  for (int l = level - 1; l >= 0; --l)
    if (capture[l].length == kUnfinished) return l;
  return luaL_error(L, "invalid pattern capture");
}

const char* PatternMatcher::match_balance(const char* s, const char* p) {
  if (p + 1 >= pat_end) luaL_error(L, "malformed pattern (missing arguments to '%%b')");
  if (s >= src_end || *s != *p) return nullptr;
  char open = p[0], close = p[1];
  int pending = 1;
  while (++s < src_end) {
    charge(1);
    if (*s == close) {
      if (--pending == 0) return s + 1;
    } else if (*s == open) {
      ++pending;
    }
  }
  return nullptr;
}

const char* PatternMatcher::match_back_reference(const char* s, int digit) {
  int l = digit - '1';
  if (l < 0 || l >= level || capture[l].length == kUnfinished)
    luaL_error(L, "invalid capture index %%%d", l + 1);
  std::ptrdiff_t length = capture[l].length;
  if (length < 0 || src_end - s < length) return nullptr;
  charge(static_cast<std::uint64_t>(length));
  if (std::memcmp(capture[l].init, s, static_cast<std::size_t>(length)) != 0) return nullptr;
  return s + length;
}

void PatternMatcher::push_capture(int i, const char* s, const char* e) {
  if (i >= level) {
    if (i != 0) luaL_error(L, "invalid capture index %%%d", i + 1);
    lua_pushlstring(L, s, static_cast<std::size_t>(e - s));
    return;
  }
  std::ptrdiff_t length = capture[i].length;
  if (length == kUnfinished) luaL_error(L, "unfinished capture");
  if (length == kPosition)
    lua_pushinteger(L, static_cast<lua_Integer>(capture[i].init - src_init + 1));
  else
    lua_pushlstring(L, capture[i].init, static_cast<std::size_t>(length));
}

int PatternMatcher::push_captures(const char* s, const char* e) {
  int n = (level == 0 && s != nullptr) ? 1 : level;
  luaL_checkstack(L, n, "too many captures");
  for (int i = 0; i < n; ++i) push_capture(i, s, e);
  return n;
}

}  // namespace recur::tools
