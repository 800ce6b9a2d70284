// The token file (`recur serve --auth FILE`): the server's tokens, each as a name, a role, the
// token's prefix, a salt and the SHA-256 of salt and token — never the token itself, which is
// shown once when it is made. JSON:
//   {"tokens": [{"name": "ci", "role": "submit", "prefix": "Q2x7bH0a", "salt": HEX32,
//                "hash": HEX64, "created_ms": 1718000000000}, ...]}
// The file is written whole to a temporary file beside it and renamed over it, with mode 0600; a
// file that group or others may read or write is refused when loaded. One writer at a time.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "server/role.hpp"
#include "server/token_secret.hpp"

namespace recur::server {

// One token of a token file.
struct TokenRecord {
  std::string name;  // unique in the file: letters, digits, '.', '_' and '-', at most 64
  Role role = Role::read;
  std::string prefix;  // the token's prefix (token_prefix): a lookup key, not a secret
  Salt salt{};
  TokenDigest hash{};            // token_digest(salt, token)
  std::uint64_t created_ms = 0;  // Unix milliseconds
};

// A token just made: its record for the file, and the token, to be shown once.
struct IssuedToken {
  TokenRecord record;
  std::string token;
};

// invalid_argument naming the name when it is empty, longer than 64 or has other characters.
Status check_token_name(std::string_view name);

// The tokens of `file`: not_found when it is missing; failed_precondition when group or others
// may read or write it; invalid_argument naming the file and the entry (index and name) when it is
// malformed, names an unknown role, or repeats a name; io when it cannot be read.
Result<std::vector<TokenRecord>> load_token_file(const std::filesystem::path& file);

// Replaces `file` with `tokens`, atomically, with mode 0600; io naming the file on failure.
Status save_token_file(const std::filesystem::path& file, const std::vector<TokenRecord>& tokens);

// A new token named `name` with `role`, made at `created_ms`, not yet in any file.
Result<IssuedToken> issue_token(std::string_view name, Role role, std::uint64_t created_ms);

// Issues a token and adds it to `file`, creating the file when it is missing; already_exists when
// the file has a token of that name; errors of load_token_file otherwise.
Result<IssuedToken> add_token(const std::filesystem::path& file, std::string_view name, Role role,
                              std::uint64_t created_ms);

// Removes the token named `name` from `file`, which revokes it; not_found naming it when absent.
Status remove_token(const std::filesystem::path& file, std::string_view name);

}  // namespace recur::server
