#include "model/tokenizer/word_level.hpp"

namespace recur {

WordLevel::WordLevel(Vocab vocab, std::string unk_token)
    : vocab_(std::move(vocab)), unk_token_(std::move(unk_token)) {}

Result<std::unique_ptr<WordLevel>> WordLevel::parse(const tokenizer_json::Field& model) {
  auto vocab = Vocab::parse(model["vocab"]);
  if (!vocab) return vocab.error();
  auto unk_token = model["unk_token"].optional_string();
  if (!unk_token) return unk_token.error();
  return std::unique_ptr<WordLevel>(new WordLevel(std::move(*vocab), unk_token->value_or("<unk>")));
}

Status WordLevel::tokenize(std::string_view word, std::vector<TokenId>& ids) const {
  if (auto id = vocab_.id(word)) {
    ids.push_back(*id);
    return Status::success();
  }
  if (auto unk = vocab_.id(unk_token_)) {
    ids.push_back(*unk);
    return Status::success();
  }
  return fail(ErrorCode::invalid_argument,
              "WordLevel: unk_token \"" + unk_token_ +
                  "\" is not in the vocabulary, so a word outside it cannot be encoded");
}

}  // namespace recur
