// A tokenizer model's vocabulary (tokenizer.json's model.vocab): token text to id and back.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/result.hpp"
#include "model/tokenizer/token.hpp"
#include "model/tokenizer/tokenizer_json.hpp"

namespace recur {

// Hashes std::string and std::string_view alike, so that lookups by view allocate nothing.
struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

template <class Value>
using StringMap = std::unordered_map<std::string, Value, StringHash, std::equal_to<>>;

class Vocab {
 public:
  // Reads an object of token -> id; ids must be integers in [0, 2^31).
  static Result<Vocab> parse(const tokenizer_json::Field& field);

  std::optional<TokenId> id(std::string_view token) const;
  // The token of id, or nullptr. When several tokens share an id, the one that sorts first.
  const std::string* token(TokenId id) const;
  // Number of distinct tokens.
  std::size_t size() const { return ids_.size(); }

 private:
  StringMap<TokenId> ids_;
  std::unordered_map<TokenId, const std::string*> tokens_;  // points into ids_' keys
};

}  // namespace recur
