#include "server/token_secret.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <memory>

namespace recur::server {
namespace {

bool is_base64url(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

// Unpadded base64url, from OpenSSL's standard base64.
std::string base64url(std::span<const std::uint8_t> bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes.data(),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (char& c : out) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return out;
}

Status random_bytes(std::span<std::uint8_t> out) {
  if (RAND_bytes(out.data(), static_cast<int>(out.size())) != 1)
    return fail(ErrorCode::unavailable, "the cryptographic random generator failed (RAND_bytes)");
  return {};
}

}  // namespace

Result<std::string> new_token() {
  std::array<std::uint8_t, kTokenSecretBytes> secret{};
  if (auto s = random_bytes(secret); !s) return s.error();
  std::string token = std::string(kTokenScheme) + base64url(secret);
  OPENSSL_cleanse(secret.data(), secret.size());
  return token;
}

Result<Salt> new_salt() {
  Salt salt{};
  if (auto s = random_bytes(salt); !s) return s.error();
  return salt;
}

Result<TokenDigest> token_digest(const Salt& salt, std::string_view token) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  TokenDigest digest{};
  unsigned int length = 0;
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1 ||
      EVP_DigestUpdate(ctx.get(), salt.data(), salt.size()) != 1 ||
      EVP_DigestUpdate(ctx.get(), token.data(), token.size()) != 1 ||
      EVP_DigestFinal_ex(ctx.get(), digest.data(), &length) != 1 || length != digest.size())
    return fail(ErrorCode::internal, "SHA-256 of a token failed (OpenSSL EVP)");
  return digest;
}

bool same_digest(const TokenDigest& a, const TokenDigest& b) {
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::optional<std::string_view> token_prefix(std::string_view token) {
  if (token.size() != kTokenLength || !token.starts_with(kTokenScheme)) return std::nullopt;
  const std::string_view secret = token.substr(kTokenScheme.size());
  if (!std::all_of(secret.begin(), secret.end(), is_base64url)) return std::nullopt;
  return secret.substr(0, kTokenPrefixLength);
}

bool is_token_prefix(std::string_view text) {
  return text.size() == kTokenPrefixLength && std::all_of(text.begin(), text.end(), is_base64url);
}

std::string to_hex(std::span<const std::uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * bytes.size());
  for (std::uint8_t b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 15]);
  }
  return out;
}

bool parse_hex(std::string_view text, std::span<std::uint8_t> out) {
  if (text.size() != 2 * out.size()) return false;
  auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (char c : text)
    if (digit(c) < 0) return false;
  for (std::size_t i = 0; i < out.size(); ++i)
    out[i] = static_cast<std::uint8_t>(digit(text[2 * i]) * 16 + digit(text[2 * i + 1]));
  return true;
}

}  // namespace recur::server
