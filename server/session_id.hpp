// Session ids for MCP clients: 128 bits from the operating system's cryptographic generator, as
// 32 lowercase hex digits, so an id can be neither guessed nor forged by another client.
#pragma once

#include <string>

#include "base/result.hpp"

namespace recur::server {

// A fresh session id; unavailable when the generator has no entropy to give.
Result<std::string> new_session_id();

}  // namespace recur::server
