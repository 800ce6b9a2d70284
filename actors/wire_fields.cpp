#include "actors/wire_fields.hpp"

#include <limits>

namespace recur::actors {

caf::error wire_error(std::string text) {
  return caf::make_error(caf::sec::invalid_argument, std::move(text));
}

std::string json_text(const Json& value) {
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

caf::error parse_json_text(const std::string& text, const char* field, Json& value) {
  Json parsed = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    return wire_error(std::string(field) + ": not a JSON value (" + std::to_string(text.size()) +
                      " bytes)");
  }
  value = std::move(parsed);
  return caf::none;
}

namespace {

using Clock = std::chrono::steady_clock;
using Nanoseconds = std::chrono::nanoseconds;
using Limits = std::numeric_limits<std::int64_t>;

// a + b, clamped to int64's range.
std::int64_t saturated_add(std::int64_t a, std::int64_t b) {
  std::int64_t sum = 0;
  if (!__builtin_add_overflow(a, b, &sum)) return sum;
  return b > 0 ? Limits::max() : Limits::min();
}

std::int64_t ticks(Clock::time_point t) {
  return std::chrono::duration_cast<Nanoseconds>(t.time_since_epoch()).count();
}

}  // namespace

std::int64_t remaining_ns(Clock::time_point deadline, Clock::time_point now) {
  if (deadline == Clock::time_point::max()) return Limits::max();
  std::int64_t left = 0;
  if (!__builtin_sub_overflow(ticks(deadline), ticks(now), &left)) return left;
  return ticks(deadline) > ticks(now) ? Limits::max() : Limits::min();
}

Clock::time_point deadline_after(std::int64_t remaining, Clock::time_point now) {
  if (remaining == Limits::max()) return Clock::time_point::max();
  std::int64_t at = saturated_add(ticks(now), remaining);
  return Clock::time_point(std::chrono::duration_cast<Clock::duration>(Nanoseconds(at)));
}

}  // namespace recur::actors
