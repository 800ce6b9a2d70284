// The secrets behind bearer tokens: new tokens and salts from the system's cryptographic generator
// (OpenSSL RAND_bytes), the SHA-256 digest a token file keeps in place of a token, and the
// constant-time comparison of digests. A token is "recur_" followed by the unpadded base64url text
// of 32 random bytes (49 characters in all); its first characters after "recur_" are its prefix, a
// non-secret key under which a token file indexes the token's digest.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace recur::server {

inline constexpr std::string_view kTokenScheme = "recur_";
inline constexpr std::size_t kTokenSecretBytes = 32;
inline constexpr std::size_t kTokenLength = 6 + 43;   // "recur_" + base64url of 32 bytes
inline constexpr std::size_t kTokenPrefixLength = 8;  // 48 of the token's 256 random bits

using Salt = std::array<std::uint8_t, 16>;
using TokenDigest = std::array<std::uint8_t, 32>;

// A new token; unavailable when the generator could not be seeded.
Result<std::string> new_token();

// A new random salt; unavailable when the generator could not be seeded.
Result<Salt> new_salt();

// SHA-256 over the salt's bytes followed by the token's text; internal if OpenSSL fails.
Result<TokenDigest> token_digest(const Salt& salt, std::string_view token);

// Whether two digests are equal, in time that does not depend on where they differ.
bool same_digest(const TokenDigest& a, const TokenDigest& b);

// The token's prefix (the kTokenPrefixLength characters after "recur_"), or nothing when `token`
// is not shaped like a token: "recur_" and 43 base64url characters.
std::optional<std::string_view> token_prefix(std::string_view token);

// Whether `text` could be a token's prefix: kTokenPrefixLength base64url characters.
bool is_token_prefix(std::string_view text);

// Lowercase hex of `bytes`; parse_hex is its inverse and fills `out` only when `text` is exactly
// 2 * out.size() hex digits.
std::string to_hex(std::span<const std::uint8_t> bytes);
bool parse_hex(std::string_view text, std::span<std::uint8_t> out);

}  // namespace recur::server
