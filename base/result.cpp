#include "base/result.hpp"

#include <array>

namespace recur {
namespace {

// By enumerator, in the order of ErrorCode.
constexpr std::array<const char*, static_cast<std::size_t>(ErrorCode::internal) + 1> kNames = {
    "invalid_argument",
    "not_found",
    "already_exists",
    "failed_precondition",
    "unauthenticated",
    "permission_denied",
    "resource_exhausted",
    "deadline_exceeded",
    "cancelled",
    "unavailable",
    "io",
    "data_loss",
    "internal"};

}  // namespace

const char* error_code_name(ErrorCode code) {
  const auto i = static_cast<std::size_t>(code);
  return i < kNames.size() ? kNames[i] : "internal";
}

std::optional<ErrorCode> parse_error_code(std::string_view name) {
  for (std::size_t i = 0; i < kNames.size(); ++i)
    if (name == kNames[i]) return static_cast<ErrorCode>(i);
  return std::nullopt;
}

}  // namespace recur
