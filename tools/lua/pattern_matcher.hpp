// The backtracking matcher behind the budgeted pattern functions (lua_pattern.hpp). It raises Lua
// errors for malformed patterns and charges one budget step per matching step, so it must run
// inside a Lua call. Trivially destructible: it may live in Lua-owned memory (gmatch's iterator
// state).
#pragma once

#include <cstddef>
#include <cstdint>

struct lua_State;

namespace recur::tools {

inline constexpr int kMaxPatternCaptures = 32;
inline constexpr int kMaxPatternDepth = 200;

struct PatternMatcher {
  struct Capture {
    const char* init;
    std::ptrdiff_t length;  // or kUnfinished / kPosition
  };
  static constexpr std::ptrdiff_t kUnfinished = -1;
  static constexpr std::ptrdiff_t kPosition = -2;

  lua_State* L;
  const char* src_init;
  const char* src_end;
  const char* pat_end;
  int level;
  int depth;
  std::uint64_t steps;
  Capture capture[kMaxPatternCaptures];

  static PatternMatcher over(lua_State* L, const char* s, std::size_t ls, const char* p,
                             std::size_t lp);

  // Clears the captures before a match attempt at a new position.
  void reset() {
    level = 0;
    depth = 0;
  }
  // The end of the match of pattern `p` (up to pat_end) at `s`, or nullptr.
  const char* match(const char* s, const char* p);
  // Pushes capture `i` (the whole match s..e when there are no captures and i is 0).
  void push_capture(int i, const char* s, const char* e);
  // Pushes every capture, or the whole match s..e when there are none (and s is not null).
  int push_captures(const char* s, const char* e);
  // Charges `n` steps to the budget.
  void charge(std::uint64_t n);

 private:
  const char* match_items(const char* s, const char* p);
  const char* class_end(const char* p);
  bool single_match(const char* s, const char* p, const char* ep);
  bool match_bracket(int c, const char* p, const char* ec);
  const char* max_expand(const char* s, const char* p, const char* ep);
  const char* min_expand(const char* s, const char* p, const char* ep);
  const char* start_capture(const char* s, const char* p, std::ptrdiff_t what);
  const char* end_capture(const char* s, const char* p);
  const char* match_balance(const char* s, const char* p);
  const char* match_back_reference(const char* s, int digit);
  int capture_to_close();
};

}  // namespace recur::tools
