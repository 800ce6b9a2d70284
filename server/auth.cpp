#include "server/auth.hpp"

#include <utility>

#include "server/token_secret.hpp"

namespace recur::server {
namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t';
}

std::string_view trimmed(std::string_view text) {
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

bool is_bearer(std::string_view scheme) {
  static constexpr std::string_view kBearer = "bearer";
  if (scheme.size() != kBearer.size()) return false;
  for (std::size_t i = 0; i < scheme.size(); ++i) {
    const char c =
        scheme[i] >= 'A' && scheme[i] <= 'Z' ? static_cast<char>(scheme[i] + 32) : scheme[i];
    if (c != kBearer[i]) return false;
  }
  return true;
}

Error unauthenticated(std::string message) {
  return fail(ErrorCode::unauthenticated, std::move(message));
}

}  // namespace

Authenticator::Authenticator(std::vector<TokenRecord> tokens) {
  by_prefix_.reserve(tokens.size());
  for (auto& t : tokens) {
    std::string prefix = t.prefix;
    by_prefix_.emplace(std::move(prefix), std::move(t));
  }
}

Result<Authenticator> Authenticator::load(const std::filesystem::path& file) {
  auto tokens = load_token_file(file);
  if (!tokens) return tokens.error();
  return Authenticator(std::move(*tokens));
}

Result<Principal> Authenticator::authenticate(std::string_view authorization_header) const {
  const std::string_view header = trimmed(authorization_header);
  if (header.empty())
    return unauthenticated("missing Authorization header (expected 'Bearer TOKEN')");
  const std::size_t space = header.find_first_of(" \t");
  if (space == std::string_view::npos || !is_bearer(header.substr(0, space)))
    return unauthenticated("the Authorization header must be 'Bearer TOKEN'");
  const std::string_view token = trimmed(header.substr(space));
  const auto prefix = token_prefix(token);
  if (!prefix)
    return unauthenticated("the bearer token is not a recur token ('recur_' and 43 characters)");
  auto [first, last] = by_prefix_.equal_range(std::string(*prefix));
  if (first == last) {
    (void)token_digest(Salt{}, token);  // a miss costs what a wrong token costs
    return unauthenticated("unknown or revoked token");
  }
  for (auto it = first; it != last; ++it) {
    auto digest = token_digest(it->second.salt, token);
    if (!digest) return digest.error();
    if (same_digest(*digest, it->second.hash)) return Principal{it->second.name, it->second.role};
  }
  return unauthenticated("unknown or revoked token");
}

Status authorize(const Principal& principal, Role needed) {
  if (allows(principal.role, needed)) return {};
  return fail(ErrorCode::permission_denied, "token '" + principal.name + "' has role " +
                                                role_name(principal.role) + "; this needs " +
                                                role_name(needed));
}

}  // namespace recur::server
