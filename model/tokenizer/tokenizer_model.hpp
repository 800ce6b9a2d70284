// The model stage of a tokenizer: turns one pre-tokenized word into ids (WordLevel, BPE).
#pragma once

#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "model/tokenizer/token.hpp"
#include "model/tokenizer/vocab.hpp"

namespace recur {

class TokenizerModel {
 public:
  virtual ~TokenizerModel() = default;

  // Appends the ids of word to ids. Fails only when the model cannot represent the word (an unknown
  // token with no usable unk_token).
  virtual Status tokenize(std::string_view word, std::vector<TokenId>& ids) const = 0;
  virtual const Vocab& vocab() const = 0;
};

}  // namespace recur
