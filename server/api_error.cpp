#include "server/api_error.hpp"

namespace recur::server {

int http_status(ErrorCode code) {
  switch (code) {
    case ErrorCode::invalid_argument:
      return 400;
    case ErrorCode::unauthenticated:
      return 401;
    case ErrorCode::permission_denied:
      return 403;
    case ErrorCode::not_found:
      return 404;
    case ErrorCode::already_exists:
    case ErrorCode::failed_precondition:
    case ErrorCode::cancelled:
      return 409;
    case ErrorCode::resource_exhausted:
      return 429;
    case ErrorCode::unavailable:
      return 503;
    case ErrorCode::deadline_exceeded:
      return 504;
    case ErrorCode::io:
    case ErrorCode::data_loss:
    case ErrorCode::internal:
      return 500;
  }
  return 500;
}

const char* api_code(ErrorCode code) {
  switch (code) {
    case ErrorCode::invalid_argument:
    case ErrorCode::already_exists:
    case ErrorCode::failed_precondition:
    case ErrorCode::cancelled:
      return "invalid_argument";
    case ErrorCode::not_found:
      return "not_found";
    case ErrorCode::unauthenticated:
      return "unauthenticated";
    case ErrorCode::permission_denied:
      return "permission_denied";
    case ErrorCode::resource_exhausted:
      return "resource_exhausted";
    case ErrorCode::unavailable:
    case ErrorCode::deadline_exceeded:
      return "unavailable";
    case ErrorCode::io:
    case ErrorCode::data_loss:
    case ErrorCode::internal:
      return "internal";
  }
  return "internal";
}

Json error_body(const Error& error) {
  return {{"error", {{"code", api_code(error.code)}, {"message", error.message}}}};
}

}  // namespace recur::server
