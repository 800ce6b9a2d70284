#include "model/tokenizer/added_vocabulary.hpp"

#include <algorithm>
#include <limits>

#include "model/tokenizer/unicode.hpp"

namespace recur {
namespace {

// The regexes Hugging Face uses around added tokens, with \w and \s in their Unicode meaning:
// \w$, ^\w, the start of \s*$ and the end of ^\s*.
bool ends_with_word(std::string_view text) {
  if (text.empty()) return false;
  std::size_t pos = text.size();
  return unicode::is_word(unicode::previous_code_point(text, pos));
}

bool starts_with_word(std::string_view text) {
  if (text.empty()) return false;
  std::size_t pos = 0;
  return unicode::is_word(unicode::next_code_point(text, pos));
}

std::size_t trailing_space_start(std::string_view text) {
  std::size_t start = text.size();
  while (start > 0) {
    std::size_t pos = start;
    if (!unicode::is_white_space(unicode::previous_code_point(text, pos))) break;
    start = pos;
  }
  return start;
}

std::size_t leading_space_end(std::string_view text) {
  std::size_t end = 0;
  while (end < text.size()) {
    std::size_t pos = end;
    if (!unicode::is_white_space(unicode::next_code_point(text, pos))) break;
    end = pos;
  }
  return end;
}

}  // namespace

void AddedVocabulary::Matcher::add(std::string_view pattern, TokenId id) {
  if (pattern.empty()) return;
  std::uint32_t node = 0;
  for (char c : pattern) {
    const auto byte = static_cast<unsigned char>(c);
    auto& children = nodes_[node].children;
    auto it = std::lower_bound(children.begin(), children.end(), byte,
                               [](const auto& child, unsigned char b) { return child.first < b; });
    if (it != children.end() && it->first == byte) {
      node = it->second;
      continue;
    }
    const auto next = static_cast<std::uint32_t>(nodes_.size());
    children.insert(it, {byte, next});
    nodes_.emplace_back();
    node = next;
  }
  if (!nodes_[node].id) nodes_[node].id = id;  // equal patterns: the first one registered
}

std::pair<std::size_t, TokenId> AddedVocabulary::Matcher::longest_at(std::string_view text,
                                                                     std::size_t pos) const {
  std::pair<std::size_t, TokenId> best{0, 0};
  std::uint32_t node = 0;
  for (std::size_t i = pos; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    const auto& children = nodes_[node].children;
    auto it = std::lower_bound(children.begin(), children.end(), byte,
                               [](const auto& child, unsigned char b) { return child.first < b; });
    if (it == children.end() || it->first != byte) break;
    node = it->second;
    if (nodes_[node].id) best = {i + 1 - pos, *nodes_[node].id};
  }
  return best;
}

Result<AddedVocabulary> AddedVocabulary::parse(const tokenizer_json::Field& field,
                                               const Vocab& vocab, const Normalizer& normalizer) {
  AddedVocabulary added;
  if (field.missing()) return added;
  if (!field.json().is_array()) return field.error("must be a list of added tokens");
  for (std::size_t i = 0; i < field.json().size(); ++i) {
    const auto entry = field[i];
    if (!entry.json().is_object()) return entry.error("must be an object");
    AddedToken token;
    auto content = entry["content"].string();
    if (!content) return content.error();
    if (unicode::find_invalid_utf8(*content)) return entry["content"].error("is not valid UTF-8");
    token.content = std::move(*content);
    auto special = entry["special"].boolean(false);
    if (!special) return special.error();
    token.special = *special;
    for (auto [name, flag, fallback] :
         {std::tuple{"single_word", &token.single_word, false},
          std::tuple{"lstrip", &token.lstrip, false}, std::tuple{"rstrip", &token.rstrip, false},
          std::tuple{"normalized", &token.normalized, !token.special}}) {
      auto value = entry[name].boolean(fallback);
      if (!value) return value.error();
      *flag = *value;
    }
    if (Status s = added.add(token, vocab, normalizer); !s) return entry.error(s.error().message);
  }
  // In id order, so that of two tokens with the same pattern the lower id wins (Hugging Face picks
  // either one, depending on hash order).
  std::vector<TokenId> ids;
  ids.reserve(added.tokens_.size());
  for (const auto& entry : added.tokens_) ids.push_back(entry.first);
  std::sort(ids.begin(), ids.end());
  for (TokenId id : ids) {
    const AddedToken& token = added.tokens_.at(id);
    if (token.normalized) {
      added.normalized_.add(added.normalized_contents_.at(id), id);
    } else {
      added.raw_.add(token.content, id);
    }
  }
  return added;
}

Status AddedVocabulary::add(const AddedToken& token, const Vocab& vocab,
                            const Normalizer& normalizer) {
  if (token.content.empty()) return Status::success();
  if (token.special) special_.insert(token.content);
  auto known = ids_.find(token.content);
  std::optional<TokenId> id =
      known != ids_.end() ? std::optional(known->second) : vocab.id(token.content);
  if (!id) {
    // After the model's vocabulary, or after the highest added id when that is already past it.
    const auto model_size = static_cast<std::int64_t>(vocab.size());
    std::int64_t next = model_size;
    if (max_id_ && (*max_id_ >= model_size || model_size == 0)) next = *max_id_ + 1;
    if (next > std::numeric_limits<TokenId>::max())
      return fail(ErrorCode::invalid_argument, "gives an id past 2^31 - 1");
    id = static_cast<TokenId>(next);
  }
  ids_.insert_or_assign(token.content, *id);
  tokens_.insert_or_assign(*id, token);
  if (token.normalized) normalized_contents_.insert_or_assign(*id, normalizer.apply(token.content));
  max_id_ = std::max<std::int64_t>(max_id_.value_or(*id), *id);
  return Status::success();
}

std::vector<AddedVocabulary::Piece> AddedVocabulary::split(std::string_view text,
                                                           const Normalizer& normalizer) const {
  std::vector<Piece> pieces;
  for (Piece& piece : split_with(std::string(text), raw_)) {
    if (piece.id) {
      pieces.push_back(std::move(piece));
      continue;
    }
    for (Piece& p : split_with(normalizer.apply(piece.text), normalized_)) {
      pieces.push_back(std::move(p));
    }
  }
  return pieces;
}

std::vector<AddedVocabulary::Piece> AddedVocabulary::split_with(std::string text,
                                                                const Matcher& matcher) const {
  std::vector<Piece> pieces;
  std::size_t done = 0;  // end of the last token piece
  for (std::size_t pos = 0; pos < text.size();) {
    const auto [length, id] = matcher.longest_at(text, pos);
    if (length == 0) {
      ++pos;
      continue;
    }
    std::size_t start = pos;
    std::size_t stop = pos + length;
    pos = stop;  // the search goes on after the match, whatever becomes of it below
    const AddedToken& token = tokens_.at(id);
    if (token.single_word) {
      const bool space_before =
          start == 0 || !ends_with_word(std::string_view(text).substr(0, start));
      const bool space_after =
          stop == text.size() || !starts_with_word(std::string_view(text).substr(stop));
      if (!space_before || !space_after) continue;
    }
    if (token.lstrip) {
      start = std::max(trailing_space_start(std::string_view(text).substr(0, start)), done);
    }
    if (token.rstrip) stop += leading_space_end(std::string_view(text).substr(stop));
    if (done < start) pieces.push_back({text.substr(done, start - done), std::nullopt});
    // A token whose span the previous token's rstrip already took is dropped, as an empty split.
    if (start < stop) pieces.push_back({text.substr(start, stop - start), id});
    done = std::max(stop, start);
  }
  if (done < text.size()) pieces.push_back({text.substr(done), std::nullopt});
  return pieces;
}

std::optional<TokenId> AddedVocabulary::id(std::string_view content) const {
  auto it = ids_.find(content);
  if (it == ids_.end()) return std::nullopt;
  return it->second;
}

const std::string* AddedVocabulary::content(TokenId id) const {
  if (auto normalized = normalized_contents_.find(id); normalized != normalized_contents_.end()) {
    return &normalized->second;
  }
  auto it = tokens_.find(id);
  return it == tokens_.end() ? nullptr : &it->second.content;
}

std::size_t AddedVocabulary::count_outside(const Vocab& vocab) const {
  return static_cast<std::size_t>(std::count_if(
      ids_.begin(), ids_.end(), [&](const auto& entry) { return !vocab.id(entry.first); }));
}

}  // namespace recur
