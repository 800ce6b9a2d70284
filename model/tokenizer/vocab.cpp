#include "model/tokenizer/vocab.hpp"

#include <limits>

namespace recur {

Result<Vocab> Vocab::parse(const tokenizer_json::Field& field) {
  if (field.missing()) return field.error("is missing");
  if (!field.json().is_object()) return field.error("must be an object of token -> id");
  Vocab vocab;
  vocab.ids_.reserve(field.json().size());
  vocab.tokens_.reserve(field.json().size());
  for (const auto& [token, value] : field.json().items()) {
    const bool in_range = value.is_number_integer() && value.get<std::int64_t>() >= 0 &&
                          value.get<std::int64_t>() <= std::numeric_limits<TokenId>::max();
    if (!in_range) {
      return field[token].error("must be a token id in [0, 2^31) (got " + field[token].shown() +
                                ")");
    }
    const auto id = static_cast<TokenId>(value.get<std::int64_t>());
    auto [it, inserted] = vocab.ids_.emplace(token, id);
    if (inserted) vocab.tokens_.emplace(id, &it->first);
  }
  return vocab;
}

std::optional<TokenId> Vocab::id(std::string_view token) const {
  auto it = ids_.find(token);
  if (it == ids_.end()) return std::nullopt;
  return it->second;
}

const std::string* Vocab::token(TokenId id) const {
  auto it = tokens_.find(id);
  return it == tokens_.end() ? nullptr : it->second;
}

}  // namespace recur
