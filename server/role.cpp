#include "server/role.hpp"

#include <string>

namespace recur::server {

const char* role_name(Role role) {
  switch (role) {
    case Role::read:
      return "read";
    case Role::submit:
      return "submit";
    case Role::admin:
      return "admin";
  }
  return "unknown";
}

Result<Role> parse_role(std::string_view name) {
  for (Role role : {Role::read, Role::submit, Role::admin})
    if (name == role_name(role)) return role;
  return fail(ErrorCode::invalid_argument,
              "unknown role '" + std::string(name) + "' (known: read, submit, admin)");
}

}  // namespace recur::server
