// Errors as values. Every fallible call in recur returns Result<T> or Status: a value, or an Error
// with a code saying what kind of failure it is (callers branch on the code, never on the text)
// and a message naming what is wrong — the file, the field or byte offset, the device, the call —
// fit to print as one line. Below the command line, messages never name a command-line flag.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace recur {

// What kind of failure an Error is. The names are those of the HTTP API's error objects.
enum class ErrorCode : std::uint8_t {
  invalid_argument,     // bad input: a malformed file, field, argument, script or call
  not_found,            // a named thing is absent: a file, job, session, tool, key, device
  already_exists,       // a name is taken
  failed_precondition,  // the thing is in the wrong state for the request (a job that ended)
  unauthenticated,      // no valid credentials
  permission_denied,    // credentials without the right
  resource_exhausted,   // a budget or a capacity ran out: memory, slots, instructions, calls
  deadline_exceeded,    // a deadline or time budget passed
  cancelled,            // stopped on request
  unavailable,          // a device, process or peer is not there now; trying later may work
  io,                   // reading or writing a file, socket or database failed
  data_loss,            // stored data is damaged
  internal,             // an invariant broke: a bug
};

// "invalid_argument", ...; parse_error_code is its inverse.
const char* error_code_name(ErrorCode code);
std::optional<ErrorCode> parse_error_code(std::string_view name);

struct Error {
  ErrorCode code = ErrorCode::internal;
  std::string message;

  // The same error with "context: " before its message: fail(...).context("model.json").
  Error context(std::string_view context) const {
    return Error{code, std::string(context) + ": " + message};
  }
};

// Builds an Error: fail(ErrorCode::invalid_argument, "config.json: field 'x' must be positive").
inline Error fail(ErrorCode code, std::string message) {
  return Error{code, std::move(message)};
}

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  // On a temporary, the value is moved out, so `for (x : *f())` never dangles.
  T value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T operator*() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// Success or an Error, for calls with no value.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)), failed_(true) {}
  static Status success() { return {}; }

  bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }
  const Error& error() const { return error_; }

 private:
  Error error_;
  bool failed_ = false;
};

}  // namespace recur
