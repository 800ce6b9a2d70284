// The roles a token grants, ordered: read < submit < admin. A route names the least role it needs;
// a token whose role is at least that may call it.
#pragma once

#include <cstdint>
#include <string_view>

#include "base/result.hpp"

namespace recur::server {

enum class Role : std::uint8_t {
  read,    // look at jobs, sessions, models, tools, metrics
  submit,  // also start and cancel jobs and sessions, call tools
  admin,   // everything
};

// "read", "submit", "admin"; parse_role is its inverse.
const char* role_name(Role role);

// The role named `name`; invalid_argument naming it and the known roles otherwise.
Result<Role> parse_role(std::string_view name);

// Whether a token of role `held` may call a route that needs `needed`.
inline bool allows(Role held, Role needed) {
  return held >= needed;
}

}  // namespace recur::server
