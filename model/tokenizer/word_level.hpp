// The WordLevel model: each word is one vocabulary entry, or the unk_token when it is not one.
#pragma once

#include <memory>
#include <string>

#include "model/tokenizer/tokenizer_json.hpp"
#include "model/tokenizer/tokenizer_model.hpp"

namespace recur {

class WordLevel final : public TokenizerModel {
 public:
  // Reads tokenizer.json's "model" object (vocab, unk_token; unk_token defaults to "<unk>").
  static Result<std::unique_ptr<WordLevel>> parse(const tokenizer_json::Field& model);

  // A word outside the vocabulary is the unk_token's id; an error when that is not in it either.
  Status tokenize(std::string_view word, std::vector<TokenId>& ids) const override;
  const Vocab& vocab() const override { return vocab_; }

 private:
  WordLevel(Vocab vocab, std::string unk_token);

  Vocab vocab_;
  std::string unk_token_;
};

}  // namespace recur
