// Errors of the HTTP API: an ErrorCode becomes an HTTP status and the body
// {"error": {"code": "invalid_argument|not_found|...", "message": "..."}} of the API's contract.
#pragma once

#include <string>

#include "base/json.hpp"
#include "base/result.hpp"

namespace recur::server {

// The HTTP status of an error code: invalid_argument 400, unauthenticated 401, permission_denied
// 403, not_found 404, already_exists and failed_precondition 409, resource_exhausted 429,
// cancelled 499 as 409, unavailable 503, deadline_exceeded 504, io/data_loss/internal 500.
int http_status(ErrorCode code);

// The code of the API's error object: the contract's vocabulary (invalid_argument, not_found,
// unauthenticated, permission_denied, resource_exhausted, unavailable, internal), to which the
// other codes are folded (already_exists and failed_precondition are invalid_argument, io and
// data_loss internal, deadline_exceeded unavailable, cancelled invalid_argument).
const char* api_code(ErrorCode code);

// {"error": {"code", "message"}}
Json error_body(const Error& error);

}  // namespace recur::server
