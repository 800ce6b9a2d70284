// Small helpers on text and time that several layers need.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace recur {

// The items of `items` with `separator` between them: joined({"a", "b"}, ", ") == "a, b".
template <class Range>
std::string joined(const Range& items, std::string_view separator) {
  std::string out;
  bool first = true;
  for (const auto& item : items) {
    if (!first) out += separator;
    out += item;
    first = false;
  }
  return out;
}

// Milliseconds from `start` to now, on the steady clock.
inline double ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
}

// Milliseconds since the Unix epoch, on the system clock.
std::uint64_t unix_ms();

}  // namespace recur
