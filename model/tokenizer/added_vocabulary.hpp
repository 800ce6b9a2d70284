// Added tokens (tokenizer.json's "added_tokens"): special and extra tokens that are cut out of the
// text before the normalizer and the pre-tokenizer see it, exactly as Hugging Face tokenizers does.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "model/tokenizer/normalizer.hpp"
#include "model/tokenizer/token.hpp"
#include "model/tokenizer/tokenizer_json.hpp"
#include "model/tokenizer/vocab.hpp"

namespace recur {

struct AddedToken {
  std::string content;
  bool single_word = false;  // match only where no word character touches it
  bool lstrip = false;       // swallow the white space on its left
  bool rstrip = false;       // swallow the white space on its right
  bool normalized = true;    // match in normalized text rather than raw text
  bool special = false;      // dropped by decode(skip_special_tokens)
};

class AddedVocabulary {
 public:
  // Registers the added_tokens list in order. As in Hugging Face tokenizers, the "id" written in
  // the file is not used: a token in model.vocab keeps its id there, the others are numbered after
  // the model's vocabulary; a repeated content keeps its id and takes the latest options. A
  // normalized token is matched, and decoded, as normalizer makes its content.
  static Result<AddedVocabulary> parse(const tokenizer_json::Field& field, const Vocab& vocab,
                                       const Normalizer& normalizer);

  // A span of text: an added token's id, or text left for the pre-tokenizer and the model.
  struct Piece {
    std::string text;
    std::optional<TokenId> id;
  };
  // Cuts the added tokens out of valid UTF-8 text: first the tokens that match raw text, then the
  // remaining spans are normalized and the normalized tokens are cut out of them. Matches are
  // leftmost-longest. Empty spans are dropped.
  std::vector<Piece> split(std::string_view text, const Normalizer& normalizer) const;

  // The id of a content as written in added_tokens.
  std::optional<TokenId> id(std::string_view content) const;
  // The text of an added id (normalized for normalized tokens), or nullptr.
  const std::string* content(TokenId id) const;
  // Whether text is the content of a special token, as written in added_tokens.
  bool is_special(std::string_view text) const { return special_.contains(text); }
  // Contents that are not in model.vocab (they add to the vocabulary size).
  std::size_t count_outside(const Vocab& vocab) const;

 private:
  // Leftmost-longest matching of a set of patterns (a byte trie).
  class Matcher {
   public:
    void add(std::string_view pattern, TokenId id);
    // The longest pattern starting at text[pos]: its length and id, or length 0.
    std::pair<std::size_t, TokenId> longest_at(std::string_view text, std::size_t pos) const;

   private:
    struct Node {
      std::vector<std::pair<unsigned char, std::uint32_t>> children;  // sorted by byte
      std::optional<TokenId> id;
    };
    std::vector<Node> nodes_{1};
  };

  Status add(const AddedToken& token, const Vocab& vocab, const Normalizer& normalizer);
  std::vector<Piece> split_with(std::string text, const Matcher& matcher) const;

  StringMap<TokenId> ids_;                          // content -> id
  std::unordered_map<TokenId, AddedToken> tokens_;  // id -> token (its latest registration)
  // id -> normalized content, for ids once registered as normalized tokens.
  std::unordered_map<TokenId, std::string> normalized_contents_;
  std::unordered_set<std::string, StringHash, std::equal_to<>> special_;
  std::optional<std::int64_t> max_id_;  // the highest id given so far
  Matcher raw_;                         // tokens with normalized == false
  Matcher normalized_;                  // tokens with normalized == true, by normalized content
};

}  // namespace recur
