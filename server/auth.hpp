// Authentication of HTTP requests by bearer tokens (`Authorization: Bearer TOKEN`), against the
// tokens of a token file, and authorization of a request by role.
//
// Lookup: each entry of the token file carries its token's prefix, a non-secret key (48 of the
// token's 256 random bits), so a request costs one hash-map lookup and one SHA-256 over the salt of
// the entry found, whatever the number of tokens; a token whose prefix is unknown costs one
// SHA-256 as well, so that a miss and a wrong token take the same time. Digests are compared in
// constant time.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/result.hpp"
#include "server/role.hpp"
#include "server/token_file.hpp"

namespace recur::server {

// Who made a request: the name of the token it carried and the role the token grants.
struct Principal {
  std::string name;
  Role role = Role::read;
};

// The tokens of one token file, indexed by prefix. Immutable once made: share it between threads.
class Authenticator {
 public:
  explicit Authenticator(std::vector<TokenRecord> tokens);

  // The tokens of `file`, with the errors of load_token_file.
  static Result<Authenticator> load(const std::filesystem::path& file);

  // The principal whose token `authorization_header` carries ("Bearer TOKEN"; the scheme in any
  // case). unauthenticated when the header is empty, not of the Bearer scheme, or carries no token
  // of the file; the message never repeats the token.
  Result<Principal> authenticate(std::string_view authorization_header) const;

  // The number of tokens.
  std::size_t size() const { return by_prefix_.size(); }

 private:
  std::unordered_multimap<std::string, TokenRecord> by_prefix_;
};

// Success when `principal`'s role allows routes that need `needed`; permission_denied naming the
// token, its role and the role needed otherwise.
Status authorize(const Principal& principal, Role needed);

}  // namespace recur::server
