// How fields that CAF cannot carry as they are cross a network: JSON values, enums and deadlines.
// Each is a small view on a field with an inspect() of its own; the inspect() of a message type
// wraps those fields in a view and passes the view to the inspector with its other fields:
//
//   JsonText arguments{x.arguments};
//   auto status = EnumCode{x.status, agent::SessionStatus::failed};
//   return f(caf::meta::type_name("..."), x.id, arguments, status);
//
// - A JSON value travels as its compact text (Json::dump). Strings that are not valid UTF-8 are
//   dumped with U+FFFD in place of each invalid byte, so every value can be sent and its text
//   always parses back; numbers that JSON cannot write (NaN, infinity) arrive as null. Text that
//   does not parse is a deserialization error.
// - An enum travels as its underlying integer. A code past the enum's last enumerator (or below
//   its first) is a deserialization error, so a corrupted or newer message never yields a value
//   outside the enum. (CAF 0.17 serializes enums by itself; an inspect() for the enum type would be
//   ambiguous with that, hence a view.)
// - A deadline (a std::chrono::steady_clock time point) travels as the nanoseconds left until it
//   at the moment it is serialized, and is set to that much after the moment it is deserialized:
//   steady clocks of two processes share no epoch. The time in transit is not counted. Deadlines
//   too far away for the arithmetic saturate; time_point::max() ("never") stays max().
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <type_traits>

#include <caf/all.hpp>
#include "base/json.hpp"

namespace recur::actors {

// A deserialization error (sec::invalid_argument) whose context is `text`.
caf::error wire_error(std::string text);

// Compact JSON text of `value`; invalid UTF-8 in strings becomes U+FFFD.
std::string json_text(const Json& value);
// Parses `text` into `value`; an error naming `field` when it is not one JSON value.
caf::error parse_json_text(const std::string& text, const char* field, Json& value);

// Nanoseconds from `now` to `deadline` (negative when it has passed), saturated to int64.
std::int64_t remaining_ns(std::chrono::steady_clock::time_point deadline,
                          std::chrono::steady_clock::time_point now);
// `now` plus `remaining` nanoseconds, saturated to the clock's range.
std::chrono::steady_clock::time_point deadline_after(std::int64_t remaining,
                                                     std::chrono::steady_clock::time_point now);

// A JSON field as its text. `field` names it in errors.
struct JsonText {
  Json& value;
  const char* field = "json";
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, JsonText& x) {
  std::string text;
  if constexpr (Inspector::reads_state) text = json_text(x.value);
  auto load = [&]() -> caf::error { return parse_json_text(text, x.field, x.value); };
  return f(text, caf::meta::load_callback(load));
}

// An enum field as its underlying integer, `last` being the highest valid enumerator (the first
// being 0).
template <class Enum>
struct EnumCode {
  static_assert(std::is_enum_v<Enum>);
  Enum& value;
  Enum last;
};

template <class Inspector, class Enum>
typename Inspector::result_type inspect(Inspector& f, EnumCode<Enum>& x) {
  using Code = std::underlying_type_t<Enum>;
  Code code = static_cast<Code>(x.value);
  auto load = [&]() -> caf::error {
    bool below = false;
    if constexpr (std::is_signed_v<Code>) below = code < 0;
    if (below || code > static_cast<Code>(x.last)) {
      return wire_error("enum code " + std::to_string(code) + " is outside 0.." +
                        std::to_string(static_cast<Code>(x.last)));
    }
    x.value = static_cast<Enum>(code);
    return caf::none;
  };
  return f(code, caf::meta::load_callback(load));
}

// A steady-clock deadline as the time left until it.
struct RemainingTime {
  std::chrono::steady_clock::time_point& deadline;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, RemainingTime& x) {
  std::int64_t remaining = 0;
  if constexpr (Inspector::reads_state) {
    remaining = remaining_ns(x.deadline, std::chrono::steady_clock::now());
  }
  auto load = [&]() -> caf::error {
    x.deadline = deadline_after(remaining, std::chrono::steady_clock::now());
    return caf::none;
  };
  return f(remaining, caf::meta::load_callback(load));
}

}  // namespace recur::actors
